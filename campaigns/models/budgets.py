"""Budgets and spend: FX rates, the budget tree of a fiscal period and what was spent.

Money is held in the organisation's reporting currency (``Organization.reporting_currency``,
DESIGN section 7). A spend keeps its local amount, currency and the rate used.

A budget is owned by one unit for one fiscal period. The global budget is divided into
regional allocations and those into local ones. ``allocated`` (the children's amounts)
and ``spent`` (spend recorded on this budget itself) are kept on the row so that one
conditional ``UPDATE`` can enforce ``allocated + spent <= amount`` under concurrency
(``campaigns.budgets``); they are never written any other way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel
from glocal.tenancy import (
    DEFAULT_ACTION_ROLES,
    ConfigQuerySet,
    Role,
    TenantOwnedModel,
    TenantQuerySet,
)

MONEY = {"max_digits": 18, "decimal_places": 4}
#: money is stored to 1/10,000 (a touch can cost a fraction of a cent)
MONEY_STEP = Decimal("0.0001")
#: the largest amount a money column holds (18 digits, 4 of them decimals)
MAX_MONEY = Decimal(10) ** 14 - MONEY_STEP
MAX_UNIT_PRICE = Decimal(10) ** 9
#: Half a money step. Every stored amount is a whole number of steps, so comparing with
#: this slack changes no outcome, but absorbs SQLite's floating-point decimal arithmetic.
HALF_STEP = Decimal("0.00005")


def check_currency(value: str) -> None:
    if not isinstance(value, str) or pycountry.currencies.get(alpha_3=value or "") is None:
        raise ValidationError(
            _("Unknown ISO 4217 currency code: %(c)s"), params={"c": value}, code="currency"
        )


class FxRate(TenantOwnedModel):
    """How much of the organisation's currency one unit of ``currency`` was worth on ``day``.

    Rates belong to the organisation, so they are owned by its root unit: every member
    of the organisation reads them, only the root's admins write them.
    """

    currency = models.CharField(_("currency"), max_length=3, validators=[check_currency])
    day = models.DateField(_("day"))
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConfigQuerySet.as_manager()
    #: readable from below: every rate is owned by the root, above every member
    published_lookup: ClassVar[dict[str, Any]] = {"pk__isnull": False}

    class Meta:
        ordering = ["currency", "-day"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "currency", "day"],
                name="fxrate_one_per_currency_and_day",
                violation_error_message=_("A rate for this currency and day already exists."),
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} ({self.day})"

    @property
    def organisation(self):
        return self.owner_unit

    def clean(self) -> None:
        errors: dict[str, str] = {}
        unit = self.owner_unit if self.owner_unit_id else None
        if unit is not None and unit.parent_id is not None:
            errors["owner_unit"] = gettext(
                "Exchange rates belong to the organisation: its global unit owns them."
            )
        elif unit is not None and self.currency == unit.organization.reporting_currency:
            errors["currency"] = gettext(
                "%(c)s is the organisation's currency; it always converts at 1."
            ) % {"c": self.currency}
        if self.rate is not None and self.rate <= 0:
            errors["rate"] = gettext("A rate is more than 0.")
        if errors:
            raise ValidationError(errors)


class BudgetQuerySet(TenantQuerySet):
    #: "spend": record spend on the budget (marketers of its unit and above)
    action_roles = {**DEFAULT_ACTION_ROLES, "spend": Role.MARKETER}


class Budget(TenantOwnedModel):
    """Money a unit may spend (or hand down) in one fiscal period.

    ``parent`` is null for the global budget; a child belongs to a child unit of the
    parent's unit and its period lies within the parent's. ``guidelines`` are the
    intended shares of spend per channel (``{"events": 0.4}``), ``tolerance`` how far
    the actual share may stray before the report flags it. A budget without guidelines
    follows its parent's.
    """

    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("period starts on"))
    ends_on = models.DateField(_("period ends on"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("allocated from"),
    )
    amount = models.DecimalField(_("amount"), default=Decimal(0), **MONEY)
    allocated = models.DecimalField(
        _("allocated to children"), default=Decimal(0), editable=False, **MONEY
    )
    spent = models.DecimalField(_("spent"), default=Decimal(0), editable=False, **MONEY)
    guidelines = models.JSONField(_("channel guideline shares"), default=dict, blank=True)
    tolerance = models.DecimalField(
        _("guideline tolerance"), max_digits=4, decimal_places=3, default=Decimal("0.05")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BudgetQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "owner_unit_id", "name", "id"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "name", "starts_on"],
                name="budget_unique_name_per_unit_and_period",
                violation_error_message=_("This unit already has a budget of that name then."),
            ),
            models.CheckConstraint(
                condition=Q(allocated__gte=0, spent__gte=0),
                name="budget_allocated_and_spent_not_negative",
            ),
            # The services never let it happen; the database refuses it anyway.
            models.CheckConstraint(
                condition=Q(amount__gte=F("allocated") + F("spent") - Value(HALF_STEP)),
                name="budget_never_overspent",
            ),
        ]
        indexes = [models.Index(fields=["owner_unit", "starts_on"])]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.allocated - self.spent

    @property
    def currency(self) -> str:
        return self.owner_unit.organization.reporting_currency

    def effective_guidelines(self) -> tuple[dict[str, float], Decimal, Budget | None]:
        """The guidelines that apply, their tolerance and the budget that set them."""
        node: Budget | None = self
        while node is not None:
            if node.guidelines:
                return node.guidelines, node.tolerance, node
            node = node.parent
        return {}, self.tolerance, None

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        unit = self.owner_unit if self.owner_unit_id else None
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = gettext("The period ends before it starts.")
        if self.amount is not None and self.amount < 0:
            errors["amount"] = gettext("An amount is 0 or more.")
        if unit is not None:
            errors.update(self._tree_errors(unit))
        problem = check_guidelines(self.guidelines)
        if problem:
            errors["guidelines"] = problem
        else:  # stored as numbers whatever the input ("0.4" or 0.4)
            self.guidelines = {k: float(as_number(v)) for k, v in self.guidelines.items()}
        if self.tolerance is not None and not 0 <= self.tolerance <= 1:
            errors["tolerance"] = gettext("A tolerance is a share from 0 to 1.")
        if errors:
            raise ValidationError(errors)

    def _tree_errors(self, unit) -> dict[str, str]:
        parent = self.parent if self.parent_id else None
        if parent is None:
            if unit.parent_id is not None:
                return {
                    "parent": gettext(
                        "%(unit)s's budget is allocated from its parent unit's budget; only "
                        "the global unit has a budget of its own."
                    )
                    % {"unit": unit.name}
                }
            return {}
        if unit.parent_id != parent.owner_unit_id:
            return {
                "owner_unit": gettext(
                    "“%(parent)s” belongs to %(owner)s; it is allocated to %(owner)s's own "
                    "child units, and %(unit)s is not one of them."
                )
                % {"parent": parent.name, "owner": parent.owner_unit.name, "unit": unit.name}
            }
        if (
            self.starts_on
            and self.ends_on
            and (self.starts_on < parent.starts_on or self.ends_on > parent.ends_on)
        ):
            return {
                "starts_on": gettext(
                    "The period must lie within “%(parent)s” (%(start)s to %(end)s)."
                )
                % {"parent": parent.name, "start": parent.starts_on, "end": parent.ends_on}
            }
        return {}


def as_number(value: Any) -> Decimal | None:
    """A finite number from JSON or form input (a bool is not one), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def check_guidelines(value: Any) -> str | None:
    """Why ``{channel: share}`` is not a valid set of guideline shares (None when it is)."""
    if not isinstance(value, dict):
        return gettext('Guidelines map a channel to its share of spend, e.g. {"events": 0.4}.')
    unknown = sorted(str(k) for k in value if k not in Channel.values)
    if unknown:
        return gettext("Unknown channels: %(c)s.") % {"c": ", ".join(unknown)}
    shares = [as_number(v) for v in value.values()]
    if any(s is None or not 0 <= s <= 1 for s in shares):
        return gettext("A share is a number from 0 to 1.")
    if sum(shares) > 1:
        return gettext("The shares add up to more than 1.")
    return None


