"""The analytics dashboard's figures: a unit's KPIs with drill-down, monthly series for
the charts, the heatmap of its child units and the export table.

Everything goes through ``analytics.reports`` (period parsing, the tree rule, the KPI
report) and ``analytics.kpis`` (the one KPI implementation); this module only arranges
what they return for pages and files. The views stay thin: they parse the query with
:func:`check_query`, authorise with ``reports.access_unit`` and render.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import benchmarks, kpis, reports, rollups
from analytics.models import DailyFact
from campaigns.budgets.money import money
from glocal.models import OrgUnit
from glocal.tenancy import Role, scope_for

#: months drawn by the trend charts (ending with the period's last month)
TREND_MONTHS = 12
PERIOD_KINDS = ("quarter", "month", "custom")
#: the KPIs charted month by month
CHARTED = ("pipeline_generated", "conversion_rate", "sales_velocity", "roi")


# --- the query: unit and period -------------------------------------------------------


def current_quarter(today: dt.date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Query:
    """A dashboard query: the period, how it was named (to refill the form) and the
    heatmap metric."""

    period: reports.Period
    kind: str
    values: dict[str, str]
    metric: str

    def params(self, **extra: Any) -> dict[str, str]:
        """The query string that names the same period and metric (for links)."""
        names = {"quarter": ("quarter",), "month": ("month",), "custom": ("start", "end")}
        params = {"period": self.kind, **{k: self.values[k] for k in names[self.kind]}}
        if self.metric != DEFAULT_METRIC:
            params["metric"] = self.metric
        params.update({k: str(v) for k, v in extra.items()})
        return params


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: _("A day is written YYYY-MM-DD.")}) from None


def check_query(params: Mapping[str, str], today: dt.date | None = None) -> Query:
    """The period and heatmap metric of a dashboard or export query.

    ``period`` chooses how the period is named (quarter, month or custom start and end);
    without it, the named fields decide, as in the API (``?month=2031-03``). With
    nothing, the current quarter. Raises ``ValidationError`` naming the bad field.
    """
    today = today or timezone.localdate()
    values = {k: (params.get(k) or "").strip() for k in ("quarter", "month", "start", "end")}
    kind = (params.get("period") or "").strip()
    if kind and kind not in PERIOD_KINDS:
        raise ValidationError({"period": _("Choose a quarter, a month or start and end days.")})
    if not kind:
        # Named as in the API: one of month, quarter or start and end (several refused).
        named = [k for k in ("quarter", "month") if values[k]]
        if values["start"] or values["end"]:
            named.append("custom")
        if len(named) > 1:
            reports.check_period(
                month=values["month"],
                quarter=values["quarter"],
                start=_date(values["start"], "start"),
                end=_date(values["end"], "end"),
            )
        kind = named[0] if named else "quarter"
    if kind == "quarter":
        values["quarter"] = values["quarter"] or current_quarter(today)
        period = reports.check_period(quarter=values["quarter"])
    elif kind == "month":
        values["month"] = values["month"] or today.strftime("%Y-%m")
        period = reports.check_period(month=values["month"])
    else:
        start, end = _date(values["start"], "start"), _date(values["end"], "end")
        if start is None and end is None:
            raise ValidationError({"start": _("Give both start and end.")})
        period = reports.check_period(start=start, end=end)
    metric = (params.get("metric") or DEFAULT_METRIC).strip()
    if metric not in HEATMAP_METRICS:
        raise ValidationError(
            {
                "metric": _("Unknown heatmap metric: %(metric)s (known: %(known)s).")
                % {"metric": metric, "known": ", ".join(HEATMAP_METRICS)}
            }
        )
    return Query(period=period, kind=kind, values=values, metric=metric)


def check_unit_id(value: str | None) -> int | None:
    """A unit id from the query string (None when absent); a non-number is refused."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**31:
        raise ValidationError({"unit": _("A unit is named by its id, a positive number.")})
    return int(text)


# --- formatting -----------------------------------------------------------------------


def kpi_text(name: str, value: kpis.Value, currency: str) -> str:
    """A KPI value for a page: money with its currency, ratios as percentages, "—" when
    the KPI is not defined (a zero denominator)."""
    if value is None:
        return "—"
    unit = kpis.KPIS[name].unit
    if unit == "money":
        return money(Decimal(value), currency)
    if unit == "money_per_day":
        return _("%(amount)s / day") % {"amount": money(Decimal(value), currency)}
    if unit == "ratio":
        percent = (Decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{formats.number_format(percent, decimal_pos=1, force_grouping=True)} %"
    return formats.number_format(value, force_grouping=True)


def _number(value: Any) -> Decimal | int | None:
    """A KPI value from a report (decimals come as text) back to a number."""
    if value is None or isinstance(value, int):
        return value
    return Decimal(value)


def kpi_cells(values: Mapping[str, Any], currency: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "label": kpi.label,
            "value": _number(values.get(name)),
            "text": kpi_text(name, _number(values.get(name)), currency),
        }
        for name, kpi in kpis.KPIS.items()
    ]


