"""The RACI matrix: who is Responsible, Accountable, Consulted, Informed per activity.

Letters are given **by tier**, not by concrete unit: a rule says e.g. "LOCAL is R, REGION
is A, GLOBAL is I" for campaign launch. For an action at a scope unit S the tiers resolve
to the units on S's chain to the root (see ``governance.raci.parties``), so one rule at
the root governs every local team, and an approval is routed to *the* region above.

A rule row is owned by its scope (``owner_unit``): the organisation's GLOBAL root holds
the matrix for everyone; a REGION may tailor an activity for its subtree only where the
root's rule says ``regions_may_tailor``. A LOCAL unit never holds rules. Activities
without a root row follow the built-in default matrix (``governance.raci.DEFAULTS``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from glocal.models import Tier
from glocal.tenancy import ConfigQuerySet, TenantOwnedModel


class Activity(models.TextChoices):
    """The activity catalogue (DESIGN section 5); the slugs are stable identifiers."""

    ABM_STRATEGY = "abm-strategy", _("ABM strategy")
    METHODOLOGY = "methodology", _("Methodology and playbooks")
    TECHNOLOGY = "technology", _("Technology")
    CORE_CONTENT = "core-content", _("Core content")
    KPI_DEFINITIONS = "kpi-definitions", _("KPI definitions")
    CONSOLIDATED_REPORTING = "consolidated-reporting", _("Consolidated reporting")
    REGIONAL_ADAPTATION = "regional-adaptation", _("Regional adaptation")
    REGIONAL_COORDINATION = "regional-coordination", _("Regional coordination")
    REGIONAL_CONTENT = "regional-content", _("Regional content")
    COMMUNITIES_OF_PRACTICE = "communities-of-practice", _("Communities of practice")
    TARGET_ACCOUNT_SELECTION = "target-account-selection", _("Target-account selection")
    ACCOUNT_PERSONALISATION = "account-personalisation", _("Account personalisation")
    CLIENT_RELATIONSHIP = "client-relationship", _("Client relationship")
    CHANNEL_AND_TIMING = "channel-and-timing", _("Channel and timing choice")
    FIELD_FEEDBACK = "field-feedback", _("Field feedback")
    BUDGET_ALLOCATION = "budget-allocation", _("Budget allocation")
    CAMPAIGN_LAUNCH = "campaign-launch", _("Campaign launch")
    CONTENT_PUBLICATION = "content-publication", _("Content publication")


class Letters(models.TextChoices):
    """What one tier is for one activity; "RA" is a tier that both does and decides."""

    NONE = "", "—"
    RESPONSIBLE = "R", _("R (responsible)")
    ACCOUNTABLE = "A", _("A (accountable)")
    BOTH = "RA", _("R+A (responsible and accountable)")
    CONSULTED = "C", _("C (consulted)")
    INFORMED = "I", _("I (informed)")


#: tier → model field holding that tier's letters
TIER_FIELDS = {"GLOBAL": "global_letters", "REGION": "region_letters", "LOCAL": "local_letters"}


class RaciRule(TenantOwnedModel):
    """The letters of each tier for one activity at one scope (the ``owner_unit``)."""

    activity = models.CharField(_("activity"), max_length=40, choices=Activity.choices)
    global_letters = models.CharField(
        _("global"), max_length=2, choices=Letters.choices, blank=True
    )
    region_letters = models.CharField(
        _("region"), max_length=2, choices=Letters.choices, blank=True
    )
    local_letters = models.CharField(_("local"), max_length=2, choices=Letters.choices, blank=True)
    regions_may_tailor = models.BooleanField(
        _("regions may tailor"),
        default=False,
        help_text=_("Set on the global matrix: regions may adapt this activity for their locals."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    # A matrix binds every unit below its scope, so they all may read it.
    published_lookup: ClassVar[dict[str, Any]] = {"pk__isnull": False}

    # The matrix is configuration: only admins of the scope (or above) write it.
    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["owner_unit_id", "activity"]
        verbose_name = _("RACI rule")
        verbose_name_plural = _("RACI rules")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "activity"],
                name="raci_rule_one_per_activity_and_scope",
                violation_error_message=_("This scope already has a rule for this activity."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_display()} @ {self.owner_unit.code}: {self.summary()}"

    def letters(self, tier: str) -> str:
        return getattr(self, TIER_FIELDS[tier])

    def tiers_with(self, letter: str) -> list[str]:
        return [tier for tier in TIER_FIELDS if letter in self.letters(tier)]

    def summary(self) -> str:
        return " ".join(f"{tier[0]}:{self.letters(tier) or '-'}" for tier in TIER_FIELDS)

    def clean(self) -> None:
        """One A, at least one R; only the root and regions hold rules; tailoring needs
        the root's leave and never hands work to the global tier."""
        from governance import raci

        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        activity = Activity(self.activity).label if self.activity in Activity.values else ""
        accountable = self.tiers_with("A")
        if len(accountable) > 1:
            for tier in accountable:
                add(
                    TIER_FIELDS[tier],
                    _(
                        "%(activity)s: exactly one tier may be Accountable (A); "
                        "%(count)s are (%(tiers)s)."
                    )
                    % {
                        "activity": activity,
                        "count": len(accountable),
                        "tiers": ", ".join(str(Tier(t).label) for t in accountable),
                    },
                )
        elif not accountable:
            add(
                NON_FIELD_ERRORS,
                _("%(activity)s: exactly one tier must be Accountable (A); none is.")
                % {"activity": activity},
            )
        if not self.tiers_with("R"):
            add(
                NON_FIELD_ERRORS,
                _("%(activity)s: at least one tier must be Responsible (R); none is.")
                % {"activity": activity},
            )
        unit = self.owner_unit if self.owner_unit_id else None
        if unit is not None and unit.tier == "LOCAL":
            add(
                "owner_unit",
                _(
                    "Only the global root and regions hold a RACI matrix; %(unit)s follows "
                    "the matrix of the units above it."
                )
                % {"unit": unit.name},
            )
        elif unit is not None and unit.tier == "REGION":
            if self.regions_may_tailor:
                add(
                    "regions_may_tailor",
                    _("Only the global matrix says whether regions may tailor an activity."),
                )
            if "R" in self.global_letters or "A" in self.global_letters:
                add(
                    "global_letters",
                    _(
                        "%(activity)s: a region tailors the matrix for its locals; it cannot "
                        "make Global responsible or accountable (only C or I)."
                    )
                    % {"activity": activity},
                )
            if activity and not raci.root_rule(unit, self.activity).regions_may_tailor:
                add(
                    "activity",
                    _(
                        "Global does not let regions tailor %(activity)s; the global matrix "
                        "applies to %(unit)s."
                    )
                    % {"activity": activity, "unit": unit.name},
                )
        if errors:
            raise ValidationError(errors)
