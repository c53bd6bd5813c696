"""Allocation: the budget tree of a period, every child within what its parent has left.

Creating a child budget or changing any budget's amount is the RACI activity "budget
allocation" at the budget's unit, run through ``governance.approvals.request_action``:
with the default matrix the global unit is accountable and the region responsible, so
a global manager allocates at once and a regional manager's allocation waits for the
global managers. A new child budget is created at 0 and receives its amount when the
request is approved; withdrawing the approval takes back exactly what it applied.

The parent's share moves with one conditional ``UPDATE ... SET allocated = allocated +
d WHERE amount >= allocated + spent + d``. Locks go from a budget to its parent, never
downwards, so concurrent allocations and spends cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.utils.translation import gettext as _

from campaigns.budgets.money import OverBudget, check_amount, money
from campaigns.models import Budget
from campaigns.models.budgets import HALF_STEP
from glocal.changes import acting_as
from glocal.models import OrgUnit
from governance import actions, approvals, audit
from governance.authorization import authorize
from governance.models import ApprovalRequest
from governance.models.raci import Activity

SET_AMOUNT = "campaigns.budget_amount"


def _left_message(budget: Budget, wanted: Decimal) -> str:
    currency = budget.currency
    return _(
        "“%(budget)s” (%(unit)s) has %(left)s left (amount %(amount)s, allocated %(allocated)s, "
        "spent %(spent)s); %(wanted)s cannot be allocated from it."
    ) % {
        "budget": budget.name,
        "unit": budget.owner_unit.name,
        "left": money(budget.remaining, currency),
        "amount": money(budget.amount, currency),
        "allocated": money(budget.allocated, currency),
        "spent": money(budget.spent, currency),
        "wanted": money(wanted, currency),
    }


def _refuse_allocation(parent_id: int, wanted: Decimal) -> OverBudget:
    parent = Budget.objects.select_related("owner_unit__organization").get(pk=parent_id)
    return OverBudget(_left_message(parent, wanted))


def _check_floor(budget: Budget, amount: Decimal) -> None:
    used = budget.allocated + budget.spent
    if amount < used:
        raise ValidationError(
            {
                "amount": _(
                    "“%(budget)s” has already allocated %(allocated)s and spent %(spent)s; "
                    "its amount cannot go below %(used)s."
                )
                % {
                    "budget": budget.name,
                    "allocated": money(budget.allocated, budget.currency),
                    "spent": money(budget.spent, budget.currency),
                    "used": money(used, budget.currency),
                }
            }
        )


def _check_fits(budget: Budget, amount: Decimal) -> None:
    """Refuse early what could never be approved (the approval checks again, atomically)."""
    _check_floor(budget, amount)
    delta = amount - budget.amount
    if budget.parent_id and delta > 0:
        parent = Budget.objects.select_related("owner_unit__organization").get(pk=budget.parent_id)
        if delta > parent.remaining:
            raise OverBudget(_left_message(parent, delta))


def _apply_amount(budget_id: int, amount: Decimal) -> Decimal:
    """Set a budget's amount, moving the difference on its parent's ``allocated``.

    Returns the difference applied. Must run inside a transaction.
    """
    budget = (
        Budget.objects.unrestricted()
        .select_for_update(of=("self",))  # lock order: this budget, then its parent
        .select_related("owner_unit__organization")
        .get(pk=budget_id)
    )
    _check_floor(budget, amount)
    delta = amount - budget.amount
    parents = Budget.objects.unrestricted().filter(pk=budget.parent_id)
    if budget.parent_id and delta > 0:
        took = parents.filter(amount__gte=F("allocated") + F("spent") + (delta - HALF_STEP)).update(
            allocated=F("allocated") + delta
        )
        if not took:
            raise _refuse_allocation(budget.parent_id, delta)
    elif budget.parent_id and delta < 0:
        parents.update(allocated=F("allocated") + delta)
    # Conditional as well: the row is locked, but the rule is cheap to restate.
    updated = (
        Budget.objects.unrestricted()
        .filter(pk=budget.pk, allocated__lte=Value(amount + HALF_STEP) - F("spent"))
        .update(amount=amount)
    )
    if not updated:  # pragma: no cover - the lock makes the floor check above final
        raise ValidationError({"amount": _("The budget changed meanwhile; try again.")})
    audit.record(
        "budget:amount",
        unit=budget.owner_unit,
        target=budget,
        before={"amount": budget.amount},
        after={"amount": amount},
    )
    return delta


def _approved(request: ApprovalRequest, budget: Budget | None) -> None:
    if budget is None:
        raise ValidationError({"target_id": _("The budget no longer exists.")})
    if "amount" not in request.payload:
        raise ValidationError(
            {"payload": _("This request names no amount; reject it and ask again.")}
        )
    amount = check_amount(request.payload["amount"])
    delta = _apply_amount(budget.pk, amount)
    # Remember what was applied: withdrawing the approval takes exactly that back.
    ApprovalRequest.objects.filter(pk=request.pk).update(
        payload={**request.payload, "applied_delta": str(delta)}
    )
    request.payload = {**request.payload, "applied_delta": str(delta)}


def _withdrawn(request: ApprovalRequest, budget: Budget | None) -> None:
    delta = Decimal(request.payload.get("applied_delta", "0"))
    if budget is None or not delta:
        return
    current = Budget.objects.unrestricted().select_for_update().get(pk=budget.pk)
    _apply_amount(current.pk, current.amount - delta)


def _describe(budget: Budget) -> str:
    amount = getattr(budget, "_requested_amount", None)
    params = {"budget": budget.name, "unit": budget.owner_unit.name}
    if amount is None:
        return _("Change the amount of the budget “%(budget)s” (%(unit)s)") % params
    return _("Set the budget “%(budget)s” (%(unit)s) to %(amount)s") % {
        **params,
        "amount": money(amount, budget.currency),
    }


def register_handlers() -> None:
    actions.register(
        SET_AMOUNT,
        _approved,
        _withdrawn,
        activity=Activity.BUDGET_ALLOCATION,
        model=Budget,
        describe=_describe,
    )


def _authorize(user: Any, unit: OrgUnit, acting_unit: OrgUnit | None):
    decision = authorize(user, Activity.BUDGET_ALLOCATION, unit, acting_unit=acting_unit)
    if decision.forbidden:
        raise PermissionDenied(decision.reason)
    return decision


def _request_amount(
    user: Any, budget: Budget, amount: Decimal, comment: str, acting_unit: OrgUnit | None
) -> Budget | ApprovalRequest:
    budget._requested_amount = amount
    request = approvals.request_action(
        user,
        SET_AMOUNT,
        budget,
        comment=comment,
        acting_unit=acting_unit,
        payload={"amount": str(amount)},
    )
    if request.is_pending:
        return request
    return Budget.objects.select_related("owner_unit__organization", "parent").get(pk=budget.pk)


def allocate(
    user: Any,
    parent: Budget | None,
    unit: OrgUnit,
    amount: Decimal,
    *,
    name: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    guidelines: dict[str, Any] | None = None,
    tolerance: Decimal | None = None,
    comment: str = "",
    acting_unit: OrgUnit | None = None,
) -> Budget | ApprovalRequest:
    """Give ``unit`` a budget taken from ``parent`` (``None``: the global budget itself).

    Returns the budget when the user is accountable, else the pending approval request
    (the budget then exists at 0 until approved). Name and period default to the
    parent's.
    """
    amount = check_amount(amount)
    visible = Budget.objects.restrict(user, "view")
    if parent is not None and not visible.filter(pk=parent.pk).exists():
        raise ValidationError({"parent": _("Choose a budget you can see.")})
    if not OrgUnit.objects.restrict(user, "view").filter(pk=unit.pk, is_active=True).exists():
        raise ValidationError({"owner_unit": _("Choose an active unit you can see.")})
    budget = Budget(
        owner_unit=unit,
        parent=parent,
        name=name or (parent.name if parent else ""),
        starts_on=starts_on or (parent.starts_on if parent else None),
        ends_on=ends_on or (parent.ends_on if parent else None),
        guidelines=guidelines or {},
        created_by=user,
    )
    if tolerance is not None:
        budget.tolerance = tolerance
    budget.full_clean()
    _authorize(user, unit, acting_unit)
    _check_fits(budget, amount)
    with transaction.atomic(), acting_as(user):
        budget.save()
        return _request_amount(user, budget, amount, comment, acting_unit)


def set_amount(
    user: Any,
    budget: Budget,
    amount: Decimal,
    *,
    comment: str = "",
    acting_unit: OrgUnit | None = None,
) -> Budget | ApprovalRequest:
    """Raise or lower a budget: never beyond what its parent has left, never below what
    it has allocated and spent. Governed like :func:`allocate`."""
    amount = check_amount(amount)
    if not Budget.objects.restrict(user, "view").filter(pk=budget.pk).exists():
        raise PermissionDenied(_("You may not see this budget."))
    budget = Budget.objects.select_related("owner_unit__organization", "parent").get(pk=budget.pk)
    _authorize(user, budget.owner_unit, acting_unit)
    _check_fits(budget, amount)
    with transaction.atomic(), acting_as(user):
        return _request_amount(user, budget, amount, comment, acting_unit)


@transaction.atomic
def configure(
    user: Any,
    budget: Budget,
    *,
    acting_unit: OrgUnit | None = None,
    **values: Any,
) -> Budget:
    """Rename a budget or set its guidelines (``name``, ``guidelines``, ``tolerance``):
    for those accountable for its allocation only."""
    unknown = set(values) - {"name", "guidelines", "tolerance"}
    if unknown:  # pragma: no cover - callers pass known fields
        raise ValueError(f"not configurable: {sorted(unknown)}")
    if not Budget.objects.restrict(user, "view").filter(pk=budget.pk).exists():
        raise PermissionDenied(_("You may not see this budget."))
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    decision = _authorize(user, budget.owner_unit, acting_unit)
    if not decision.allowed:
        raise PermissionDenied(
            _("Only the managers of %(unit)s change the budget “%(budget)s”.")
            % {"unit": decision.accountable.name, "budget": budget.name}
        )
    for name, value in values.items():
        setattr(budget, name, value)
    budget.full_clean()
    with acting_as(user):
        budget.save(update_fields=list(values))
    return budget
