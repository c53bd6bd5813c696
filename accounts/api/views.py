"""Accounts, contacts and consents: restricted CRUD plus the selection actions.

The viewsets parse, authorise through ``restrict`` and call ``accounts.selection``;
its refusals become 400 with the field and the rule named, or 403 with the RACI reason.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import exports, privacy, scoring, selection
from accounts.api.filters import AccountFilterSet, ConsentFilterSet, ContactFilterSet
from accounts.api.privacy import DataSubjectActionsMixin
from accounts.api.serializers import (
    AccountSerializer,
    ConsentSerializer,
    ContactSerializer,
    DeselectSerializer,
    SelectionPendingSerializer,
    SelectSerializer,
)
from accounts.models import Account, Consent, Contact
from glocal.api.base import TenantViewSet
from governance.api.approvals import explicit_unit, run
from governance.models import ApprovalRequest

MOVES = {"propose": "change", "select": "change", "deselect": "change"}


class AccountViewSet(TenantViewSet):
    """Target accounts of your units. ``propose``, ``select`` and ``deselect`` move the
    lifecycle under the RACI, the ICP and the per-tier caps."""

    queryset = Account.objects.select_related("owner_unit", "lifecycle_changed_by")
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet
    ordering_fields = ["name", "fit_score", "engagement_score", "updated_at"]
    restrict_actions = MOVES

    def perform_create(self, serializer) -> None:
        with transaction.atomic():
            super().perform_create(serializer)
            scoring.refresh_fit(serializer.instance)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="CSV file")})
    @action(detail=False, methods=["get"], url_path="csv")
    def csv(self, request):
        """The filtered accounts as CSV (cells safe against formula injection)."""
        queryset = self.filter_queryset(self.get_queryset())
        return exports.csv_response(request.user, "accounts", queryset, unit=request.unit)

    def perform_update(self, serializer) -> None:
        with transaction.atomic():
            super().perform_update(serializer)
            scoring.refresh_fit(serializer.instance)

    def _reply(self, account: Account) -> Response:
        return Response(self.get_serializer(self.queryset.get(pk=account.pk)).data)

    @extend_schema(request=None, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        """Shortlist a candidate (it must be inside the ICP)."""
        account = self.get_object()
        run(selection.propose, account, request.user, acting_unit=explicit_unit(request))
        return self._reply(account)

    @extend_schema(
        request=SelectSerializer,
        responses={
            200: AccountSerializer,
            202: OpenApiResponse(SelectionPendingSerializer, "Waiting for the accountable unit"),
        },
    )
    @action(detail=True, methods=["post"])
    def select(self, request, pk=None):
        """Select a proposed account; a responsible (not accountable) user gets 202 and an
        approval request for the accountable unit's managers."""
        account = self.get_object()
        payload = SelectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = run(
            selection.select,
            account,
            request.user,
            comment=payload.validated_data["comment"],
            acting_unit=explicit_unit(request),
        )
        if isinstance(result, ApprovalRequest):
            return Response(
                {
                    "status": "needs_approval",
                    "approval_request": result.pk,
                    "detail": result.title,
                },
                status=status.HTTP_202_ACCEPTED,
            )
        return self._reply(account)

    @extend_schema(request=DeselectSerializer, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def deselect(self, request, pk=None):
        """Take the account off the list, with a reason."""
        account = self.get_object()
        payload = DeselectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(
            selection.deselect,
            account,
            request.user,
            payload.validated_data["reason"],
            acting_unit=explicit_unit(request),
        )
        return self._reply(account)


class ContactViewSet(DataSubjectActionsMixin, TenantViewSet):
    """Contacts of your units' accounts; personal data stays within its residency zone."""

    queryset = Contact.objects.select_related("owner_unit", "account")
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    ordering_fields = ["last_name", "updated_at"]
    restrict_actions = {"export": "view", "erase": "view"}

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="CSV file")})
    @action(detail=False, methods=["get"], url_path="csv")
    def csv(self, request):
        """The filtered contacts as CSV; personal data outside its residency zone masked."""
        queryset = self.filter_queryset(self.get_queryset())
        return exports.csv_response(request.user, "contacts", queryset, unit=request.unit)

    def perform_update(self, serializer) -> None:
        if not privacy.visible_personal_data(self.request.user, [serializer.instance]):
            raise exceptions.PermissionDenied(
                _("This person's data must stay in its residency zone; you may not edit it.")
            )
        super().perform_update(serializer)

    def perform_destroy(self, instance) -> None:
        if not privacy.visible_personal_data(self.request.user, [instance]):
            raise exceptions.PermissionDenied(
                _("This person's data must stay in its residency zone.")
            )
        super().perform_destroy(instance)


class ConsentViewSet(TenantViewSet):
    """Consents of your units' contacts, per channel and purpose."""

    queryset = Consent.objects.select_related("owner_unit", "contact")
    serializer_class = ConsentSerializer
    filterset_class = ConsentFilterSet
    ordering_fields = ["recorded_at"]
