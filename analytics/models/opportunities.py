"""CRM opportunities: the facts pipeline, conversion, velocity and ROI are computed from."""

from __future__ import annotations

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

    owner_follows = "account"  # owned by its account's unit, wherever that moves

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
