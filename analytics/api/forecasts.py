"""``/api/v1/forecasts/``: next-quarter pipeline of a unit and its children, each with
its back-test error. The view parses and renders; ``analytics.forecasts`` computes and
``reports.access_unit`` authorises the unit as for ``/api/v1/kpis/``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import forecasts, reports
from analytics.api.kpis import KpiUnitSerializer
from campaigns.api.filters import MAX_ID
from glocal.api.base import CurrentUnitMixin, as_drf_validation_error
from glocal.models import OrgUnit


class UnitQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Unit id (default: yours)"
    )


def check_unit_query(request) -> OrgUnit:
    """The unit named by ``unit`` (default: the caller's), authorised for reports."""
    query = UnitQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    try:
        unit_id = query.validated_data.get("unit") or getattr(request.unit, "pk", None)
        return reports.access_unit(request.user, unit_id)
    except DjangoValidationError as exc:
        raise as_drf_validation_error(exc) from None


MONEY = {"max_digits": 30, "decimal_places": 2}


class BacktestQuarterSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    forecast = serializers.DecimalField(**MONEY)
    actual = serializers.DecimalField(**MONEY)


class BacktestSerializer(serializers.Serializer):
    quarters = BacktestQuarterSerializer(many=True)
    mae = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="Mean absolute error (reporting currency)"
    )
    mape = serializers.DecimalField(
        max_digits=30,
        decimal_places=4,
        allow_null=True,
        help_text="Mean absolute percentage error (0.1 = 10%), over non-zero quarters",
    )


class UnitForecastSerializer(serializers.Serializer):
    unit = KpiUnitSerializer()
    quarter = serializers.CharField(help_text="The quarter forecast (YYYY-Qn)")
    forecast = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="Pipeline generated; null: not enough history"
    )
    same_quarter_last_year = serializers.DecimalField(**MONEY, allow_null=True)
    trend = serializers.DecimalField(
        max_digits=30, decimal_places=4, allow_null=True, help_text="Null: under two years"
    )
    message = serializers.CharField(allow_blank=True)
    backtest = BacktestSerializer()


class ForecastReportSerializer(UnitForecastSerializer):
    currency = serializers.CharField()
    kpi = serializers.CharField()
    children = UnitForecastSerializer(many=True)


class ForecastView(CurrentUnitMixin, APIView):
    """Next-quarter pipeline of a unit (its subtree) and of each child unit: a seasonal
    baseline (same quarter last year x the year-on-year trend), shown with the error it
    made on the last quarters (back-test). A unit outside your view answers 404, an
    ancestor 403."""

    @extend_schema(parameters=[UnitQuerySerializer], responses=ForecastReportSerializer)
    def get(self, request):
        unit = check_unit_query(request)
        return Response(forecasts.forecast_report(request.user, unit))
