"""Next-quarter pipeline forecasts, with their back-test error.

The model is a seasonal baseline on the quarterly series of ``pipeline_created`` (the
rollups of a unit's subtree, in the reporting currency), chosen because B2B pipeline
is strongly seasonal (budgets, fiscal year ends, summer) and the history per market is
short — a few years at most — which rules out anything with many parameters:

    forecast(T) = pipeline(T - 4 quarters) x trend
    trend = pipeline of the 4 quarters known last ÷ pipeline of the 4 quarters before

"Known" means complete: while the current quarter runs, the forecast is for the next
one (T), from the quarters up to the one before the current (T - 2). Without two full
years the trend is left at 1 (a plain seasonal naive forecast, ``trend`` null); without
the same quarter last year there is no forecast, only a "not enough history" answer.
History starts at the quarter of the subtree's first rollup.

The back-test replays the same rule on each of the last
``ANALYTICS_FORECAST_BACKTEST_QUARTERS`` complete quarters, from the data that would
have been known then, and reports the mean absolute error (MAE, money) and the mean
absolute percentage error (MAPE, over quarters whose actual is not 0) next to the
forecast, so a reader knows how far to trust it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.kpis import CENT
from analytics.models import DailyFact, Input
from analytics.reports import subtrees, unit_summary
from glocal.models import OrgUnit

RATIO_STEP = Decimal("0.0001")
SEASON = 4  # quarters in a year
#: the horizon: the quarter after the running one, from complete quarters only
LEAD = 2


@dataclass(frozen=True)
class Forecast:
    quarter: str
    value: Decimal | None
    same_quarter_last_year: Decimal | None = None
    trend: Decimal | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Backtest:
    quarters: list[dict[str, Any]] = field(default_factory=list)
    mae: Decimal | None = None
    mape: Decimal | None = None


def _money(number: float) -> Decimal:
    return Decimal(repr(float(number))).quantize(CENT, rounding=ROUND_HALF_UP)


def _label(period: pd.Period) -> str:
    return f"{period.year}-Q{period.quarter}"


def quarterly_series(facts, groups: dict[int, set[int]], last: pd.Period) -> dict[int, pd.Series]:
    """Pipeline created per quarter for each group, from its first rollup's quarter to
    ``last`` (quarters without pipeline are 0). One query whatever the groups."""
    ids = set().union(*groups.values()) if groups else set()
    last_day = last.end_time.date()
    rows = list(
        facts.filter(owner_unit_id__in=ids, day__lte=last_day)
        .order_by()
        .values("owner_unit_id", "day", "name")
        .annotate(total=Sum("value"))
        .values_list("owner_unit_id", "day", "name", "total")
    )
    frame = pd.DataFrame(rows, columns=["unit", "day", "name", "total"])
    result = {}
    for key, members in groups.items():
        mine = frame[frame["unit"].isin(members)]
        if mine.empty:
            result[key] = pd.Series(dtype=float)
            continue
        quarters = pd.to_datetime(mine["day"]).dt.to_period("Q")
        first = quarters.min()
        pipeline = mine.assign(quarter=quarters)
        pipeline = pipeline[pipeline["name"] == Input.PIPELINE_CREATED]
        sums = pipeline.groupby("quarter")["total"].sum().astype(float)
        index = pd.period_range(first, last, freq="Q") if first <= last else []
        result[key] = sums.reindex(index, fill_value=0.0)
    return result


def seasonal_forecast(series: pd.Series, target: pd.Period) -> Forecast:
    """The rule of the module docstring for quarter ``target``, from ``series`` up to
    ``target - LEAD`` only."""
    known = series[series.index <= target - LEAD] if len(series) else series
    same = target - SEASON
    if not len(known) or same not in known.index:
        return Forecast(
            _label(target),
            None,
            message=_("Not enough history: the same quarter last year is needed."),
        )
    base = known[same]
    trend = None
    recent = [target - LEAD - k for k in range(SEASON)]
    before = [q - SEASON for q in recent]
    if all(q in known.index for q in before):
        previous = float(known.loc[before].sum())
        if previous > 0:
            trend = float(known.loc[recent].sum()) / previous
    value = base * (trend if trend is not None else 1.0)
    return Forecast(
        _label(target),
        _money(value),
        same_quarter_last_year=_money(base),
        trend=None if trend is None else Decimal(repr(trend)).quantize(RATIO_STEP),
    )


def backtest(series: pd.Series, last_complete: pd.Period, quarters: int) -> Backtest:
    """Forecast each of the last ``quarters`` complete quarters from what was known
    then; MAE and MAPE over those that could be forecast."""
    rows, errors, percentages = [], [], []
    for k in range(quarters - 1, -1, -1):
        target = last_complete - k
        if target not in series.index:
            continue
        predicted = seasonal_forecast(series, target)
        if not predicted.ok:
            continue
        actual = float(series[target])
        error = abs(float(predicted.value) - actual)
        errors.append(error)
        if actual:
            percentages.append(error / actual)
        rows.append(
            {"quarter": _label(target), "forecast": predicted.value, "actual": _money(actual)}
        )
    mae = _money(sum(errors) / len(errors)) if errors else None
    mape = (
        Decimal(repr(sum(percentages) / len(percentages))).quantize(
            RATIO_STEP, rounding=ROUND_HALF_UP
        )
        if percentages
        else None
    )
    return Backtest(rows, mae, mape)


def forecast_units(
    facts, units: list[OrgUnit], today: dt.date | None = None
) -> dict[int, tuple[Forecast, Backtest]]:
    """Each unit's (subtree's) next-quarter pipeline forecast and its back-test."""
    if not units:
        return {}
    today = today or timezone.localdate()
    current = pd.Period(today, freq="Q")
    last_complete = current - 1
    series = quarterly_series(facts, subtrees(units[0], units), last_complete)
    depth = settings.ANALYTICS_FORECAST_BACKTEST_QUARTERS
    return {
        unit.pk: (
            seasonal_forecast(series[unit.pk], current + 1),
            backtest(series[unit.pk], last_complete, depth),
        )
        for unit in units
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def forecast_report(user: Any, unit: OrgUnit, today: dt.date | None = None) -> dict[str, Any]:
    """The unit's forecast and each visible child's, each with its back-test
    (``unit`` was authorised by ``reports.access_unit``)."""
    children = list(
        OrgUnit.objects.restrict(user, "view").filter(parent=unit, is_active=True).order_by("code")
    )
    today = today or timezone.localdate()
    results = forecast_units(DailyFact.objects.restrict(user, "view"), [unit, *children], today)

    def entry(member: OrgUnit) -> dict[str, Any]:
        predicted, tested = results[member.pk]
        return {
            "unit": unit_summary(member),
            "quarter": predicted.quarter,
            "forecast": _text(predicted.value),
            "same_quarter_last_year": _text(predicted.same_quarter_last_year),
            "trend": _text(predicted.trend),
            "message": predicted.message,
            "backtest": {
                "quarters": [
                    {
                        "quarter": row["quarter"],
                        "forecast": str(row["forecast"]),
                        "actual": str(row["actual"]),
                    }
                    for row in tested.quarters
                ],
                "mae": _text(tested.mae),
                "mape": _text(tested.mape),
            },
        }

    return {
        "currency": unit.organization.reporting_currency,
        "kpi": "pipeline_generated",
        **entry(unit),
        "children": [entry(child) for child in children],
    }
