"""``GET /api/v1/kpis/``: a unit's KPIs over a period, with its child units.

The view parses the query and renders; ``analytics.reports`` authorises the unit and
reads the rollups. Bad parameters answer 400 naming the parameter.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import kpis, reports
from campaigns.api.filters import MAX_ID
from glocal.api.base import CurrentUnitMixin, as_drf_validation_error


class KpiQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Unit id (default: yours)"
    )
    start = serializers.DateField(required=False, help_text="First day (with end)")
    end = serializers.DateField(required=False, help_text="Last day (with start)")
    month = serializers.CharField(required=False, help_text="YYYY-MM")
    quarter = serializers.CharField(required=False, help_text="YYYY-Qn")
    kpi = serializers.CharField(
        required=False, help_text=f"Comma-separated, among: {', '.join(kpis.KPIS)}"
    )


class KpiValuesSerializer(serializers.Serializer):
    """Decimals as strings; null when a ratio is not defined (a zero denominator)."""

    pipeline_generated = serializers.DecimalField(
        max_digits=30, decimal_places=2, required=False, help_text="Reporting currency"
    )
    conversion_rate = serializers.DecimalField(
        max_digits=30, decimal_places=4, allow_null=True, required=False
    )
    sales_velocity = serializers.DecimalField(
        max_digits=30,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text="Reporting currency per day",
    )
    roi = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True, required=False)
    engaged_accounts = serializers.IntegerField(required=False)


class KpiUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    tier = serializers.CharField()


class KpiPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class KpiChildSerializer(serializers.Serializer):
    unit = KpiUnitSerializer()
    kpis = KpiValuesSerializer()


class KpiReportSerializer(serializers.Serializer):
    unit = KpiUnitSerializer()
    period = KpiPeriodSerializer()
    currency = serializers.CharField(help_text="The organisation's reporting currency")
    kpis = KpiValuesSerializer()
    children = KpiChildSerializer(many=True)


class KpiView(CurrentUnitMixin, APIView):
    """KPIs of a unit (its whole subtree) over a period, and of each child unit.

    Computed from the daily rollups with the global definitions (see the docs). A unit
    outside your view answers 404; an ancestor's consolidated KPIs answer 403.
    """

    @extend_schema(parameters=[KpiQuerySerializer], responses=KpiReportSerializer)
    def get(self, request):
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
        return Response(reports.kpi_report(request.user, unit, period, only))
