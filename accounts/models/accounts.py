"""Accounts: the companies ABM targets, owned by local units, grouped in global families."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import normalise
from glocal.tenancy import TenantOwnedModel


class Tier(models.TextChoices):
    STRATEGIC = "one_to_one", _("1:1 strategic")
    FEW = "one_to_few", _("1:few")
    MANY = "one_to_many", _("1:many")


class Lifecycle(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    PROPOSED = "proposed", _("Proposed")
    SELECTED = "selected", _("Selected")
    ENGAGED = "engaged", _("Engaged")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CUSTOMER = "customer", _("Customer")
    DESELECTED = "deselected", _("Deselected")


#: Lifecycle moves a person may make (later stages also come from CRM events).
LIFECYCLE_MOVES = {
    Lifecycle.CANDIDATE: {Lifecycle.PROPOSED, Lifecycle.DESELECTED},
    Lifecycle.PROPOSED: {Lifecycle.SELECTED, Lifecycle.CANDIDATE, Lifecycle.DESELECTED},
    Lifecycle.SELECTED: {Lifecycle.ENGAGED, Lifecycle.DESELECTED},
    Lifecycle.ENGAGED: {Lifecycle.OPPORTUNITY, Lifecycle.DESELECTED},
    Lifecycle.OPPORTUNITY: {Lifecycle.CUSTOMER, Lifecycle.ENGAGED, Lifecycle.DESELECTED},
    Lifecycle.CUSTOMER: {Lifecycle.DESELECTED},
    Lifecycle.DESELECTED: {Lifecycle.CANDIDATE},
}
TARGETED = {
    Lifecycle.PROPOSED,
    Lifecycle.SELECTED,
    Lifecycle.ENGAGED,
    Lifecycle.OPPORTUNITY,
    Lifecycle.CUSTOMER,
}


class EmployeeBand(models.TextChoices):
    XS = "1-49", "1-49"
    S = "50-249", "50-249"
    M = "250-999", "250-999"
    L = "1000-4999", "1,000-4,999"
    XL = "5000+", "5,000+"


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    CHAMPION = "champion", _("Champion")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    BLOCKER = "blocker", _("Blocker")


class Account(TenantOwnedModel):
    """A company targeted (or considered) by one local unit."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    domain = models.CharField(
        _("website domain"), max_length=253, blank=True, db_index=True,
        help_text=_("Stored as the registrable domain, e.g. acme.co.uk."),
    )  # fmt: skip
    name_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    country = models.CharField(_("country"), max_length=2, blank=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True, db_index=True)
    employee_band = models.CharField(
        _("employees"), max_length=10, choices=EmployeeBand.choices, blank=True
    )
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    revenue_currency = models.CharField(_("revenue currency"), max_length=3, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent account (family)"),
    )
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices, default=Tier.MANY)
    lifecycle = models.CharField(
        _("lifecycle"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.CANDIDATE
    )
    lifecycle_changed_at = models.DateTimeField(_("lifecycle changed at"), null=True, blank=True)
    lifecycle_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fit_score = models.FloatField(_("fit score"), default=0)
    intent_score = models.FloatField(_("intent score"), default=0)
    engagement_score = models.FloatField(_("engagement score"), default=0)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    crm_ids = models.JSONField(_("external CRM ids"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["owner_unit", "lifecycle"]),
            models.Index(fields=["owner_unit", "domain"]),
            # Upserts and imports match accounts without a domain by (unit, name key).
            models.Index(fields=["owner_unit", "name_key"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def family_root(self) -> Account:
        node = self
        seen = {node.pk}
        while node.parent_id and node.parent_id not in seen:
            seen.add(node.parent_id)
            node = node.parent
        return node

    def normalise_fields(self) -> None:
        """Before validation, so "France" or "https://www.acme.com" pass as FR / acme.com."""
        self.domain = normalise.registrable_domain(self.domain) if self.domain else ""
        if self.country:
            self.country = normalise.country_code(self.country) or self.country

    def clean_fields(self, exclude=None) -> None:
        self.normalise_fields()
        super().clean_fields(exclude)

    def clean(self) -> None:
        errors = {}
        self.name_key = normalise.company_key(self.name)
        if self.country and not normalise.country_code(self.country):
            errors["country"] = _("Unknown country: %(c)s") % {"c": self.country}
        if self.owner_unit_id and self.owner_unit.tier != "LOCAL":
            errors["owner_unit"] = _("Accounts belong to a local team.")
        if self.parent_id:
            if self.parent_id == self.pk:
                errors["parent"] = _("An account cannot be its own parent.")
            elif self.owner_unit_id and (
                self.parent.owner_unit.organization_id != self.owner_unit.organization_id
            ):
                errors["parent"] = _("A family stays within one organisation.")
            elif self.pk and self.parent.family_root.pk == self.pk:
                errors["parent"] = _("That would make the family a loop.")
        # A revenue its field refused stays raw text here (full_clean runs clean() anyway).
        revenue = self.annual_revenue
        if isinstance(revenue, int | float | Decimal) and revenue < 0:
            errors["annual_revenue"] = _("Revenue cannot be negative.")
        if self.annual_revenue is not None and not self.revenue_currency:
            errors["revenue_currency"] = _("Give the currency of the revenue.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.name_key = normalise.company_key(self.name)
        super().save(*args, **kwargs)
