"""The KPI definitions (DESIGN section 7): ONE implementation, used by the API, the
dashboards and the exports alike.

Every KPI is a pure function of :class:`Inputs` — sums of the daily rollups over a unit's
subtree and a period — so a region's figure is computed from its summed inputs, never
by averaging its teams' ratios. Money inputs are already in the organisation's reporting
currency (the rollups convert each opportunity with the rate of its own date through
:class:`Converter`, which reuses ``campaigns.budgets.fx``).

Empty periods: sums are 0; a ratio whose denominator is 0 is ``None`` ("not defined"),
never 0 and never an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from campaigns.budgets.fx import rate_for
from campaigns.budgets.money import quantize
from glocal.models import OrgUnit

CENT = Decimal("0.01")
RATIO_STEP = Decimal("0.0001")
ZERO = Decimal(0)

Value = Decimal | int | None


@dataclass(frozen=True)
class Inputs:
    """What the KPIs of one unit (its subtree) over one period are computed from.

    Flows are sums over the period; ``selected_at_start`` counts target accounts
    selected before the period's first day, ``open_count`` the opportunities still
    open at its end and ``engaged_accounts`` the engaged target accounts at its end.
    """

    pipeline_created: Decimal = ZERO
    opportunities_created: int = 0
    first_opportunity_accounts: int = 0
    selected_at_start: int = 0
    won_amount: Decimal = ZERO
    won_count: int = 0
    closed_count: int = 0
    cycle_days_sum: int = 0
    open_count: int = 0
    spend: Decimal = ZERO
    engaged_accounts: int = 0

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Inputs:
        """Inputs from a mapping of name → number (unknown names are ignored)."""
        kwargs = {}
        for f in fields(cls):
            if f.name in values and values[f.name] is not None:
                number = Decimal(str(values[f.name]))
                kwargs[f.name] = number if f.type == "Decimal" else int(number)
        return cls(**kwargs)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator ÷ denominator, or None when the denominator is 0 (not defined)."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _round(value: Decimal | None, step: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(step, rounding=ROUND_HALF_UP)


def pipeline_generated(i: Inputs) -> Decimal:
    """Σ amount of the opportunities created in the period (reporting currency)."""
    return _round(i.pipeline_created, CENT)


def conversion_rate(i: Inputs) -> Decimal | None:
    """Target accounts with their first opportunity in the period ÷ target accounts
    selected at its start."""
    return _round(ratio(i.first_opportunity_accounts, i.selected_at_start), RATIO_STEP)


def sales_velocity(i: Inputs) -> Decimal | None:
    """Money per day: open opportunities * win rate * average won deal ÷ average sales
    cycle (days), the rate, deal size and cycle taken over the opportunities closed in
    the period.

    None without a closed opportunity (no win rate, no cycle) or when every closed one
    closed the day it was created (a 0-day cycle). With closures but no win the win
    rate is 0, and so is the velocity.
    """
    win_rate = ratio(i.won_count, i.closed_count)
    average_cycle = ratio(i.cycle_days_sum, i.closed_count)
    if win_rate is None or not average_cycle:
        return None
    average_won = ratio(i.won_amount, i.won_count) or ZERO
    return _round(Decimal(i.open_count) * win_rate * average_won / average_cycle, CENT)


def roi(i: Inputs) -> Decimal | None:
    """(Won revenue in the period - spend in the period) ÷ spend in the period."""
    return _round(ratio(i.won_amount - i.spend, i.spend), RATIO_STEP)


def engaged_accounts(i: Inputs) -> int:
    """Target accounts whose engagement score is above the organisation's threshold."""
    return i.engaged_accounts


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    compute: Callable[[Inputs], Value]
    #: "money" (reporting currency), "ratio", "money_per_day" or "count"
    unit: str


KPIS: dict[str, Kpi] = {
    kpi.name: kpi
    for kpi in (
        Kpi("pipeline_generated", _("Pipeline generated"), pipeline_generated, "money"),
        Kpi("conversion_rate", _("Target-account conversion rate"), conversion_rate, "ratio"),
        Kpi("sales_velocity", _("Sales velocity (per day)"), sales_velocity, "money_per_day"),
        Kpi("roi", _("ROI"), roi, "ratio"),
        Kpi("engaged_accounts", _("Engaged accounts"), engaged_accounts, "count"),
    )
}


def compute(inputs: Inputs, only: Iterable[str] | None = None) -> dict[str, Value]:
    """Every KPI (or the ``only`` ones, in definition order) from one set of inputs."""
    wanted = set(only) if only is not None else set(KPIS)
    return {name: kpi.compute(inputs) for name, kpi in KPIS.items() if name in wanted}


class Converter:
    """Amounts to the organisation's reporting currency at the rate of each amount's
    own day (``campaigns.budgets.fx.rate_for``), remembering rates already read.

    A missing rate raises the same ``ValidationError`` (code ``no_fx_rate``) as
    everywhere else in the platform.
    """

    def __init__(self, unit: OrgUnit):
        self.unit = unit
        self.currency = unit.organization.reporting_currency
        self._rates: dict[tuple[str, dt.date], Decimal] = {}

    def rate(self, currency: str, day: dt.date) -> Decimal:
        key = (currency, day)
        if key not in self._rates:
            self._rates[key] = rate_for(self.unit, currency, day)
        return self._rates[key]

    def __call__(self, amount: Decimal, currency: str, day: dt.date) -> Decimal:
        return quantize(Decimal(amount) * self.rate(currency, day))
