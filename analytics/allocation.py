"""Budget reallocation suggestions: move money towards the market that returns most.

For a budget and its child budgets (one per child market), the **marginal return** of a
market is the extra won revenue one more unit of spend brought over the last
``RETURN_QUARTERS`` complete quarters: the least-squares slope of won revenue on spend
across those quarters (``basis`` "slope"). When spend did not vary (a slope says
nothing) it is the average return, won ÷ spend ("average"); without spend, unknown.

The suggestion moves money from the market with the lowest marginal return to the one
with the highest, within the budget rules of ``campaigns.budgets``:

* siblings only, so the parent's total is unchanged and no child exceeds its parent;
* the donor never goes below what it has already allocated and spent, and gives at
  most ``ANALYTICS_REALLOCATION_MAX_SHARE`` percent of its amount at once (returns
  are estimated from a few quarters: move in steps, then measure again);
* channel guideline shares and their tolerance are shares *within* each budget, so a
  move between markets leaves them as they are (each budget's guideline report still
  applies).

It is a suggestion only. Applying it asks for the two amount changes through the
governed budget allocation (``campaigns.budgets.set_amount`` and the same approval
action, ``SET_AMOUNT``): the donor is lowered first; when that waits for approval, the
recipient's raise waits as well and can only be approved once the money is free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import reports
from analytics.kpis import CENT
from analytics.models import DailyFact, Input
from analytics.reports import subtrees, unit_summary
from campaigns.budgets import SET_AMOUNT, set_amount
from campaigns.models import Budget
from glocal.changes import acting_as
from glocal.models import OrgUnit
from governance import approvals
from governance.models import ApprovalRequest

RETURN_QUARTERS = 4
RETURN_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class Market:
    unit: OrgUnit
    budget: Budget
    spend: Decimal
    won: Decimal
    marginal_return: Decimal | None
    basis: str | None  # "slope", "average" or None (unknown)


@dataclass(frozen=True)
class Suggestion:
    donor: Market
    recipient: Market
    amount: Decimal


def _decimal(number: float, step: Decimal) -> Decimal:
    return Decimal(repr(float(number))).quantize(step, rounding=ROUND_HALF_UP)


def marginal_return(spend: pd.Series, won: pd.Series) -> tuple[Decimal | None, str | None]:
    """Won revenue per unit of spend at the margin (see the module docstring)."""
    if len(spend) >= 2 and spend.var() > 0:
        return _decimal(spend.cov(won) / spend.var(), RETURN_STEP), "slope"
    total = float(spend.sum())
    if total > 0:
        return _decimal(float(won.sum()) / total, RETURN_STEP), "average"
    return None, None


def _quarters(today: dt.date) -> pd.PeriodIndex:
    current = pd.Period(today, freq="Q")
    return pd.period_range(current - RETURN_QUARTERS, current - 1, freq="Q")


def markets(budget: Budget, today: dt.date | None = None) -> list[Market]:
    """The child budgets of ``budget`` with their market's spend, won revenue and
    marginal return over the last complete quarters (one read of the rollups)."""
    children = list(
        Budget.objects.unrestricted()
        .filter(parent=budget, owner_unit__is_active=True)
        .select_related("owner_unit__organization")
        .order_by("owner_unit__code", "pk")
    )
    if not children:
        return []
    quarters = _quarters(today or timezone.localdate())
    units = [child.owner_unit for child in children]
    groups = subtrees(units[0], units)
    ids = set().union(*groups.values())
    rows = list(
        DailyFact.objects.unrestricted()
        .filter(
            owner_unit_id__in=ids,
            name__in=[Input.SPEND, Input.WON_AMOUNT],
            day__range=(quarters[0].start_time.date(), quarters[-1].end_time.date()),
        )
        .order_by()
        .values("owner_unit_id", "day", "name")
        .annotate(total=Sum("value"))
        .values_list("owner_unit_id", "day", "name", "total")
    )
    frame = pd.DataFrame(rows, columns=["unit", "day", "name", "total"])
    frame["quarter"] = pd.to_datetime(frame["day"]).dt.to_period("Q")
    frame["total"] = frame["total"].astype(float)
    result = []
    for child in children:
        mine = frame[frame["unit"].isin(groups[child.owner_unit_id])]
        spend, won = (
            mine[mine["name"] == name]
            .groupby("quarter")["total"]
            .sum()
            .reindex(quarters, fill_value=0.0)
            for name in (Input.SPEND, Input.WON_AMOUNT)
        )
        value, basis = marginal_return(spend, won)
        result.append(
            Market(
                unit=child.owner_unit,
                budget=child,
                spend=_decimal(spend.sum(), CENT),
                won=_decimal(won.sum(), CENT),
                marginal_return=value,
                basis=basis,
            )
        )
    return result


def suggest(found: list[Market]) -> tuple[Suggestion | None, str]:
    """The move from the lowest to the highest marginal return, or why there is none."""
    known = [m for m in found if m.marginal_return is not None]
    if len(known) < 2:
        return None, _("A suggestion needs at least two markets with spend in recent quarters.")
    donor = min(known, key=lambda m: (m.marginal_return, m.unit.code))
    recipient = max(known, key=lambda m: (m.marginal_return, m.unit.code))
    if donor.marginal_return >= recipient.marginal_return:
        return None, _("Every market returns the same at the margin: nothing to move.")
    share = Decimal(settings.ANALYTICS_REALLOCATION_MAX_SHARE) / 100
    free = donor.budget.amount - donor.budget.allocated - donor.budget.spent
    amount = min(donor.budget.amount * share, free).quantize(CENT, rounding=ROUND_DOWN)
    if amount <= 0:
        return None, _(
            "%(unit)s returns least but has already allocated or spent all its budget."
        ) % {"unit": donor.unit.name}
    return Suggestion(donor, recipient, amount), ""


def _market(m: Market, after: Decimal | None = None) -> dict[str, Any]:
    return {
        "unit": unit_summary(m.unit),
        "budget": m.budget.pk,
        "amount": str(m.budget.amount),
        "allocated": str(m.budget.allocated),
        "spent": str(m.budget.spent),
        "spend": str(m.spend),
        "won": str(m.won),
        "marginal_return": None if m.marginal_return is None else str(m.marginal_return),
        "basis": m.basis,
        **({"amount_after": str(after)} if after is not None else {}),
    }


def allocation_report(budget: Budget, today: dt.date | None = None) -> dict[str, Any]:
    """The markets under ``budget`` and the suggestion (``budget`` was authorised)."""
    today = today or timezone.localdate()
    found = markets(budget, today)
    suggestion, message = suggest(found)
    quarters = _quarters(today)
    return {
        "budget": {
            "id": budget.pk,
            "name": budget.name,
            "unit": unit_summary(budget.owner_unit),
            "amount": str(budget.amount),
        },
        "currency": budget.currency,
        "quarters": [f"{q.year}-Q{q.quarter}" for q in quarters],
        "max_share": str(Decimal(settings.ANALYTICS_REALLOCATION_MAX_SHARE) / 100),
        "markets": [_market(m) for m in found],
        "suggestion": None
        if suggestion is None
        else {
            "amount": str(suggestion.amount),
            "from": _market(suggestion.donor, suggestion.donor.budget.amount - suggestion.amount),
            "to": _market(
                suggestion.recipient, suggestion.recipient.budget.amount + suggestion.amount
            ),
        },
        "message": message,
    }


def access_budget(user: Any, budget_id: int) -> Budget:
    """The budget to suggest for: 404 outside the caller's view, 403 when its markets
    include units outside the caller's own (as for KPI reports)."""
    budget = (
        Budget.objects.restrict(user, "view")
        .select_related("owner_unit__organization")
        .filter(pk=budget_id)
        .first()
    )
    if budget is None:
        raise Http404
    reports.access_unit(user, budget.owner_unit_id)
    return budget


