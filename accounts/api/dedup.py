"""Duplicate review, global account plans and family conflicts over the API.

The viewsets parse, look objects up through ``restrict`` and call ``accounts.dedup`` /
``accounts.families``; refusals become 400 (with the field) or 403 (with the reason).
Candidates and conflicts are made by detection only, never posted.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import dedup, families
from accounts.models import Account, AccountPlan, DuplicateCandidate, FamilyConflict
from glocal.api.base import RestrictedPrimaryKeyRelatedField, TenantViewSet
from governance.api.approvals import NoCreateMixin, run

READ_AND_ACTIONS = ["get", "post", "head", "options"]


class AccountSideSerializer(serializers.ModelSerializer):
    """One side of a pair, for the side-by-side comparison."""

    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "legal_name",
            "domain",
            "country",
            "industry",
            "owner_unit",
            "owner_unit_code",
            "parent",
            "lifecycle",
            "tier",
            "tags",
            "crm_ids",
        ]
        read_only_fields = fields


class DuplicateCandidateSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    account_a = AccountSideSerializer(read_only=True)
    account_b = AccountSideSerializer(read_only=True)

    class Meta:
        model = DuplicateCandidate
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "account_a",
            "account_b",
            "score",
            "reasons",
            "status",
            "survivor",
            "summary",
            "detected_at",
            "resolved_at",
        ]
        read_only_fields = fields


class MergeSerializer(serializers.Serializer):
    survivor = serializers.IntegerField(help_text="Id of the account to keep (one of the pair).")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DuplicateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")

    class Meta:
        model = DuplicateCandidate
        fields = ["status", "owner_unit"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(account_a__name__icontains=value) | Q(account_b__name__icontains=value)
        )


class DuplicateCandidateViewSet(NoCreateMixin, TenantViewSet):
    """The duplicate review queue of your units (each pair sits at the lowest common unit
    of its two accounts). ``merge`` keeps the chosen survivor; ``dismiss`` closes it."""

    queryset = DuplicateCandidate.objects.select_related(
        "owner_unit", "account_a__owner_unit", "account_b__owner_unit"
    )
    serializer_class = DuplicateCandidateSerializer
    filterset_class = DuplicateFilterSet
    ordering_fields = ["score", "detected_at"]
    http_method_names = READ_AND_ACTIONS
    restrict_actions = {"merge": "approve", "dismiss": "approve"}

    def _reply(self, candidate: DuplicateCandidate) -> Response:
        fresh = self.queryset.get(pk=candidate.pk)  # the restricted read already passed
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=MergeSerializer, responses=DuplicateCandidateSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge the pair into ``survivor``: contacts, consents, links, tags, CRM ids."""
        candidate = self.get_object()
        payload = MergeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(dedup.merge, candidate, request.user, payload.validated_data["survivor"])
        return self._reply(candidate)

    @extend_schema(request=NoteSerializer, responses=DuplicateCandidateSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Not the same company; later detection runs leave the pair dismissed."""
        candidate = self.get_object()
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(dedup.dismiss, candidate, request.user, payload.validated_data["note"])
        return self._reply(candidate)


# --- global account plans -------------------------------------------------------------


class AccountPlanSerializer(serializers.ModelSerializer):
    account = RestrictedPrimaryKeyRelatedField(queryset=Account.objects.all(), action="view")
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "account",
            "account_name",
            "owner_unit",
            "owner_unit_code",
            "objectives",
            "strategy",
            "key_contacts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["owner_unit", "created_at", "updated_at"]

    def validate_account(self, account: Account) -> Account:
        if self.instance is not None and account.pk != self.instance.account_id:
            raise serializers.ValidationError(_("A plan stays with its family."))
        return account

    def create(self, validated_data):
        request = self.context["request"]
        return run(families.create_plan, request.user, **validated_data)


class AccountPlanViewSet(TenantViewSet):
    """Global plans on family parents: owned by the lowest common unit of the family's
    accounts, which edits them; readable by every unit owning an account of the family."""

    queryset = AccountPlan.objects.select_related("account", "owner_unit")
    serializer_class = AccountPlanSerializer
    filterset_fields = ["owner_unit", "account"]


# --- family conflicts -------------------------------------------------------------------


class FamilyConflictSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    account_a = AccountSideSerializer(read_only=True)
    account_b = AccountSideSerializer(read_only=True)

    class Meta:
        model = FamilyConflict
        fields = [
            "id",
            "kind",
            "key",
            "owner_unit",
            "owner_unit_code",
            "account_a",
            "account_b",
            "status",
            "note",
            "detected_at",
            "resolved_at",
        ]
        read_only_fields = fields


class FamilyConflictViewSet(NoCreateMixin, TenantViewSet):
    """Two local units targeting one company or family, flagged to their common unit."""

    queryset = FamilyConflict.objects.select_related(
        "owner_unit", "account_a__owner_unit", "account_b__owner_unit"
    )
    serializer_class = FamilyConflictSerializer
    filterset_fields = ["status", "kind", "owner_unit"]
    http_method_names = READ_AND_ACTIONS
    restrict_actions = {"resolve": "approve"}

    @extend_schema(request=NoteSerializer, responses=FamilyConflictSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """The arbitrating unit settled who targets the company."""
        conflict = self.get_object()
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(families.resolve_conflict, conflict, request.user, payload.validated_data["note"])
        fresh = self.queryset.get(pk=conflict.pk)
        return Response(self.get_serializer(fresh).data)
