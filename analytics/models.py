"""Analytics data: CRM opportunities (the facts) and daily rollups (what KPIs read).

An :class:`Opportunity` belongs to its account's unit (``owner_unit``), so visibility
follows the account. ``crm_id`` is the CRM's id, unique in the organisation, so a
re-imported export updates rows instead of duplicating them.

A :class:`DailyFact` is one KPI input of one unit on one day, computed from the facts
owned by that unit only; consolidation up the tree sums the subtree at read time.
Rollups are derived data, rebuilt by ``analytics.rollups``, never edited by hand.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models.budgets import MONEY, check_currency
from glocal.tenancy import TenantOwnedModel


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(TenantOwnedModel):
    """A sales opportunity from the CRM on one target account (``owner_unit`` is the
    account's unit, set from the account: it is never chosen independently)."""

    organization = models.ForeignKey(
        "glocal.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("organisation"),
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("account"),
    )
    crm_id = models.CharField(_("CRM id"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, validators=[check_currency])
    stage = models.CharField(_("stage"), max_length=60, blank=True)
    created_on = models.DateField(_("created on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=4, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "crm_id"],
                name="opportunity_crm_id_unique_in_organization",
                violation_error_message=_("An opportunity with this CRM id already exists."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="opportunity_amount_not_negative"
            ),
            # Open ⇔ no close date: rollups count open opportunities from the dates alone.
            models.CheckConstraint(
                condition=(Q(status="open", closed_on__isnull=True))
                | (Q(status__in=["won", "lost"], closed_on__isnull=False)),
                name="opportunity_closed_on_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_unit", "created_on"]),
            models.Index(fields=["owner_unit", "closed_on"]),
            models.Index(fields=["account", "created_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.crm_id})"

    def save(self, *args, **kwargs) -> None:
        self.follow_account()
        super().save(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.status != OpportunityStatus.OPEN

    def follow_account(self) -> None:
        """The row belongs where its account does (unit and organisation)."""
        if self.account_id:
            unit = self.account.owner_unit
            self.owner_unit = unit
            self.organization_id = unit.organization_id

    def clean_fields(self, exclude=None) -> None:
        self.follow_account()
        super().clean_fields(exclude)

    def clean(self) -> None:
        """Dates agree with the status."""
        errors: dict[str, str] = {}
        if self.amount is not None and self.amount < 0:
            errors["amount"] = gettext("An amount is 0 or more.")
        if self.status == OpportunityStatus.OPEN and self.closed_on is not None:
            errors["closed_on"] = gettext("An open opportunity has no close date.")
        elif self.status in (OpportunityStatus.WON, OpportunityStatus.LOST) and not self.closed_on:
            errors["closed_on"] = gettext("A won or lost opportunity needs its close date.")
        elif self.closed_on and self.created_on and self.closed_on < self.created_on:
            errors["closed_on"] = gettext("The opportunity closes before it was created.")
        if errors:
            raise ValidationError(errors)

    @property
    def cycle_days(self) -> int | None:
        """Days from creation to close (the sales cycle), None while open."""
        if self.closed_on is None or self.created_on is None:
            return None
        return (self.closed_on - self.created_on).days


class Input(models.TextChoices):
    """KPI inputs kept per unit and day. All are additive over units; all but
    ``engaged_accounts`` (a snapshot at the end of the day) are additive over days."""

    PIPELINE_CREATED = "pipeline_created", _("Pipeline created")
    OPPORTUNITIES_CREATED = "opportunities_created", _("Opportunities created")
    FIRST_OPPORTUNITY_ACCOUNTS = (
        "first_opportunity_accounts",
        _("Accounts with a first opportunity"),
    )
    WON_AMOUNT = "won_amount", _("Won amount")
    WON_COUNT = "won_count", _("Opportunities won")
    CLOSED_COUNT = "closed_count", _("Opportunities closed")
    CYCLE_DAYS_SUM = "cycle_days_sum", _("Sales-cycle days of closed opportunities")
    SPEND = "spend", _("Spend")
    SELECTED_NET = "selected_net", _("Net target accounts selected")
    ENGAGED_ACCOUNTS = "engaged_accounts", _("Engaged target accounts (end of day)")


#: inputs read as a snapshot on one day, not summed over the period
SNAPSHOT_INPUTS = frozenset({Input.ENGAGED_ACCOUNTS})


class DailyFact(TenantOwnedModel):
    """One KPI input of one unit (``owner_unit``) on one day; zero is not stored."""

    day = models.DateField(_("day"))
    name = models.CharField(_("input"), max_length=32, choices=Input.choices)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=4, default=Decimal(0))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["-day", "owner_unit_id", "name"]
        verbose_name = _("daily fact")
        verbose_name_plural = _("daily facts")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "day", "name"], name="dailyfact_one_per_unit_day_input"
            )
        ]
        indexes = [models.Index(fields=["owner_unit", "name", "day"])]

    def __str__(self) -> str:
        return f"{self.name} {self.day}: {self.value}"
