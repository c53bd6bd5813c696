"""``/api/v1/benchmarks/`` (a unit's KPIs against their benchmarks) and
``/api/v1/market-standards/`` (the standards regions set for their markets).

The views parse and render; ``analytics.benchmarks`` computes, ``reports.access_unit``
authorises the unit exactly as for ``/api/v1/kpis/``, and ``MarketStandard.objects
.restrict`` decides who sees and sets a standard.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import benchmarks, reports
from analytics.api.kpis import KpiPeriodSerializer, KpiQuerySerializer, KpiUnitSerializer
from analytics.models import MarketStandard
from analytics.models.benchmarks import KPI_CHOICES
from campaigns.api.filters import IdFilter
from campaigns.api.serializers import default_unit
from glocal.api.base import (
    CurrentUnitMixin,
    RestrictedPrimaryKeyRelatedField,
    TenantViewSet,
    ValidatedModelSerializer,
    as_drf_validation_error,
)
from glocal.models import OrgUnit


def check_report_query(request) -> tuple[OrgUnit, reports.Period, list[str] | None]:
    """Unit, period and KPIs of a report request, as ``/api/v1/kpis/`` reads them
    (400 naming the parameter, 404 outside the caller's view, 403 for an ancestor)."""
    query = KpiQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    names = [n.strip() for n in params.get("kpi", "").split(",") if n.strip()]
    try:
        period = reports.check_period(
            start=params.get("start"),
            end=params.get("end"),
            month=params.get("month"),
            quarter=params.get("quarter"),
        )
        only = reports.check_kpis(names)
        unit_id = params.get("unit") or getattr(request.unit, "pk", None)
        unit = reports.access_unit(request.user, unit_id)
    except DjangoValidationError as exc:
        raise as_drf_validation_error(exc) from None
    return unit, period, only


class BenchmarkEntrySerializer(serializers.Serializer):
    """Decimals as strings; null when not defined."""

    value = serializers.CharField(allow_null=True, help_text="The KPI (a count as integer)")
    benchmark = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    source = serializers.ChoiceField(
        choices=["history+standard", "history", "standard", "none"],
        help_text="What the benchmark is made of",
    )
    history = serializers.DecimalField(
        max_digits=30, decimal_places=4, allow_null=True, help_text="Mean of the trailing periods"
    )
    history_periods = serializers.IntegerField()
    standard = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    index = serializers.DecimalField(
        max_digits=30, decimal_places=4, allow_null=True, help_text="KPI ÷ benchmark"
    )
    rank = serializers.IntegerField(
        allow_null=True, help_text="By index among the siblings (only if you see them all)"
    )
    ranked_among = serializers.IntegerField(allow_null=True)


class OwnBenchmarkEntrySerializer(BenchmarkEntrySerializer):
    global_median = serializers.DecimalField(
        max_digits=30,
        decimal_places=4,
        allow_null=True,
        help_text="Median over the organisation's local units",
    )
    median_units = serializers.IntegerField()
    vs_median = serializers.ChoiceField(choices=["above", "below", "at"], allow_null=True)


class BenchmarkChildSerializer(serializers.Serializer):
    unit = KpiUnitSerializer()
    kpis = serializers.DictField(child=BenchmarkEntrySerializer())


class BenchmarkReportSerializer(serializers.Serializer):
    unit = KpiUnitSerializer()
    period = KpiPeriodSerializer()
    currency = serializers.CharField()
    history_weight = serializers.DecimalField(max_digits=5, decimal_places=4)
    trailing_periods = serializers.IntegerField()
    kpis = serializers.DictField(child=OwnBenchmarkEntrySerializer())
    children = BenchmarkChildSerializer(many=True)


class BenchmarkView(CurrentUnitMixin, APIView):
    """A unit's KPIs against their contextual benchmarks, with the performance index.

    Its children are ranked by index; the unit's own rank among its siblings is given
    only to those who see every sibling. Each KPI is set against the global median of
    the organisation's local units. Same parameters and access as ``/api/v1/kpis/``.
    """

    @extend_schema(parameters=[KpiQuerySerializer], responses=BenchmarkReportSerializer)
    def get(self, request):
        unit, period, only = check_report_query(request)
        return Response(benchmarks.benchmark_report(request.user, unit, period, only))


class MarketStandardFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="note", lookup_expr="icontains", label=_("Search"))
    kpi = django_filters.ChoiceFilter(choices=KPI_CHOICES, label=_("KPI"))
    owner_unit = IdFilter(field_name="owner_unit_id", label=_("Owner unit"))
    target_unit = IdFilter(field_name="target_unit_id", label=_("Target unit"))
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Valid on"))

    class Meta:
        model = MarketStandard
        fields: list[str] = []

    def filter_valid_on(self, queryset, name, value):
        return queryset.valid_on(value)


class MarketStandardSerializer(ValidatedModelSerializer):
    """A standard; without ``owner_unit``, the unit you act for sets it."""

    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    target_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="view", required=False, allow_null=True
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    target_unit_code = serializers.CharField(
        source="target_unit.code", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = MarketStandard
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "target_unit",
            "target_unit_code",
            "kpi",
            "value",
            "valid_from",
            "valid_to",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            default_unit(self, attrs)
        return super().validate(attrs)


class MarketStandardViewSet(TenantViewSet):
    """Market standards of KPIs: set by the managers of a region (or the global unit)
    for one of its local units or all of them; a local team reads those that apply to
    it, never one set for a sibling."""

    queryset = MarketStandard.objects.select_related("owner_unit", "target_unit")
    serializer_class = MarketStandardSerializer
    filterset_class = MarketStandardFilterSet
    ordering_fields = ["kpi", "valid_from", "value"]
