"""Spend: money recorded against a budget, never past its cap, even concurrently.

The charge is ONE conditional ``UPDATE ... SET spent = spent + x WHERE id = ... AND
amount >= allocated + spent + x`` whose row count says whether the money was there: no
read-then-write, so concurrent spenders cannot overshoot (PostgreSQL re-evaluates the
``WHERE`` on the latest row version after waiting for the row lock).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Channel
from campaigns.budgets.fx import rate_for
from campaigns.budgets.money import OverBudget, money, quantize
from campaigns.models import Budget, Campaign, Spend, SpendKind
from campaigns.models.budgets import HALF_STEP, MAX_MONEY, PRICED_PER, as_number, check_currency
from glocal.changes import acting_as
from glocal.models import OrgUnit

TOUCH_KEY_PREFIX = "touch:"
FOREIGN_KEYS = ["budget", "campaign", "owner_unit", "created_by"]


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
        computed = quantize(computed)
        if amount_local is not None and quantize(amount_local) != computed:
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
    return quantize(amount_local)


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
        amount=quantize(amount_local * rate),
        spent_on=spent_on,
        description=description,
        external_key=external_key,
        created_by=user,
    )
    # Field lengths and choices; the budget, the key and the cap are the booking's.
    spend.full_clean(exclude=FOREIGN_KEYS, validate_unique=False, validate_constraints=False)
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
    price = as_number(campaign.touch_costs.get(channel)) if campaign.budget_id else None
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
    amount_local = quantize(price)
    if amount_local * rate > MAX_MONEY:  # pragma: no cover - touch costs are bounded
        raise ValidationError({"touch_costs": _("This price per touch is too large.")})
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
        amount=quantize(amount_local * rate),
        spent_on=day,
        description=_("Touch %(key)s") % {"key": touch_key},
        external_key=key,
    )
    spend, _created = _book(spend)
    return spend
