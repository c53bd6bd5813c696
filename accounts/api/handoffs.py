"""Engagement intake and hand-offs over the API.

Writes go through ``accounts.engagement`` and ``accounts.handoffs``; the viewsets parse,
look objects up through ``restrict`` and render. Hand-offs are made by the scoring, never
posted; they are decided with ``accept`` / ``reject``.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import engagement, handoffs
from accounts.models import Account, Contact, EngagementEvent, EventKind, Handoff
from glocal.api.base import RestrictedPrimaryKeyRelatedField, TenantViewSet
from governance.api.approvals import NoCreateMixin, run

READ_AND_POST = ["get", "post", "head", "options"]

# --- filters ------------------------------------------------------------------------


class EngagementEventFilterSet(django_filters.FilterSet):
    after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = EngagementEvent
        fields = ["account", "contact", "kind", "source", "owner_unit"]


class HandoffFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains")
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Assigned to me"))

    class Meta:
        model = Handoff
        fields = ["status", "overdue", "account", "sales_owner", "owner_unit"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value and user is not None:
            return queryset.filter(sales_owner_id=user.pk)
        return queryset


# --- serializers --------------------------------------------------------------------


class EngagementEventSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)

    class Meta:
        model = EngagementEvent
        fields = [
            "id",
            "account",
            "contact",
            "kind",
            "occurred_at",
            "source",
            "external_id",
            "owner_unit",
            "owner_unit_code",
            "created_at",
        ]
        read_only_fields = fields


class EngagementIntakeSerializer(serializers.Serializer):
    account = RestrictedPrimaryKeyRelatedField(queryset=Account.objects.all(), action="change")
    contact = RestrictedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), action="view", required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = serializers.DateTimeField()
    source = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(max_length=200)


class HandoffSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    sales_owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Handoff
        fields = [
            "id",
            "account",
            "account_name",
            "owner_unit",
            "owner_unit_code",
            "sales_owner",
            "score",
            "threshold",
            "created_at",
            "sla_due_at",
            "status",
            "reason",
            "decided_by",
            "decided_at",
            "overdue",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- viewsets -----------------------------------------------------------------------


class EngagementEventViewSet(TenantViewSet):
    """Engagement events of the accounts you reach. ``POST`` records one (idempotent on
    ``external_id``: 201 when new, 200 with the stored event on a redelivery)."""

    queryset = EngagementEvent.objects.select_related("owner_unit")
    serializer_class = EngagementEventSerializer
    filterset_class = EngagementEventFilterSet
    ordering_fields = ["occurred_at", "created_at"]
    http_method_names = READ_AND_POST

    @extend_schema(
        request=EngagementIntakeSerializer,
        responses={201: EngagementEventSerializer, 200: EngagementEventSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = EngagementIntakeSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data.get("contact") is not None and data["contact"].account_id != data["account"].pk:
            raise serializers.ValidationError(
                {"contact": [_("This contact works at another account.")]}
            )
        recorded = run(engagement.record_event, **data)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(self.get_serializer(recorded.event).data, status=code)


class HandoffViewSet(NoCreateMixin, TenantViewSet):
    """Hand-offs of marketing-qualified accounts to sales. ``accept`` and ``reject``
    (reason required) are for the sales owner and the managers of the account's unit."""

    queryset = Handoff.objects.select_related("account", "owner_unit", "sales_owner", "decided_by")
    serializer_class = HandoffSerializer
    filterset_class = HandoffFilterSet
    ordering_fields = ["created_at", "sla_due_at", "status"]
    http_method_names = READ_AND_POST
    # Deciding is checked by the service (sales owner or manager): "view" here only
    # turns everything outside the caller's scope into a 404.
    restrict_actions = {"accept": "view", "reject": "view"}

    def _decide(self, service, request) -> Response:
        handoff = self.get_object()
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = run(service, handoff, request.user, payload.validated_data["reason"])
        return Response(self.get_serializer(self.queryset.get(pk=decided.pk)).data)

    @extend_schema(request=DecisionSerializer, responses={200: HandoffSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None) -> Response:
        return self._decide(handoffs.accept, request)

    @extend_schema(request=DecisionSerializer, responses={200: HandoffSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None) -> Response:
        return self._decide(handoffs.reject, request)
