"""Budget use-cases: FX conversion, allocation down the tree, spend under a hard cap.

Every budget keeps ``allocated + spent <= amount``. Whatever consumes money does it with
ONE conditional ``UPDATE ... SET spent = spent + x WHERE id = ... AND amount >= allocated
+ spent + x`` and reads the row count: no read-then-write, so concurrent spenders cannot
overshoot (PostgreSQL re-evaluates the ``WHERE`` on the latest row version after waiting
for the row lock). Locks go from a budget towards its ancestors (the budget, then its
parent), never downwards, so allocations and spends cannot deadlock each other.

Allocation — creating a child budget or changing any budget's amount — is the RACI
activity "budget allocation" at the budget's unit, run through
``governance.approvals.request_action``: with the default matrix the global unit is
accountable and the region responsible, so a global manager allocates at once and a
regional manager's allocation waits for the global managers. A new child budget is
created at 0 and receives its amount when the request is approved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum, Value
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Channel
from campaigns.models import Budget, Campaign, FxRate, Spend, SpendKind
from campaigns.models.budgets import (
    HALF_STEP,
    MAX_MONEY,
    MONEY_STEP,
    PRICED_PER,
    _share,
    check_currency,
)
from glocal.changes import acting_as
from glocal.models import OrgUnit
from governance import actions, approvals, audit
from governance.authorization import authorize
from governance.models import ApprovalRequest
from governance.models.raci import Activity

SET_AMOUNT = "campaigns.budget_amount"
TOUCH_KEY_PREFIX = "touch:"


class OverBudget(ValidationError):
    """The budget cannot take this spend or allocation.

    ``code`` says why: ``budget_exhausted`` (the cap) or ``budget_period`` (the day is
    outside the budget's period); the dispatcher may use it as a touch's reason code.
    """

    def __init__(self, message: str, *, code: str = "budget_exhausted", field: str = "amount"):
        super().__init__({field: [ValidationError(message, code=code)]})
        self.code = code
        self.reason = message


def money(value: Decimal, currency: str) -> str:
    return f"{formats.number_format(value, decimal_pos=2, force_grouping=True)} {currency}"


def _q(value: Decimal) -> Decimal:
    return value.quantize(MONEY_STEP, rounding=ROUND_HALF_UP)


# --- exchange rates -----------------------------------------------------------------


def organisation_currency(unit: OrgUnit) -> str:
    return unit.organization.reporting_currency


def rate_for(organisation: OrgUnit, currency: str, day: dt.date) -> Decimal:
    """Organisation currency per unit of ``currency``: the latest rate on or before ``day``.

    ``organisation`` is any unit of the organisation (rates live on its root).
    """
    if currency == organisation_currency(organisation):
        return Decimal(1)
    rate = (
        FxRate.objects.unrestricted()
        .filter(
            owner_unit__organization_id=organisation.organization_id,
            currency=currency,
            day__lte=day,
        )
        .order_by("-day")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            {
                "currency": _(
                    "No exchange rate from %(currency)s to %(org)s on or before %(day)s; "
                    "enter one first."
                )
                % {
                    "currency": currency,
                    "org": organisation_currency(organisation),
                    "day": day.isoformat(),
                }
            },
            code="no_fx_rate",
        )
    return rate


def convert(organisation: OrgUnit, amount: Decimal, currency: str, day: dt.date) -> Decimal:
    """``amount`` of ``currency`` in the organisation's currency at the rate of ``day``."""
    return _q(Decimal(amount) * rate_for(organisation, currency, day))


@transaction.atomic
def set_fx_rate(
    user: Any, organisation: OrgUnit, currency: str, day: dt.date, rate: Decimal
) -> tuple[FxRate, bool]:
    """Record (or correct) a day's rate; the organisation's root admins keep the rates.

    Spend already recorded keeps the rate it was converted with.
    """
    root = organisation if organisation.parent_id is None else _root(organisation)
    if not OrgUnit.objects.restrict(user, "configure").filter(pk=root.pk).exists():
        raise PermissionDenied(
            _("Only the administrators of %(unit)s keep the exchange rates.") % {"unit": root.name}
        )
    row = FxRate.objects.filter(owner_unit=root, currency=currency, day=day).first()
    created = row is None
    row = row or FxRate(owner_unit=root, currency=currency, day=day)
    row.rate = rate
    row.full_clean()
    with acting_as(user):
        row.save()
    return row, created


def _root(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(organization_id=unit.organization_id, parent__isnull=True)


# --- allocation -----------------------------------------------------------------------


def _decimal(value: Any, field: str = "amount") -> Decimal:
    number = _share(value) if not isinstance(value, Decimal) else value
    if number is None or not number.is_finite() or number < 0:
        raise ValidationError({field: _("An amount is a number, 0 or more.")})
    if number > MAX_MONEY:
        raise ValidationError({field: _("This amount is too large.")})
    if number != _q(number):
        raise ValidationError({field: _("An amount has at most 4 decimal places.")})
    return number


def _left_message(budget: Budget, wanted: Decimal, verb: str) -> str:
    currency = budget.currency
    return _(
        "“%(budget)s” (%(unit)s) has %(left)s left (amount %(amount)s, allocated %(allocated)s, "
        "spent %(spent)s); %(wanted)s cannot be %(verb)s."
    ) % {
        "budget": budget.name,
        "unit": budget.owner_unit.name,
        "left": money(budget.remaining, currency),
        "amount": money(budget.amount, currency),
        "allocated": money(budget.allocated, currency),
        "spent": money(budget.spent, currency),
        "wanted": money(wanted, currency),
        "verb": verb,
    }


def _refuse_allocation(parent_id: int, wanted: Decimal) -> OverBudget:
    parent = Budget.objects.select_related("owner_unit__organization").get(pk=parent_id)
    return OverBudget(_left_message(parent, wanted, _("allocated from it")))


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
            raise OverBudget(_left_message(parent, delta, _("allocated from it")))


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
    amount = _decimal(request.payload["amount"])
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
    amount = _decimal(amount)
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
    amount = _decimal(amount)
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


# --- spend ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    spend: Spend
    #: False when the external key had already been recorded (nothing new was spent)
    created: bool


def _over_cap(budget_id: int, wanted: Decimal) -> OverBudget:
    budget = Budget.objects.select_related("owner_unit__organization").get(pk=budget_id)
    currency = budget.currency
    return OverBudget(
        _(
            "Over budget: “%(budget)s” (%(unit)s) is capped at %(amount)s and has %(left)s "
            "left; this spend of %(wanted)s would exceed it."
        )
        % {
            "budget": budget.name,
            "unit": budget.owner_unit.name,
            "amount": money(budget.amount, currency),
            "left": money(budget.remaining, currency),
            "wanted": money(wanted, currency),
        }
    )


def _book(spend: Spend) -> tuple[Spend, bool]:
    """Charge the budget and store the spend, atomically (in a savepoint: callers may
    hold their own transaction). The charge is the single conditional UPDATE."""
    try:
        with transaction.atomic():
            took = (
                Budget.objects.unrestricted()
                .filter(
                    pk=spend.budget_id,
                    amount__gte=F("allocated") + F("spent") + (spend.amount - HALF_STEP),
                )
                .update(spent=F("spent") + spend.amount)
            )
            if not took:
                raise _over_cap(spend.budget_id, spend.amount)
            spend.save()
    except IntegrityError:
        # The same external key was recorded concurrently: that one counts, not this.
        if not spend.external_key:
            raise
        existing = Spend.objects.get(budget_id=spend.budget_id, external_key=spend.external_key)
        return existing, False
    return spend, True


def _local_amount(
    kind: str, quantity: int | None, unit_price: Decimal | None, amount_local: Decimal | None
) -> Decimal:
    """The local amount, computed from quantity times unit price where the kind is priced."""
    errors: dict[str, str] = {}
    if kind not in SpendKind.values:
        raise ValidationError({"kind": _("Unknown kind of spend: %(k)s.") % {"k": kind}})
    per = PRICED_PER.get(kind)
    if per is not None:
        if quantity is None:
            errors["quantity"] = {
                SpendKind.CPM: _("Say how many impressions were bought."),
                SpendKind.CPC: _("Say how many clicks were bought."),
            }.get(kind, _("Say how many touches were bought."))
        if unit_price is None:
            errors["unit_price"] = {
                SpendKind.CPM: _("Give the price per thousand impressions."),
                SpendKind.CPC: _("Give the price per click."),
            }.get(kind, _("Give the price per touch."))
        if errors:
            raise ValidationError(errors)
    if quantity is not None and unit_price is not None:
        if unit_price < 0:
            raise ValidationError({"unit_price": _("A price is 0 or more.")})
        computed = Decimal(quantity) * unit_price / (per or 1)
        if computed > MAX_MONEY:
            raise ValidationError({"amount_local": _("This amount is too large.")})
        computed = _q(computed)
        if amount_local is not None and _q(amount_local) != computed:
            raise ValidationError(
                {
                    "amount_local": _(
                        "Quantity times unit price comes to %(computed)s, not %(given)s; leave "
                        "the amount out or correct it."
                    )
                    % {"computed": computed, "given": amount_local}
                }
            )
        amount_local = computed
    if amount_local is None:
        raise ValidationError(
            {"amount_local": _("Give the amount, or a quantity and a unit price.")}
        )
    if amount_local <= 0:
        raise ValidationError({"amount_local": _("A spend is more than 0.")})
    if amount_local > MAX_MONEY:
        raise ValidationError({"amount_local": _("This amount is too large.")})
    return _q(amount_local)


def _unit_path(unit: OrgUnit) -> set[int]:
    ids = set()
    while unit is not None:
        ids.add(unit.pk)
        unit = unit.parent
    return ids


def _check_spend(
    budget: Budget, spent_on: dt.date, channel: str, campaign: Campaign | None
) -> None:
    errors: dict[str, str] = {}
    if not budget.starts_on <= spent_on <= budget.ends_on:
        errors["spent_on"] = _("“%(budget)s” covers %(start)s to %(end)s.") % {
            "budget": budget.name,
            "start": budget.starts_on,
            "end": budget.ends_on,
        }
    if channel and channel not in Channel.values:
        errors["channel"] = _("Unknown channel: %(c)s.") % {"c": channel}
    if campaign is not None:
        if budget.owner_unit_id not in _unit_path(campaign.owner_unit):
            errors["campaign"] = _("“%(c)s” is not a campaign of %(unit)s or below.") % {
                "c": campaign.name,
                "unit": budget.owner_unit.name,
            }
        elif campaign.budget_id and campaign.budget_id != budget.pk:
            errors["campaign"] = _("“%(c)s” is funded by another budget.") % {"c": campaign.name}
    if errors:
        raise ValidationError(errors)


def record_spend(
    user: Any,
    budget: Budget,
    *,
    kind: str,
    spent_on: dt.date,
    amount_local: Decimal | None = None,
    currency: str = "",
    quantity: int | None = None,
    unit_price: Decimal | None = None,
    channel: str = "",
    campaign: Campaign | None = None,
    description: str = "",
    external_key: str = "",
) -> Recorded:
    """Record money spent against ``budget``, converted to the organisation's currency.

    Refused with :class:`OverBudget` when the budget cannot take it. The currency
    defaults to the budget unit's; ads are priced by CPM (impressions and price per
    thousand) or CPC (clicks and price per click). The same ``external_key`` recorded
    twice on a budget records one spend.
    """
    if not Budget.objects.restrict(user, "view").filter(pk=budget.pk).exists():
        raise ValidationError({"budget": _("Choose a budget you can see.")})
    if not Budget.objects.restrict(user, "spend").filter(pk=budget.pk).exists():
        raise PermissionDenied(
            _("You may see the budget “%(b)s” but not spend from it.") % {"b": budget.name}
        )
    budget = Budget.objects.select_related("owner_unit__organization").get(pk=budget.pk)
    currency = currency or budget.owner_unit.currency
    try:
        check_currency(currency)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from None
    amount_local = _local_amount(kind, quantity, unit_price, amount_local)
    _check_spend(budget, spent_on, channel, campaign)
    if external_key:
        existing = Spend.objects.filter(budget=budget, external_key=external_key).first()
        if existing is not None:
            return Recorded(existing, False)
    rate = rate_for(budget.owner_unit, currency, spent_on)
    if amount_local * rate > MAX_MONEY:
        raise ValidationError({"amount_local": _("This amount is too large.")})
    spend = Spend(
        owner_unit_id=budget.owner_unit_id,
        budget=budget,
        campaign=campaign,
        channel=channel,
        kind=kind,
        quantity=quantity,
        unit_price=unit_price,
        amount_local=amount_local,
        currency=currency,
        fx_rate=rate,
        amount=_q(amount_local * rate),
        spent_on=spent_on,
        description=description,
        external_key=external_key,
        created_by=user,
    )
    with acting_as(user):
        spend, created = _book(spend)
    return Recorded(spend, created)


def touch_spend_key(touch_key: str) -> str:
    """The spend ``external_key`` of a touch (prefixed: never a hand-entered key)."""
    return TOUCH_KEY_PREFIX + touch_key


def charge_touch(
    campaign: Campaign, channel: str, touch_key: str, when: dt.datetime
) -> Spend | None:
    """Charge one touch to the campaign's budget; the dispatcher calls it in its own
    transaction, before sending.

    ``None``: the campaign has no budget or the channel costs nothing. Otherwise the
    spend (the one already recorded when the touch was charged before). Raises
    :class:`OverBudget` when the budget cannot take it (nothing is recorded), and a
    plain ``ValidationError`` when no exchange rate is known for the unit's currency.
    The budget row stays locked until the caller's transaction ends.
    """
    price = _share(campaign.touch_costs.get(channel)) if campaign.budget_id else None
    if price is None or price <= 0:
        return None
    key = touch_spend_key(touch_key)
    existing = Spend.objects.filter(budget_id=campaign.budget_id, external_key=key).first()
    if existing is not None:
        return existing
    budget = Budget.objects.select_related("owner_unit__organization").get(pk=campaign.budget_id)
    unit = campaign.owner_unit
    day = when.astimezone(ZoneInfo(unit.timezone)).date()
    if not budget.starts_on <= day <= budget.ends_on:
        raise OverBudget(
            _("“%(budget)s” covers %(start)s to %(end)s; nothing is spent from it on %(day)s.")
            % {
                "budget": budget.name,
                "start": budget.starts_on,
                "end": budget.ends_on,
                "day": day,
            },
            code="budget_period",
        )
    rate = rate_for(unit, unit.currency, day)
    amount_local = _q(price)
    spend = Spend(
        owner_unit_id=budget.owner_unit_id,
        budget=budget,
        campaign=campaign,
        channel=channel,
        kind=SpendKind.TOUCH,
        quantity=1,
        unit_price=price,
        amount_local=amount_local,
        currency=unit.currency,
        fx_rate=rate,
        amount=_q(amount_local * rate),
        spent_on=day,
        description=_("Touch %(key)s") % {"key": touch_key},
        external_key=key,
    )
    spend, _created = _book(spend)
    return spend


# --- guidelines -----------------------------------------------------------------------


def guideline_report(budget: Budget) -> dict[str, Any]:
    """Share of spend per channel against the guidelines, for the budget and every
    budget allocated from it (its subtree). Spend without a channel (a tool licence)
    is reported apart and left out of the shares. A channel the guidelines do not
    name has a guideline of 0. Nothing is flagged before anything is spent."""
    budget = Budget.objects.select_related("parent__parent", "owner_unit__organization").get(
        pk=budget.pk
    )
    guidelines, tolerance, source = budget.effective_guidelines()
    rows = (
        Spend.objects.unrestricted()
        .filter(Q(budget=budget) | Q(budget__parent=budget) | Q(budget__parent__parent=budget))
        .values("channel")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    spent = {row["channel"]: row["total"] for row in rows}
    unassigned = spent.pop("", None) or Decimal(0)
    total = sum(spent.values(), Decimal(0))
    order = {c: i for i, c in enumerate(Channel.values)}
    lines = []
    for channel in sorted(set(spent) | set(guidelines), key=lambda c: order.get(c, 99)):
        amount = spent.get(channel, Decimal(0))
        share = amount / total if total else Decimal(0)
        target = _share(guidelines.get(channel, 0)) if guidelines else None
        outside = target is not None and bool(total) and abs(share - target) > tolerance
        lines.append(
            {
                "channel": channel,
                "spent": _q(amount),
                "share": round(float(share), 4),
                "guideline": float(target) if target is not None else None,
                "low": float(max(target - tolerance, 0)) if target is not None else None,
                "high": float(min(target + tolerance, 1)) if target is not None else None,
                "outside": outside,
            }
        )
    return {
        "guidelines_from": source.pk if source is not None else None,
        "tolerance": float(tolerance),
        "currency": budget.currency,
        "total": _q(total),
        "unassigned": _q(unassigned),
        "outside": any(line["outside"] for line in lines),
        "channels": lines,
    }