# --- the tree around the unit ---------------------------------------------------------


def may_report(user: Any, unit: OrgUnit) -> bool:
    """Whether the user may see the unit's consolidated figures (its whole subtree)."""
    return user.is_superuser or unit.pk in scope_for(user, Role.VIEWER).down


def breadcrumb(user: Any, unit: OrgUnit) -> list[dict[str, Any]]:
    """The unit's visible ancestors, root first, each with whether it can be opened (an
    ancestor whose figures include other teams is named but not linked)."""
    chain, parent_id = [], unit.parent_id
    parents = {
        u.pk: u
        for u in OrgUnit.objects.restrict(user, "view").filter(organization_id=unit.organization_id)
    }
    while parent_id is not None and parent_id in parents:
        chain.append(parents[parent_id])
        parent_id = parents[parent_id].parent_id
    return [{"unit": u, "link": may_report(user, u)} for u in reversed(chain)]


# --- monthly series for the charts ----------------------------------------------------


def _months(end: dt.date, count: int) -> list[reports.Period]:
    year, month = end.year, end.month
    months = []
    for _i in range(count):
        if year < 1:  # the calendar's first months: a shorter series
            break
        last = calendar.monthrange(year, month)[1]
        months.append(reports.Period(dt.date(year, month, 1), dt.date(year, month, last)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def monthly(user: Any, unit: OrgUnit, end: dt.date, count: int = TREND_MONTHS):
    """The unit's KPIs for each of the ``count`` months up to ``end``'s month, read from
    the rollups with the same inputs and formulas as the report (four queries a month)."""
    facts = DailyFact.objects.restrict(user, "view")
    subtree = reports.subtrees(unit, [unit])
    today = timezone.localdate()
    series = []
    for month in _months(end, count):
        inputs = rollups.read_inputs(facts, subtree, month.start, month.end, today=today)
        series.append((month, kpis.compute(inputs[unit.pk], CHARTED)))
    return series


#: SVG drawing area of a chart (viewBox units)
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 160, 4


def _svg(number: float) -> str:
    """A coordinate for an SVG attribute: never localised."""
    return f"{number:.2f}"


def chart(name: str, series, currency: str) -> dict[str, Any]:
    """One KPI month by month as bars: coordinates for an inline SVG (a zero line when
    values go below 0) and the same figures as text for the table under it."""
    values = [values.get(name) for _month, values in series]
    numbers = [float(v) for v in values if v is not None]
    top, bottom = max([0.0, *numbers]), min([0.0, *numbers])
    span = (top - bottom) or 1.0
    usable = CHART_HEIGHT - 2 * CHART_PAD
    zero = CHART_PAD + usable * top / span
    slot = CHART_WIDTH / max(len(series), 1)
    bars = []
    for index, ((month, _values), value) in enumerate(zip(series, values, strict=True)):
        label = formats.date_format(month.start, "YEAR_MONTH_FORMAT")
        bar = {
            "label": label,
            "short": formats.date_format(month.start, "M"),
            "text": kpi_text(name, value, currency),
            "x": _svg(index * slot + slot * 0.15),
            "width": _svg(slot * 0.7),
            "label_x": _svg(index * slot + slot / 2),
            "defined": value is not None,
        }
        if value is not None:
            height = usable * abs(float(value)) / span
            bar["y"] = _svg(zero - height if value >= 0 else zero)
            bar["height"] = _svg(max(height, 0.5))
            bar["negative"] = value < 0
        bars.append(bar)
    return {
        "name": name,
        "label": kpis.KPIS[name].label,
        "bars": bars,
        "zero": _svg(zero),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "empty": not numbers,
    }


# --- the heatmap of child units ---------------------------------------------------------


@dataclass(frozen=True)
class HeatmapInput:
    user: Any
    unit: OrgUnit
    period: reports.Period
    report: dict[str, Any]


@dataclass(frozen=True)
class HeatmapMetric:
    """What the heatmap colours: for each child unit id, a value per KPI name.

    ``"kpi"`` (the KPI values themselves) is built in; the performance index plugs in
    here through :func:`register_heatmap_metric` with a function of the same shape.
    """

    name: str
    label: Any
    values: Callable[[HeatmapInput], dict[int, dict[str, Any]]]
    #: how a value is shown: "kpi" (as the KPI itself) or "index" (a plain number)
    display: str = "kpi"


def _kpi_values(source: HeatmapInput) -> dict[int, dict[str, Any]]:
    return {
        child["unit"]["id"]: {k: _number(v) for k, v in child["kpis"].items()}
        for child in source.report["children"]
    }


def _index_values(source: HeatmapInput) -> dict[int, dict[str, Any]]:
    """Each child unit's performance index per KPI (KPI ÷ its contextual benchmark): the
    colour then says who beats its own market, not who is biggest."""
    ids = [child["unit"]["id"] for child in source.report["children"]]
    children = list(OrgUnit.objects.restrict(source.user, "view").filter(pk__in=ids).order_by("pk"))
    found = benchmarks.benchmarks(
        DailyFact.objects.restrict(source.user, "view"), children, source.period
    )
    return {
        unit_id: {name: b.index for name, b in per_kpi.items()}
        for unit_id, per_kpi in found.items()
    }


DEFAULT_METRIC = "kpi"
HEATMAP_METRICS: dict[str, HeatmapMetric] = {
    DEFAULT_METRIC: HeatmapMetric(DEFAULT_METRIC, gettext_lazy("KPI values"), _kpi_values),
    "index": HeatmapMetric("index", gettext_lazy("Performance index"), _index_values, "index"),
}


def register_heatmap_metric(metric: HeatmapMetric) -> None:
    """Offer another metric on the heatmap (e.g. the performance index)."""
    HEATMAP_METRICS[metric.name] = metric


def _shade(value: Any, low: float, high: float) -> str:
    """A background for a cell: darker for higher values within its column."""
    share = 0.5 if high == low else (float(value) - low) / (high - low)
    return f"rgba(31,95,191,{0.08 + 0.62 * share:.2f})"


def heatmap(source: HeatmapInput, metric: str, currency: str) -> dict[str, Any]:
    """Child units by KPIs, each column shaded from its lowest to its highest value
    (an undefined value is left blank)."""
    chosen = HEATMAP_METRICS[metric]
    values = chosen.values(source)
    children = [child["unit"] for child in source.report["children"]]
    ranges = {}
    for name in kpis.KPIS:
        column = [
            float(values[c["id"]][name])
            for c in children
            if values.get(c["id"], {}).get(name) is not None
        ]
        ranges[name] = (min(column), max(column)) if column else None
    rows = []
    for child in children:
        cells = []
        for name in kpis.KPIS:
            value = values.get(child["id"], {}).get(name)
            if chosen.display == "kpi":
                text = kpi_text(name, value, currency)
            else:
                text = "—" if value is None else formats.number_format(value, decimal_pos=2)
            cells.append(
                {
                    "name": name,
                    "text": text,
                    "shade": _shade(value, *ranges[name]) if value is not None else "",
                }
            )
        rows.append({"unit": child, "cells": cells})
    return {
        "metric": chosen,
        "metrics": list(HEATMAP_METRICS.values()),
        "columns": [{"name": n, "label": k.label} for n, k in kpis.KPIS.items()],
        "rows": rows,
    }


# --- the page and the export ----------------------------------------------------------


def dashboard(user: Any, unit: OrgUnit, query: Query) -> dict[str, Any]:
    """Everything the dashboard page shows for a unit the caller may report on."""
    report = reports.kpi_report(user, unit, query.period)
    currency = report["currency"]
    series = monthly(user, unit, query.period.end)
    return {
        "unit": unit,
        "period": query.period,
        "currency": currency,
        "kpis": kpi_cells(report["kpis"], currency),
        "children": [
            {
                "unit": child["unit"],
                "cells": kpi_cells(child["kpis"], currency),
            }
            for child in report["children"]
        ],
        "breadcrumb": breadcrumb(user, unit),
        "charts": [chart(name, series, currency) for name in CHARTED],
        "heatmap": heatmap(HeatmapInput(user, unit, query.period, report), query.metric, currency),
    }


def export_table(user: Any, unit: OrgUnit, period: reports.Period) -> tuple[list, list]:
    """The KPI table of a unit and its child units: a header and rows of plain values
    (numbers stay numbers; an undefined ratio is an empty cell)."""
    report = reports.kpi_report(user, unit, period)
    header = [
        _("Unit code"),
        _("Unit"),
        _("Tier"),
        _("Row"),
        _("Start"),
        _("End"),
        _("Currency"),
        *[str(kpi.label) for kpi in kpis.KPIS.values()],
    ]

    def line(entry: dict[str, Any], kind: str) -> list:
        return [
            entry["unit"]["code"],
            entry["unit"]["name"],
            entry["unit"]["tier"],
            kind,
            period.start,
            period.end,
            report["currency"],
            *[_number(entry["kpis"].get(name)) for name in kpis.KPIS],
        ]

    rows = [line(report, _("consolidated"))]
    rows += [line(child, _("drill-down")) for child in report["children"]]
    return header, rows
