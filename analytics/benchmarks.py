"""Contextual benchmarks and the performance index (DESIGN section 7).

Teams are ranked by how they do against their own context, not by absolute figures:
20% conversion is superb in a mature market and poor in a fast-growing one. For a unit,
a KPI and a period:

* **history** — the mean of the same KPI over the unit's previous
  ``ANALYTICS_BENCHMARK_TRAILING_PERIODS`` periods of the same kind (months before a
  month, quarters before a quarter, windows of the same length otherwise), counting only
  periods where the KPI is defined and the unit already had rollups;
* **standard** — the market standard its region (or the global unit) set for it
  (:class:`analytics.models.MarketStandard`, valid on the period's last day); regions
  and the global unit have none, a standard describes one market;
* **benchmark** = w x history + (1 - w) x standard, with w =
  ``ANALYTICS_BENCHMARK_HISTORY_WEIGHT`` / 100; with only one of them, that one alone
  (``source`` says which); with neither, none;
* **performance index** = KPI ÷ benchmark; none when either is missing or the
  benchmark is 0 or negative (an index against such a yardstick says nothing).

KPIs come from the rollups through ``analytics.kpis`` (the one implementation); pandas
holds the per-period table. The global median of a KPI is taken over every active local
unit of the organisation: an aggregate a local team may see, shown only over at least
``ANALYTICS_MEDIAN_MIN_UNITS`` units.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from analytics import kpis, rollups
from analytics.models import DailyFact, MarketStandard
from analytics.models.benchmarks import choose_standard
from analytics.reports import Period, kpi_values, subtrees, unit_summary
from glocal.models import OrgUnit, Tier
from glocal.tenancy import Role, scope_for

INDEX_STEP = Decimal("0.0001")
#: rounding of a benchmark, per KPI unit (a count's benchmark is a mean: keep decimals)
STEPS = {"money": kpis.CENT, "money_per_day": kpis.CENT, "ratio": kpis.RATIO_STEP}
DEFAULT_STEP = kpis.CENT


class Source:
    BLEND = "history+standard"
    HISTORY = "history"
    STANDARD = "standard"
    NONE = "none"


@dataclass(frozen=True)
class Benchmark:
    kpi: str
    value: kpis.Value
    history: Decimal | None
    history_periods: int
    standard: Decimal | None
    benchmark: Decimal | None
    source: str
    index: Decimal | None


def history_weight() -> Decimal:
    return Decimal(settings.ANALYTICS_BENCHMARK_HISTORY_WEIGHT) / 100


def _step(kpi: str) -> Decimal:
    return STEPS.get(kpis.KPIS[kpi].unit, DEFAULT_STEP)


def _round(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def blend(
    history: Decimal | None, standard: Decimal | None, weight: Decimal
) -> tuple[Decimal | None, str]:
    """The benchmark and where it comes from; falls back to whichever part exists."""
    if history is not None and standard is not None:
        return weight * history + (1 - weight) * standard, Source.BLEND
    if history is not None:
        return history, Source.HISTORY
    if standard is not None:
        return standard, Source.STANDARD
    return None, Source.NONE


def performance_index(value: kpis.Value, benchmark: Decimal | None) -> Decimal | None:
    """KPI ÷ benchmark, or None when undefined (no value, no or non-positive benchmark)."""
    if value is None or benchmark is None or benchmark <= 0:
        return None
    return _round(Decimal(value) / benchmark, INDEX_STEP)


MONTH_END = relativedelta(day=31)  # added to a date: the last day of its month


def trailing_periods(period: Period, count: int) -> list[Period]:
    """The ``count`` periods of the same kind just before ``period``, oldest first."""
    start, end = period.start, period.end
    months = None
    if start.day == 1 and end == start + MONTH_END:
        months = 1
    elif start.day == 1 and start.month % 3 == 1 and end == start + relativedelta(months=2, day=31):
        months = 3
    result = []
    for k in range(count, 0, -1):
        if months:
            first = start - relativedelta(months=k * months)
            result.append(Period(first, first + relativedelta(months=months - 1, day=31)))
        else:
            length = dt.timedelta(days=(end - start).days + 1)
            result.append(Period(start - k * length, start - (k - 1) * length - dt.timedelta(1)))
    return result


def _tree(organization_id: int) -> dict[int, tuple[int | None, str]]:
    return {
        pk: (parent_id, tier)
        for pk, parent_id, tier in OrgUnit.objects.filter(
            organization_id=organization_id
        ).values_list("pk", "parent_id", "tier")
    }


def _ancestors(tree: dict[int, tuple[int | None, str]], unit_id: int) -> list[int]:
    found, parent = [], tree[unit_id][0]
    while parent is not None:
        found.append(parent)
        parent = tree[parent][0]
    return found


def _decimal(number: float) -> Decimal:
    return Decimal(repr(number))


def benchmarks(
    facts,
    units: list[OrgUnit],
    period: Period,
    only: list[str] | None = None,
    today: dt.date | None = None,
) -> dict[int, dict[str, Benchmark]]:
    """Each unit's KPIs with their benchmark and index (``facts`` is the caller's
    ``DailyFact`` queryset: restricted for a user, whose units' subtrees it must cover).

    Reads the rollups once per period (the current one and the trailing ones) whatever
    the number of units.
    """
    if not units:
        return {}
    today = today or timezone.localdate()
    names = list(kpis.compute(kpis.Inputs(), only))
    organization_id = units[0].organization_id
    groups = subtrees(units[0], units)
    periods = [*trailing_periods(period, settings.ANALYTICS_BENCHMARK_TRAILING_PERIODS), period]
    # A period counts in the history once the unit (its subtree) had any rollup.
    # order_by(): the default ordering would split the GROUP BY into one row per day.
    first_fact = dict(
        facts.filter(owner_unit_id__in=set().union(*groups.values()))
        .order_by()
        .values("owner_unit_id")
        .annotate(first=Min("day"))
        .values_list("owner_unit_id", "first")
    )
    started = {
        unit_id: min((first_fact[u] for u in ids if u in first_fact), default=None)
        for unit_id, ids in groups.items()
    }
    rows = []
    for number, each in enumerate(periods, start=1 - len(periods)):
        inputs = rollups.read_inputs(facts, groups, each.start, each.end, today=today)
        for unit_id, unit_inputs in inputs.items():
            reporting = started[unit_id] is not None and each.end >= started[unit_id]
            for name, value in kpis.compute(unit_inputs, names).items():
                rows.append((unit_id, number, reporting, name, value))
    frame = pd.DataFrame(rows, columns=["unit", "period", "reporting", "kpi", "value"])
    past = frame[(frame["period"] < 0) & frame["reporting"] & frame["value"].notna()].copy()
    past["number"] = past["value"].astype(float)
    history = past.groupby(["unit", "kpi"])["number"].agg(["mean", "count"])

    tree = _tree(organization_id)
    candidates = list(
        MarketStandard.objects.unrestricted()
        .filter(owner_unit__organization_id=organization_id, kpi__in=names)
        .valid_on(period.end)
    )
    weight = history_weight()
    current = frame[frame["period"] == 0]
    result: dict[int, dict[str, Benchmark]] = {u.pk: {} for u in units}
    for unit_id, kpi, value in current[["unit", "kpi", "value"]].itertuples(index=False):
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        past_mean, count = None, 0
        if (unit_id, kpi) in history.index:
            mean, count = history.loc[(unit_id, kpi)]
            past_mean, count = _round(_decimal(mean), _step(kpi)), int(count)
        standard = None
        if tree[unit_id][1] == Tier.LOCAL:
            chosen = choose_standard(
                [s for s in candidates if s.kpi == kpi], unit_id, _ancestors(tree, unit_id)
            )
            standard = chosen.value if chosen else None
        benchmark, source = blend(past_mean, standard, weight)
        if benchmark is not None:
            benchmark = _round(benchmark, _step(kpi))
        result[unit_id][kpi] = Benchmark(
            kpi=kpi,
            value=value,
            history=past_mean,
            history_periods=count,
            standard=standard,
            benchmark=benchmark,
            source=source,
            index=performance_index(value, benchmark),
        )
    return result


def rank(indexes: dict[int, Decimal | None]) -> dict[int, int | None]:
    """1 for the highest index; ties share a rank (1, 2, 2, 4); no index, no rank."""
    series = pd.Series({k: float(v) for k, v in indexes.items() if v is not None}, dtype=float)
    ranks = series.rank(method="min", ascending=False)
    return {k: (int(ranks[k]) if k in ranks.index else None) for k in indexes}


@dataclass(frozen=True)
class Median:
    value: Decimal | None
    units: int


def global_medians(
    organization_id: int,
    period: Period,
    only: list[str] | None = None,
    today: dt.date | None = None,
) -> dict[str, Median]:
    """Each KPI's median over the organisation's active local units (where defined).

    An aggregate across teams the caller may not see one by one: read unrestricted,
    only the median leaves this function, and none over fewer than
    ``ANALYTICS_MEDIAN_MIN_UNITS`` units.
    """
    locals_ = list(
        OrgUnit.objects.filter(organization_id=organization_id, tier=Tier.LOCAL, is_active=True)
    )
    names = list(kpis.compute(kpis.Inputs(), only))
    groups = {u.pk: {u.pk} for u in locals_}
    inputs = rollups.read_inputs(
        DailyFact.objects.unrestricted(),
        groups,
        period.start,
        period.end,
        today=today or timezone.localdate(),
    )
    frame = pd.DataFrame(
        [
            {name: (None if v is None else float(v)) for name, v in kpis.compute(i, names).items()}
            for i in inputs.values()
        ],
        columns=names,
        dtype=float,
    )
    result = {}
    for name in names:
        column = frame[name].dropna()
        value = None
        if len(column) and len(column) >= settings.ANALYTICS_MEDIAN_MIN_UNITS:
            value = _round(_decimal(float(column.median())), _step(name))
        result[name] = Median(value, len(column))
    return result


def position(value: kpis.Value, median: Decimal | None) -> str | None:
    """Where a value stands against the median: "above", "below" or "at"."""
    if value is None or median is None:
        return None
    if value > median:
        return "above"
    return "below" if value < median else "at"


def _entry(b: Benchmark) -> dict[str, Any]:
    return {
        "value": kpi_values({"v": b.value})["v"],
        "benchmark": None if b.benchmark is None else str(b.benchmark),
        "source": b.source,
        "history": None if b.history is None else str(b.history),
        "history_periods": b.history_periods,
        "standard": None if b.standard is None else str(b.standard),
        "index": None if b.index is None else str(b.index),
    }


def benchmark_report(
    user: Any, unit: OrgUnit, period: Period, only: list[str] | None = None
) -> dict[str, Any]:
    """A unit's KPIs against their benchmarks, its children ranked by index, its own
    rank among its siblings when the caller sees all of them (a local team does not),
    and every KPI against the global median.

    ``unit`` was authorised by ``reports.access_unit`` (the caller sees its subtree).
    """
    visible_units = OrgUnit.objects.restrict(user, "view").filter(is_active=True)
    children = list(visible_units.filter(parent=unit).order_by("code"))
    sees_siblings = unit.parent_id is not None and (
        user.is_superuser or unit.parent_id in scope_for(user, Role.VIEWER).down
    )
    siblings = (
        list(visible_units.filter(parent_id=unit.parent_id).order_by("code"))
        if sees_siblings
        else [unit]
    )
    everyone = {u.pk: u for u in [unit, *children, *siblings]}
    today = timezone.localdate()
    table = benchmarks(
        DailyFact.objects.restrict(user, "view"), list(everyone.values()), period, only, today
    )
    medians = global_medians(unit.organization_id, period, only, today)
    names = list(kpis.compute(kpis.Inputs(), only))

    def ranks(members: list[OrgUnit]) -> dict[str, dict[int, int | None]]:
        return {n: rank({m.pk: table[m.pk][n].index for m in members}) for n in names}

    sibling_ranks = ranks(siblings) if sees_siblings else {}
    child_ranks = ranks(children)
    own = {}
    for name in names:
        entry = _entry(table[unit.pk][name])
        median = medians[name]
        entry["rank"] = sibling_ranks[name][unit.pk] if sees_siblings else None
        entry["ranked_among"] = len(siblings) if sees_siblings else None
        entry["global_median"] = None if median.value is None else str(median.value)
        entry["median_units"] = median.units
        entry["vs_median"] = position(table[unit.pk][name].value, median.value)
        own[name] = entry
    return {
        "unit": unit_summary(unit),
        "period": {"start": period.start, "end": period.end},
        "currency": unit.organization.reporting_currency,
        "history_weight": str(history_weight()),
        "trailing_periods": settings.ANALYTICS_BENCHMARK_TRAILING_PERIODS,
        "kpis": own,
        "children": [
            {
                "unit": unit_summary(child),
                "kpis": {
                    name: {
                        **_entry(table[child.pk][name]),
                        "rank": child_ranks[name][child.pk],
                        "ranked_among": len(children),
                    }
                    for name in names
                },
            }
            for child in children
        ],
    }
