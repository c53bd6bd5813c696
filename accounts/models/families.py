"""Global account families: one plan per family, and conflicts between local teams.

Visibility choice (issue 4, item 4): a plan is *owned* by the lowest common ancestor of
the units owning the family's accounts (so the region or global team that coordinates
the family edits it), and its queryset *additionally* shows it to every unit that owns
an account of the family — an explicit SQL clause over the family links, always in sync
with them, instead of guardian grants that would have to follow every family change.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from glocal.tenancy import TenantOwnedModel, TenantQuerySet


class AccountPlanQuerySet(TenantQuerySet):
    """Plans: the tree rule, plus read access for every unit owning a family member."""

    def scope_filter(self, scope, action, user) -> Q:
        q = super().scope_filter(scope, action, user)
        if action == "view":
            # Families are at most three levels deep (parent, subsidiary, sub-subsidiary).
            q |= (
                Q(account__owner_unit_id__in=scope.down)
                | Q(account__subsidiaries__owner_unit_id__in=scope.down)
                | Q(account__subsidiaries__subsidiaries__owner_unit_id__in=scope.down)
            )
        return q


class AccountPlan(TenantOwnedModel):
    """The global plan for a family, attached to the family's parent account."""

    account = models.OneToOneField(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="plan",
        verbose_name=_("family parent"),
    )
    objectives = models.TextField(_("objectives"), blank=True)
    strategy = models.TextField(_("strategy"), blank=True)
    key_contacts = models.TextField(_("key relationships"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountPlanQuerySet.as_manager()

    class Meta:
        ordering = ["account__name", "id"]
        verbose_name = _("global account plan")
        verbose_name_plural = _("global account plans")

    def __str__(self) -> str:
        return str(_("Plan for %(account)s") % {"account": self.account})


class FamilyConflict(TenantOwnedModel):
    """Two local units targeting the same company or family, flagged to their LCA unit."""

    class Kind(models.TextChoices):
        SAME_COMPANY = "same_company", _("Same company")
        SAME_FAMILY = "same_family", _("Same family")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        RESOLVED = "resolved", _("Resolved")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    account_a = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    account_b = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("shared domain or family"), max_length=253, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = models.TextField(_("note"), blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "id"]
        verbose_name = _("family conflict")
        verbose_name_plural = _("family conflicts")
        constraints = [
            models.UniqueConstraint(
                fields=["account_a", "account_b", "kind"], name="family_conflict_pair_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.account_a} / {self.account_b}"