def check_touch_costs(value: Any) -> str | None:
    """Why ``{channel: price per touch}`` is not valid (None when it is)."""
    if not isinstance(value, dict):
        return gettext('Touch costs map a channel to a price per touch, e.g. {"ads": 0.8}.')
    unknown = sorted(str(k) for k in value if k not in Channel.values)
    if unknown:
        return gettext("Unknown channels: %(c)s.") % {"c": ", ".join(unknown)}
    prices = [as_number(v) for v in value.values()]
    if any(p is None or p < 0 or p >= MAX_UNIT_PRICE for p in prices):
        return gettext("A price per touch is a number, 0 or more (below a billion).")
    return None


def campaign_budget_errors(campaign, unit) -> dict[str, str]:
    """The budget rules of ``Campaign.clean``.

    A campaign is funded by a budget of its own unit or of an ancestor (a region may
    fund a local campaign directly), for a period covering the campaign's window, so
    that every touch falls in the budget's period.
    """
    errors: dict[str, str] = {}
    problem = check_touch_costs(campaign.touch_costs)
    if problem:
        errors["touch_costs"] = problem
    budget = campaign.budget if campaign.budget_id else None
    if budget is None or unit is None:
        return errors
    path = set()
    node = unit
    while node is not None:
        path.add(node.pk)
        node = node.parent
    if budget.owner_unit_id not in path:
        errors["budget"] = gettext(
            "“%(budget)s” belongs to %(owner)s; %(unit)s may only use its own budgets or "
            "those of its region and global team."
        ) % {"budget": budget.name, "owner": budget.owner_unit.name, "unit": unit.name}
    elif (
        campaign.starts_on
        and campaign.ends_on
        and (campaign.starts_on < budget.starts_on or campaign.ends_on > budget.ends_on)
    ):
        errors["budget"] = gettext(
            "“%(budget)s” covers %(start)s to %(end)s; the campaign's window must lie within it."
        ) % {"budget": budget.name, "start": budget.starts_on, "end": budget.ends_on}
    return errors


