"""Approvals, consultations and notifications over the API.

Writes go through ``governance.approvals``; the viewsets only parse, look the object up
through ``restrict`` and render. Requests and consultations are never edited directly.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from glocal import current_unit
from glocal.api.base import TenantViewSet, as_drf_validation_error
from governance import actions, approvals, notify
from governance.models import ApprovalRequest, Consultation, Notification

READ_ONLY_METHODS = ["get", "post", "head", "options"]


def explicit_unit(request):
    """The acting unit only when the caller chose one (header or dashboard switcher);
    otherwise any of the user's units may qualify under the RACI."""
    if request.META.get(current_unit.HEADER) or (
        hasattr(request, "session") and request.session.get(current_unit.SESSION_KEY)
    ):
        return getattr(request, "unit", None)
    return None


def run(service, *args, **kwargs):
    """Call a service; its refusals become 400 (with the field) or 403 (with the reason)."""
    try:
        return service(*args, **kwargs)
    except DjangoValidationError as exc:
        raise as_drf_validation_error(exc) from None
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from None


class NoCreateMixin:
    """Rows made only by services: the list route answers POST with 405."""

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)


# --- filters ------------------------------------------------------------------------


class ApprovalRequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Search")
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")
    requesting_unit_code = django_filters.CharFilter(field_name="requesting_unit__code")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "activity", "owner_unit", "requesting_unit", "scope", "action_type"]


class ConsultationFilterSet(django_filters.FilterSet):
    answered = django_filters.BooleanFilter(
        field_name="answered_at", lookup_expr="isnull", exclude=True
    )
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")

    class Meta:
        model = Consultation
        fields = ["request", "owner_unit", "opinion"]


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["kind", "request"]


# --- serializers --------------------------------------------------------------------


class ConsultationSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    request_title = serializers.CharField(source="request.title", read_only=True)
    answered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "request",
            "request_title",
            "owner_unit",
            "owner_unit_code",
            "owner_unit_name",
            "due_at",
            "opinion",
            "answer",
            "answered_by",
            "answered_at",
            "is_overdue",
        ]
        read_only_fields = fields


class ApprovalRequestSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    scope_code = serializers.CharField(source="scope.code", read_only=True)
    requesting_unit_code = serializers.CharField(source="requesting_unit.code", read_only=True)
    activity_name = serializers.CharField(source="get_activity_display", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    withdrawn_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    target_type = serializers.SerializerMethodField()
    consultations = ConsultationSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "title",
            "status",
            "activity",
            "activity_name",
            "action_type",
            "target_type",
            "target_id",
            "owner_unit",
            "owner_unit_code",
            "scope",
            "scope_code",
            "requesting_unit",
            "requesting_unit_code",
            "requested_by",
            "comment",
            "created_at",
            "expires_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "withdrawn_by",
            "withdrawn_at",
            "withdraw_comment",
            "consultations",
        ]
        read_only_fields = fields

    def get_target_type(self, obj: ApprovalRequest) -> str | None:
        ctype = obj.target_type
        return f"{ctype.app_label}.{ctype.model}" if ctype else None


class ApprovalCreateSerializer(serializers.Serializer):
    action_type = serializers.CharField(help_text="A registered governed action")
    target_id = serializers.CharField(help_text="Id of the object the action applies to")
    comment = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_action_type(self, value: str) -> str:
        try:
            actions.get(value)
        except actions.UnknownActionType:
            known = ", ".join(h.action_type for h in actions.registered())
            raise serializers.ValidationError(
                _("Unknown action %(action)s; one of: %(known)s.")
                % {"action": value, "known": known}
            ) from None
        return value


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AnswerSerializer(serializers.Serializer):
    opinion = serializers.ChoiceField(choices=Consultation.Opinion.choices)
    answer = serializers.CharField(required=False, allow_blank=True, default="")


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.CharField(read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_name",
            "message",
            "request",
            "owner_unit",
            "owner_unit_code",
            "is_read",
            "read_at",
            "created_at",
        ]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


