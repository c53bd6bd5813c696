"""REST API of coordination rituals: rituals, their occurrences (minutes, action items)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from glocal.api.base import (
    RestrictedPrimaryKeyRelatedField,
    TenantViewSet,
    ValidatedModelSerializer,
    as_drf_validation_error,
)
from glocal.models import Membership, OrgUnit
from governance import rituals
from governance.filters_rituals import (
    ActionItemFilterSet,
    RitualFilterSet,
    RitualOccurrenceFilterSet,
)
from governance.models import ActionItem, Ritual, RitualOccurrence


class AgendaEntrySerializer(serializers.Serializer):
    label = serializers.CharField()
    unit = serializers.CharField(required=False, allow_blank=True)
    ref = serializers.CharField(help_text="app.model:id of the object on the agenda")
    owner = serializers.CharField(required=False)
    due_on = serializers.DateField(required=False)
    overdue = serializers.BooleanField(required=False)


class AgendaItemSerializer(serializers.Serializer):
    topic = serializers.CharField(help_text="Stable key of the agenda provider's topic")
    title = serializers.SerializerMethodField()
    count = serializers.IntegerField()
    entries = AgendaEntrySerializer(many=True)

    def get_title(self, item: dict) -> str:
        return gettext(item.get("title", ""))


class OccurrenceBriefSerializer(serializers.ModelSerializer):
    agenda = AgendaItemSerializer(many=True, read_only=True)

    class Meta:
        model = RitualOccurrence
        fields = ["id", "starts_at", "ends_at", "status", "agenda", "agenda_updated_at"]


class RitualSerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    timezone = serializers.CharField(source="owner_unit.timezone", read_only=True)
    participant_units = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="view", many=True, required=False
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    upcoming_occurrences = serializers.SerializerMethodField()

    class Meta:
        model = Ritual
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "name",
            "kind",
            "description",
            "recurrence",
            "starts_on",
            "time_of_day",
            "timezone",
            "duration_minutes",
            "participant_mode",
            "participant_units",
            "reminder_days_before",
            "reminder_time",
            "is_active",
            "created_by",
            "created_at",
            "updated_at",
            "upcoming_occurrences",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(OccurrenceBriefSerializer(many=True))
    def get_upcoming_occurrences(self, ritual: Ritual) -> list[dict]:
        upcoming = getattr(ritual, "upcoming", None)
        if upcoming is None:  # a freshly written ritual: not prefetched
            upcoming = ritual.occurrences.upcoming().order_by("starts_at")[:5]
        return OccurrenceBriefSerializer(upcoming, many=True, context=self.context).data

    def validate(self, attrs):
        if self.instance is None and "owner_unit" not in attrs:
            request = self.context["request"]
            if not request.unit:
                raise serializers.ValidationError(
                    {"owner_unit": "You are not a member of any unit; name the owner unit."}
                )
            attrs["owner_unit"] = OrgUnit.objects.get(pk=request.unit.pk)
        # Many-to-many values cannot be set on an unsaved instance: check them apart.
        participants = attrs.pop("participant_units", None)
        attrs = super().validate(attrs)
        instance = self._validated_instance
        mode = instance.participant_mode
        if participants is not None:
            if participants and mode != Ritual.Participants.CHOSEN:
                raise serializers.ValidationError(
                    {
                        "participant_units": "Participants are derived from the tree in this "
                        "mode; set participant_mode to 'chosen' to pick them."
                    }
                )
            try:
                instance.check_participants(participants)
            except DjangoValidationError as exc:
                raise as_drf_validation_error(exc) from None
            attrs["participant_units"] = participants
        return attrs

    def build_for_validation(self, attrs):
        self._validated_instance = super().build_for_validation(attrs)
        return self._validated_instance

    def save(self, **kwargs) -> Ritual:
        ritual = super().save(**kwargs)
        rituals.schedule(ritual)  # inside the viewset's transaction: all or nothing
        ritual.__dict__.pop("upcoming", None)  # prefetched before the change: stale
        return ritual


class AssigneeField(serializers.SlugRelatedField):
    """Owner of an action item, by username: only people whose membership the caller can
    see (a local team does not learn who works in a sibling unit)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=get_user_model().objects, **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        visible = Membership.objects.restrict(user, "view")
        allowed = get_user_model().objects.filter(is_active=True, memberships__in=visible)
        instance = getattr(self.parent, "instance", None)
        if instance is not None and getattr(instance, "assignee_id", None):
            allowed = get_user_model().objects.filter(
                Q(pk__in=allowed.values("pk")) | Q(pk=instance.assignee_id)
            )
        return allowed.distinct()


class ActionItemSerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="view")
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    assignee = AssigneeField()
    ritual = serializers.IntegerField(source="occurrence.ritual_id", read_only=True)
    ritual_name = serializers.CharField(source="occurrence.ritual.name", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "occurrence",
            "ritual",
            "ritual_name",
            "title",
            "description",
            "owner_unit",
            "owner_unit_code",
            "assignee",
            "due_on",
            "status",
            "is_overdue",
            "overdue_since",
            "completed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "occurrence",
            "overdue_since",
            "completed_at",
            "created_at",
            "updated_at",
        ]

    def get_is_overdue(self, item: ActionItem) -> bool:
        return item.is_overdue()

    def build_for_validation(self, attrs):
        instance = super().build_for_validation(attrs)
        if instance.pk is None:
            instance.occurrence = self.context["occurrence"]
        return instance

    def create(self, validated_data) -> ActionItem:
        return rituals.add_action_item(
            self.context["occurrence"], self.context["request"].user, **validated_data
        )


class RitualOccurrenceSerializer(ValidatedModelSerializer):
    ritual_name = serializers.CharField(source="ritual.name", read_only=True)
    organiser = serializers.CharField(source="ritual.owner_unit.code", read_only=True)
    agenda = AgendaItemSerializer(many=True, read_only=True)
    minutes_updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = RitualOccurrence
        fields = [
            "id",
            "ritual",
            "ritual_name",
            "organiser",
            "starts_at",
            "ends_at",
            "status",
            "agenda",
            "agenda_updated_at",
            "minutes",
            "minutes_updated_at",
            "minutes_updated_by",
            "action_items",
        ]
        read_only_fields = [
            "ritual",
            "starts_at",
            "ends_at",
            "agenda_updated_at",
            "minutes",
            "minutes_updated_at",
        ]


class MinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True, trim_whitespace=False)


class RitualViewSet(TenantViewSet):
    """Rituals you organise or take part in, each with its next occurrences and agendas."""

    queryset = Ritual.objects.select_related("owner_unit", "created_by").prefetch_related(
        "participant_units", rituals.upcoming_prefetch()
    )
    serializer_class = RitualSerializer
    filterset_class = RitualFilterSet
    ordering_fields = ["name", "updated_at"]

    def perform_create(self, serializer) -> None:
        serializer.validated_data["created_by"] = self.request.user
        super().perform_create(serializer)


ACTION_ITEMS_PREFETCH = Prefetch(
    "action_items",
    queryset=ActionItem.objects.select_related(
        "owner_unit", "assignee", "created_by", "occurrence__ritual"
    ),
)


@extend_schema_view(create=extend_schema(exclude=True))
class RitualOccurrenceViewSet(TenantViewSet):
    """Meetings of your rituals. Beat creates them; participants record minutes and
    action items; the organiser may cancel one (``PATCH status``)."""

    queryset = RitualOccurrence.objects.select_related(
        "ritual__owner_unit", "minutes_updated_by"
    ).prefetch_related(ACTION_ITEMS_PREFETCH)
    serializer_class = RitualOccurrenceSerializer
    filterset_class = RitualOccurrenceFilterSet
    ordering_fields = ["starts_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    restrict_actions = {"minutes": "participate", "action_items": "participate"}

    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method, "Occurrences come from the schedule.")

    @extend_schema(request=MinutesSerializer, responses=RitualOccurrenceSerializer)
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        """Write (replace) the minutes of this meeting."""
        occurrence = self.get_object()
        payload = MinutesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            rituals.record_minutes(occurrence, payload.validated_data["minutes"], request.user)
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None
        fresh = self.get_queryset().get(pk=occurrence.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=ActionItemSerializer, responses={201: ActionItemSerializer})
    @action(detail=True, methods=["post"], url_path="action-items")
    def action_items(self, request, pk=None):
        """Add an action item agreed in this meeting."""
        occurrence = self.get_object()
        context = {**self.get_serializer_context(), "occurrence": occurrence}
        serializer = ActionItemSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                item = serializer.save()
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None
        return Response(ActionItemSerializer(item, context=context).data, status=201)


class ActionItemViewSet(TenantViewSet):
    """Action items of meetings you take part in; filter ``overdue=true`` for the late ones.
    Create them on their meeting: ``POST /ritual-occurrences/{id}/action-items/``."""

    queryset = ActionItem.objects.select_related(
        "owner_unit", "assignee", "created_by", "occurrence__ritual"
    )
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilterSet
    ordering_fields = ["due_on", "updated_at"]
    http_method_names = ["get", "patch", "delete", "head", "options"]