class SpendKind(models.TextChoices):
    CPM = "cpm", _("Ads by impressions (CPM)")
    CPC = "cpc", _("Ads by clicks (CPC)")
    EVENT = "event", _("Event")
    TOOL = "tool", _("Tool")
    TOUCH = "touch", _("Campaign touch")
    OTHER = "other", _("Other")


#: kinds priced per unit: how many units the unit price is for
PRICED_PER = {SpendKind.CPM: 1000, SpendKind.CPC: 1, SpendKind.TOUCH: 1}


class Spend(TenantOwnedModel):
    """Money spent against a budget; ``owner_unit`` is the budget's unit.

    Recorded by ``campaigns.budgets`` only, which converts the local amount and charges
    the budget in the same transaction. ``external_key`` makes recording idempotent:
    the same key on the same budget records one spend.
    """

    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, related_name="spends", verbose_name=_("budget")
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="spends",
        verbose_name=_("campaign"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=SpendKind.choices)
    #: impressions (CPM), clicks (CPC), touches, attendees ...
    quantity = models.PositiveBigIntegerField(_("quantity"), null=True, blank=True)
    #: price per thousand impressions (CPM), per click (CPC), per touch
    unit_price = models.DecimalField(
        _("unit price"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    amount_local = models.DecimalField(_("amount in local currency"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, validators=[check_currency])
    fx_rate = models.DecimalField(_("exchange rate used"), max_digits=20, decimal_places=10)
    amount = models.DecimalField(_("amount"), **MONEY)
    spent_on = models.DateField(_("spent on"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    external_key = models.CharField(_("external key"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name = _("spend")
        verbose_name_plural = _("spend")
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "external_key"],
                condition=~Q(external_key=""),
                name="spend_one_per_external_key",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, amount_local__gte=0), name="spend_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["budget", "channel"]),
            models.Index(fields=["owner_unit", "spent_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.amount_local} {self.currency} on {self.spent_on} ({self.get_kind_display()})"
