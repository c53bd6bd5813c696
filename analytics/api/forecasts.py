"""``/api/v1/forecasts/``: next-quarter pipeline of a unit and its children, each with
its back-test error; ``/api/v1/forecasts/allocation/``: the budget reallocation
suggestion for a budget's markets, and ``.../apply/`` to ask for it through the
governed budget allocation. The views parse and render; ``analytics.forecasts`` and
``analytics.allocation`` compute and authorise."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import allocation, forecasts, reports
from analytics.api.kpis import KpiUnitSerializer
from campaigns.api.filters import MAX_ID
from glocal.api.base import CurrentUnitMixin, as_drf_validation_error
from glocal.models import OrgUnit
from governance.api.approvals import explicit_unit, run
from governance.models import ApprovalRequest


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


class BudgetQuerySerializer(serializers.Serializer):
    budget = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Budget id")


class ApplySerializer(BudgetQuerySerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class MarketSerializer(serializers.Serializer):
    unit = KpiUnitSerializer()
    budget = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    allocated = serializers.DecimalField(**MONEY)
    spent = serializers.DecimalField(**MONEY)
    spend = serializers.DecimalField(**MONEY, help_text="Spend over the quarters read")
    won = serializers.DecimalField(**MONEY, help_text="Won revenue over the quarters read")
    marginal_return = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    basis = serializers.ChoiceField(choices=["slope", "average"], allow_null=True)


class MoveSerializer(MarketSerializer):
    amount_after = serializers.DecimalField(**MONEY)


# "from" is a Python keyword: the class is built from a mapping of its fields.
SuggestionSerializer = type(
    "SuggestionSerializer",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "__doc__": "The move: how much, from which market, to which.",
        "amount": serializers.DecimalField(**MONEY),
        "from": MoveSerializer(),
        "to": MoveSerializer(),
    },
)


class AllocationBudgetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = KpiUnitSerializer()
    amount = serializers.DecimalField(**MONEY)


class AllocationReportSerializer(serializers.Serializer):
    budget = AllocationBudgetSerializer()
    currency = serializers.CharField()
    quarters = serializers.ListField(child=serializers.CharField())
    max_share = serializers.DecimalField(max_digits=5, decimal_places=4)
    markets = MarketSerializer(many=True)
    suggestion = SuggestionSerializer(allow_null=True)
    message = serializers.CharField(allow_blank=True)


class AppliedSerializer(serializers.Serializer):
    budget = serializers.IntegerField()
    approval_request = serializers.IntegerField(allow_null=True)
    pending = serializers.BooleanField(help_text="Waiting for the accountable unit")


class AllocationView(CurrentUnitMixin, APIView):
    """Marginal return of each market under a budget (won revenue per extra unit of
    spend over the last quarters) and the suggested move from the lowest to the
    highest, within the budget rules. A suggestion only: ``apply/`` asks for it."""

    @extend_schema(parameters=[BudgetQuerySerializer], responses=AllocationReportSerializer)
    def get(self, request):
        query = BudgetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        budget = run(allocation.access_budget, request.user, query.validated_data["budget"])
        return Response(allocation.allocation_report(budget))


class AllocationApplyView(CurrentUnitMixin, APIView):
    """Ask for the current suggestion: the donor's amount lowered and the recipient's
    raised through the governed budget allocation (applied at once for the accountable
    managers, else pending approval). Both or neither; 400 when there is nothing to
    move."""

    @extend_schema(request=ApplySerializer, responses={200: AppliedSerializer(many=True)})
    def post(self, request):
        payload = ApplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        budget = run(allocation.access_budget, request.user, data["budget"])
        results = run(
            allocation.do_apply_suggestion,
            request.user,
            budget,
            comment=data["comment"],
            acting_unit=explicit_unit(request),
        )
        body = [
            {
                "budget": int(r.target_id) if isinstance(r, ApprovalRequest) else r.pk,
                "approval_request": r.pk if isinstance(r, ApprovalRequest) else None,
                "pending": isinstance(r, ApprovalRequest) and r.is_pending,
            }
            for r in results
        ]
        return Response(body, status=status.HTTP_200_OK)
