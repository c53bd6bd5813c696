"""Budgets, spend and exchange rates over the API.

Writes go through ``campaigns.budgets``: the viewsets parse, look objects up through
``restrict`` and render; the service's refusals become 400 with the field named (an
over-cap spend names the budget, its cap and what is left) or 403 with the RACI reason.
An allocation by a user who is responsible but not accountable answers 202 with the
approval request it opened.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.models import Channel
from campaigns import budgets
from campaigns.models import Budget, Campaign, FxRate, Spend, SpendKind
from glocal.api.base import RestrictedPrimaryKeyRelatedField, TenantViewSet
from glocal.models import OrgUnit
from governance.api.approvals import explicit_unit, run
from governance.models import ApprovalRequest

READ_AND_POST = ["get", "post", "head", "options"]
MONEY = {"max_digits": 18, "decimal_places": 4}

# --- filters ------------------------------------------------------------------------


class BudgetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    owner_unit = django_filters.NumberFilter(field_name="owner_unit_id")
    unit_code = django_filters.CharFilter(field_name="owner_unit__code")
    parent = django_filters.NumberFilter(field_name="parent_id")
    root = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", label="Only global budgets"
    )
    active_on = django_filters.DateFilter(method="filter_active_on", label="Period includes")
    starts_on = django_filters.DateFilter()
    ends_on = django_filters.DateFilter()

    class Meta:
        model = Budget
        fields = ["owner_unit", "parent", "starts_on", "ends_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class SpendFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="description", lookup_expr="icontains")
    budget = django_filters.NumberFilter(field_name="budget_id")
    campaign = django_filters.NumberFilter(field_name="campaign_id")
    owner_unit = django_filters.NumberFilter(field_name="owner_unit_id")
    unit_code = django_filters.CharFilter(field_name="owner_unit__code")
    after = django_filters.DateFilter(field_name="spent_on", lookup_expr="gte")
    before = django_filters.DateFilter(field_name="spent_on", lookup_expr="lte")

    class Meta:
        model = Spend
        fields = ["budget", "campaign", "owner_unit", "channel", "kind", "currency"]


class FxRateFilterSet(django_filters.FilterSet):
    after = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    before = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = FxRate
        fields = ["currency", "day"]


# --- serializers --------------------------------------------------------------------


class GuidelineLineSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    spent = serializers.DecimalField(**MONEY)
    share = serializers.FloatField()
    guideline = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    outside = serializers.BooleanField()


class GuidelineReportSerializer(serializers.Serializer):
    guidelines_from = serializers.IntegerField(
        allow_null=True, help_text="The budget whose guidelines apply (itself or an ancestor)"
    )
    tolerance = serializers.FloatField()
    currency = serializers.CharField()
    total = serializers.DecimalField(help_text="Spend with a channel, subtree included", **MONEY)
    unassigned = serializers.DecimalField(help_text="Spend without a channel", **MONEY)
    outside = serializers.BooleanField()
    channels = GuidelineLineSerializer(many=True)


class BudgetSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    currency = serializers.CharField(read_only=True, help_text="The organisation's currency")
    remaining = serializers.DecimalField(read_only=True, **MONEY)
    guidelines = serializers.DictField(child=serializers.FloatField(), read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Budget
        fields = [
            "id",
            "name",
            "owner_unit",
            "owner_unit_code",
            "parent",
            "starts_on",
            "ends_on",
            "currency",
            "amount",
            "allocated",
            "spent",
            "remaining",
            "guidelines",
            "tolerance",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class BudgetDetailSerializer(BudgetSerializer):
    guideline_report = serializers.SerializerMethodField()

    class Meta(BudgetSerializer.Meta):
        fields = [*BudgetSerializer.Meta.fields, "guideline_report"]
        read_only_fields = fields

    @extend_schema_field(GuidelineReportSerializer)
    def get_guideline_report(self, budget: Budget) -> dict[str, Any]:
        return GuidelineReportSerializer(budgets.guideline_report(budget)).data


class BudgetCreateSerializer(serializers.Serializer):
    parent = RestrictedPrimaryKeyRelatedField(
        queryset=Budget.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The budget it is allocated from (none: the global budget itself)",
    )
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), help_text="The unit receiving the budget"
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(min_value=Decimal(0), **MONEY)
    guidelines = serializers.JSONField(
        required=False, default=dict, help_text='Channel → share of spend, e.g. {"events": 0.4}'
    )
    tolerance = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, allow_null=True, default=None
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class BudgetUpdateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(min_value=Decimal(0), required=False, **MONEY)
    name = serializers.CharField(max_length=200, required=False)
    guidelines = serializers.JSONField(required=False)
    tolerance = serializers.DecimalField(max_digits=4, decimal_places=3, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class BudgetPendingSerializer(serializers.Serializer):
    status = serializers.CharField()
    approval_request = serializers.IntegerField()
    budget = serializers.IntegerField()
    detail = serializers.CharField()


class SpendSerializer(serializers.ModelSerializer):
    budget_name = serializers.CharField(source="budget.name", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Spend
        fields = [
            "id",
            "budget",
            "budget_name",
            "owner_unit",
            "owner_unit_code",
            "campaign",
            "channel",
            "kind",
            "quantity",
            "unit_price",
            "amount_local",
            "currency",
            "fx_rate",
            "amount",
            "spent_on",
            "description",
            "external_key",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class SpendCreateSerializer(serializers.Serializer):
    budget = RestrictedPrimaryKeyRelatedField(queryset=Budget.objects.all())
    campaign = RestrictedPrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True, default=None
    )
    kind = serializers.ChoiceField(choices=SpendKind.choices)
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True, default=""
    )
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="Impressions (cpm), clicks (cpc), touches ...",
    )
    unit_price = serializers.DecimalField(
        max_digits=18,
        decimal_places=6,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        default=None,
        help_text="Per thousand impressions (cpm), per click (cpc), per unit otherwise",
    )
    amount_local = serializers.DecimalField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Computed from quantity and unit price when both are given",
        **MONEY,
    )
    currency = serializers.CharField(
        max_length=3,
        required=False,
        allow_blank=True,
        default="",
        help_text="ISO 4217; default: the budget unit's currency",
    )
    spent_on = serializers.DateField()
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    external_key = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Idempotency: the same key on the same budget records one spend",
    )


class FxRateSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(
        source="owner_unit_id", read_only=True, help_text="The organisation's global unit"
    )

    class Meta:
        model = FxRate
        fields = ["id", "organisation", "currency", "day", "rate", "created_at", "updated_at"]
        read_only_fields = fields


class FxRateInputSerializer(serializers.Serializer):
    organisation = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Any unit of the organisation (default: the unit you act for)",
    )
    currency = serializers.CharField(max_length=3)
    day = serializers.DateField()
    rate = serializers.DecimalField(
        max_digits=20,
        decimal_places=10,
        help_text="Organisation currency for 1 unit of the currency",
    )


# --- viewsets -----------------------------------------------------------------------


class BudgetViewSet(TenantViewSet):
    """Budgets of your units, with what is allocated, spent and left (detail: the
    guideline report). ``POST`` allocates a budget from a parent; ``PATCH`` changes the
    amount (governed like an allocation), name or guidelines."""

    queryset = Budget.objects.select_related("owner_unit__organization", "created_by")
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilterSet
    ordering_fields = ["starts_on", "name", "amount", "spent"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # The RACI decides who allocates (in the service); "view" only hides the rest.
    restrict_actions = {"partial_update": "view"}

    def get_serializer_class(self):
        return BudgetDetailSerializer if self.action == "retrieve" else BudgetSerializer

    def _reply(self, result: Budget | ApprovalRequest, code: int) -> Response:
        if isinstance(result, ApprovalRequest):
            body = {
                "status": "needs_approval",
                "approval_request": result.pk,
                "budget": int(result.target_id),
                "detail": result.title,
            }
            return Response(BudgetPendingSerializer(body).data, status=status.HTTP_202_ACCEPTED)
        fresh = self.queryset.get(pk=result.pk)
        context = self.get_serializer_context()
        return Response(BudgetDetailSerializer(fresh, context=context).data, status=code)

    @extend_schema(
        request=BudgetCreateSerializer,
        responses={
            201: BudgetDetailSerializer,
            202: OpenApiResponse(BudgetPendingSerializer, "Waiting for the accountable unit"),
        },
    )
    def create(self, request, *args, **kwargs):
        payload = BudgetCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        result = run(
            budgets.allocate,
            request.user,
            data.pop("parent"),
            data.pop("owner_unit"),
            data.pop("amount"),
            acting_unit=explicit_unit(request),
            **data,
        )
        return self._reply(result, status.HTTP_201_CREATED)

    @extend_schema(
        request=BudgetUpdateSerializer,
        responses={
            200: BudgetDetailSerializer,
            202: OpenApiResponse(BudgetPendingSerializer, "Waiting for the accountable unit"),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        budget = self.get_object()
        payload = BudgetUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        amount = data.pop("amount", None)
        comment = data.pop("comment")
        acting_unit = explicit_unit(request)
        with transaction.atomic():  # all of it or nothing
            result: Budget | ApprovalRequest = budget
            if amount is not None:
                result = run(
                    budgets.set_amount,
                    request.user,
                    budget,
                    amount,
                    comment=comment,
                    acting_unit=acting_unit,
                )
            if data:
                run(budgets.configure, request.user, budget, acting_unit=acting_unit, **data)
        return self._reply(result, status.HTTP_200_OK)


class SpendViewSet(TenantViewSet):
    """Spend recorded against the budgets of your units. ``POST`` records one, converted
    to the organisation's currency; over the cap it is refused (400 naming the budget,
    its cap and what is left). The same ``external_key`` again answers 200 with the
    spend already recorded."""

    queryset = Spend.objects.select_related("budget", "owner_unit", "created_by")
    serializer_class = SpendSerializer
    filterset_class = SpendFilterSet
    ordering_fields = ["spent_on", "amount", "created_at"]
    http_method_names = READ_AND_POST

    @extend_schema(
        request=SpendCreateSerializer,
        responses={201: SpendSerializer, 200: SpendSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = SpendCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        recorded = run(budgets.record_spend, request.user, data.pop("budget"), **data)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        fresh = self.queryset.get(pk=recorded.spend.pk)
        return Response(self.get_serializer(fresh).data, status=code)


class FxRateViewSet(TenantViewSet):
    """Exchange rates of your organisation (organisation currency for 1 unit of each
    currency, per day; conversion uses the latest rate on or before a date). ``POST``
    records or corrects a day's rate: administrators of the global unit only."""

    queryset = FxRate.objects.select_related("owner_unit")
    serializer_class = FxRateSerializer
    filterset_class = FxRateFilterSet
    ordering_fields = ["day", "currency"]
    http_method_names = READ_AND_POST

    @extend_schema(
        request=FxRateInputSerializer,
        responses={201: FxRateSerializer, 200: FxRateSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = FxRateInputSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        organisation = data["organisation"] or getattr(request, "unit", None)
        if organisation is None:
            raise exceptions.ValidationError(
                {"organisation": [_("Say which organisation the rate is for.")]}
            )
        row, created = run(
            budgets.set_fx_rate,
            request.user,
            organisation,
            data["currency"],
            data["day"],
            data["rate"],
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(row).data, status=code)