# --- viewsets -----------------------------------------------------------------------


class ApprovalRequestViewSet(TenantViewSet):
    """Approval requests you take part in: as requester, decider, consulted unit or above.

    ``POST`` asks for a governed action; an accountable manager's request is approved
    at once. ``approve`` and ``reject`` are for managers of the accountable unit;
    ``withdraw`` for the requester and the managers of either unit (withdrawing an
    approved request revokes what it allowed).
    """

    queryset = ApprovalRequest.objects.select_related(
        "owner_unit",
        "scope",
        "requesting_unit",
        "requested_by",
        "decided_by",
        "withdrawn_by",
        "target_type",
    ).prefetch_related("consultations__owner_unit", "consultations__answered_by")
    serializer_class = ApprovalRequestSerializer
    filterset_class = ApprovalRequestFilterSet
    ordering_fields = ["created_at", "expires_at", "status"]
    http_method_names = READ_ONLY_METHODS
    restrict_actions = {"approve": "approve", "reject": "approve", "withdraw": "withdraw"}

    def _reply(self, approval: ApprovalRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=approval.pk)  # the restricted read already passed
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=ApprovalCreateSerializer, responses={201: ApprovalRequestSerializer})
    def create(self, request, *args, **kwargs):
        payload = ApprovalCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        handler = actions.get(data["action_type"])
        target = handler.targets(request.user).filter(pk=data["target_id"]).first()
        if target is None:
            raise exceptions.ValidationError(
                {"target_id": _("No such object among those you may act on.")}
            )
        approval = run(
            approvals.request_action,
            request.user,
            data["action_type"],
            target,
            comment=data["comment"],
            acting_unit=explicit_unit(request),
        )
        return self._reply(approval, status.HTTP_201_CREATED)

    @extend_schema(request=CommentSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve: the action runs once, the requester, C and I units are told."""
        return self._decide(request, approve=True)

    @extend_schema(request=CommentSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject with a comment saying why."""
        return self._decide(request, approve=False)

    def _decide(self, request, *, approve: bool) -> Response:
        approval = self.get_object()
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(
            approvals.decide,
            approval,
            request.user,
            approve=approve,
            comment=payload.validated_data["comment"],
        )
        return self._reply(approval)

    @extend_schema(request=CommentSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a pending request, or revoke an approved one."""
        approval = self.get_object()
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(approvals.withdraw, approval, request.user, comment=payload.validated_data["comment"])
        return self._reply(approval)


class ConsultationViewSet(NoCreateMixin, TenantViewSet):
    """Consultations of your units (and of the requests you can read); managers of the
    consulted unit answer before the deadline."""

    queryset = Consultation.objects.select_related("owner_unit", "request", "answered_by")
    serializer_class = ConsultationSerializer
    filterset_class = ConsultationFilterSet
    ordering_fields = ["due_at"]
    http_method_names = READ_ONLY_METHODS
    restrict_actions = {"answer": "answer"}

    @extend_schema(request=AnswerSerializer, responses=ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        consultation = self.get_object()
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        answered = run(
            approvals.answer_consultation, consultation, request.user, **payload.validated_data
        )
        return Response(self.get_serializer(answered).data)


class NotificationViewSet(NoCreateMixin, TenantViewSet):
    """Your own notifications (never anyone else's, whatever your role)."""

    queryset = Notification.objects.select_related("owner_unit")
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]
    http_method_names = READ_ONLY_METHODS
    restrict_actions = {"read": "change", "read_all": "change"}

    def filter_queryset(self, queryset):
        # Superusers pass restrict() unfiltered; an inbox is still only the caller's.
        return super().filter_queryset(queryset).filter(recipient_id=self.request.user.pk)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification as read."""
        notification = self.get_object()
        notify.mark_read([notification])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all your unread notifications as read."""
        mine = Notification.objects.restrict(request.user, "change").filter(
            recipient_id=request.user.pk
        )
        return Response({"marked": notify.mark_read(mine)})