def do_apply_suggestion(
    user: Any, budget: Budget, *, comment: str = "", acting_unit: OrgUnit | None = None
) -> list[Budget | ApprovalRequest]:
    """Ask for the current suggestion through the governed allocation: the donor's
    amount lowered, then the recipient's raised. Both requests or neither.

    Returns, per budget, the budget (applied at once: the caller is accountable) or the
    pending approval request. Recomputed here, never taken from the client.
    """
    suggestion, message = suggest(markets(budget))
    if suggestion is None:
        raise ValidationError({"budget": message})
    donor, recipient = suggestion.donor.budget, suggestion.recipient.budget
    note = comment or _("Reallocation suggested by marginal return (%(from)s → %(to)s).") % {
        "from": suggestion.donor.unit.name,
        "to": suggestion.recipient.unit.name,
    }
    with transaction.atomic():
        first = set_amount(
            user, donor, donor.amount - suggestion.amount, comment=note, acting_unit=acting_unit
        )
        raised = recipient.amount + suggestion.amount
        if isinstance(first, ApprovalRequest) and first.is_pending:
            # The money is free only once the donor's request is approved; the raise
            # waits in the same flow and is checked against the parent when approved.
            recipient._requested_amount = raised
            with acting_as(user):
                second = approvals.request_action(
                    user,
                    SET_AMOUNT,
                    recipient,
                    comment=note,
                    acting_unit=acting_unit,
                    payload={"amount": str(raised)},
                )
        else:
            second = set_amount(user, recipient, raised, comment=note, acting_unit=acting_unit)
    return [first, second]
