"""Market standards: the yardstick a region (or the global unit) sets for its markets.

A contextual benchmark (``analytics.benchmarks``) blends a unit's own trailing history
with the standard that applies to it, because the same figure means different things in
different markets (20% conversion is superb in a mature market, poor in a fast-growing
one). The standard is entered by the region or global unit that owns it, for one of its
local units or for all of them (``target_unit`` blank).

Visibility: the owning unit and above see and (managers) change it; a local team sees
the standards of its ancestors that apply to it — not those aimed at a sibling.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.kpis import KPIS
from glocal.models import OrgUnit, Tier
from glocal.tenancy import DEFAULT_ACTION_ROLES, Role, TenantOwnedModel, TenantQuerySet

KPI_CHOICES = [(name, kpi.label) for name, kpi in KPIS.items()]


class MarketStandardQuerySet(TenantQuerySet):
    """Set by the managers of the owning unit (or above); seen below only where it
    applies."""

    action_roles = {
        **DEFAULT_ACTION_ROLES,
        "add": Role.MANAGER,
        "change": Role.MANAGER,
        "delete": Role.MANAGER,
    }

    def scope_filter(self, scope, action, user) -> Q:
        q = Q(owner_unit_id__in=scope.down)
        if action == "view":
            # An ancestor's standard reaches a local team when it targets that team or
            # all of the ancestor's locals; never one aimed at a sibling.
            q |= Q(owner_unit_id__in=scope.up) & (
                Q(target_unit__isnull=True) | Q(target_unit_id__in=scope.down)
            )
        return q | self.shared_filter(scope, action, user)

    def valid_on(self, day: dt.date) -> MarketStandardQuerySet:
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class MarketStandard(TenantOwnedModel):
    """The market standard of one KPI, from ``valid_from`` to ``valid_to`` (open-ended
    when blank), for ``target_unit`` or for every local unit under ``owner_unit``."""

    target_unit = models.ForeignKey(
        "glocal.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("target unit"),
        help_text=_("A local unit under the owner unit; blank: all of them."),
    )
    kpi = models.CharField(_("KPI"), max_length=40, choices=KPI_CHOICES)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MarketStandardQuerySet.as_manager()

    class Meta:
        ordering = ["kpi", "owner_unit_id", "-valid_from", "id"]
        verbose_name = _("market standard")
        verbose_name_plural = _("market standards")
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="marketstandard_value_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="marketstandard_valid_to_after_from",
            ),
        ]
        indexes = [models.Index(fields=["owner_unit", "kpi", "valid_from"])]

    def __str__(self) -> str:
        target = self.target_unit.code if self.target_unit_id else "*"
        return f"{self.kpi} {target}: {self.value} ({self.valid_from} to {self.valid_to or '…'})"

    def clean(self) -> None:
        """Owned by a region or the global unit, aimed at one of its locals, positive,
        and not overlapping another standard of the same owner, target and KPI."""
        errors: dict[str, str] = {}
        owner: OrgUnit | None = self.owner_unit if self.owner_unit_id else None
        if owner is not None and owner.tier == Tier.LOCAL:
            errors["owner_unit"] = gettext(
                "Market standards are set by a region or the global unit, not a local team."
            )
        if owner is not None and self.target_unit_id:
            target = self.target_unit
            ancestors = {target.parent_id}
            if target.parent_id:
                ancestors.add(target.parent.parent_id)
            if target.tier != Tier.LOCAL or owner.pk not in ancestors:
                errors["target_unit"] = gettext("Choose a local unit under %(unit)s.") % {
                    "unit": owner.name
                }
        if self.kpi and self.kpi not in KPIS:
            errors["kpi"] = gettext("Unknown KPI.")
        if self.value is not None and self.value <= Decimal(0):
            errors["value"] = gettext("A market standard is greater than 0.")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = gettext("The validity ends before it starts.")
        if not errors and owner is not None and self.kpi and self.valid_from:
            overlapping = MarketStandard.objects.filter(
                owner_unit_id=owner.pk, target_unit_id=self.target_unit_id, kpi=self.kpi
            ).exclude(pk=self.pk)
            if self.valid_to:
                overlapping = overlapping.filter(valid_from__lte=self.valid_to)
            overlapping = overlapping.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)
            )
            if overlapping.exists():
                errors["valid_from"] = gettext(
                    "Another standard of this KPI for the same market overlaps these dates."
                )
        if errors:
            raise ValidationError(errors)


def choose_standard(
    candidates: list[MarketStandard], unit_id: int, owners: list[int]
) -> MarketStandard | None:
    """Among standards valid on the day, the one for ``unit_id`` (whose ancestors,
    nearest first, are ``owners``): one aimed at the unit wins over one for all locals,
    the nearest owner (region) over a farther one (global), the latest entered last."""
    fitting = [
        s for s in candidates if s.owner_unit_id in owners and s.target_unit_id in (None, unit_id)
    ]
    if not fitting:
        return None
    return min(
        fitting, key=lambda s: (s.target_unit_id is None, owners.index(s.owner_unit_id), -s.pk)
    )


def applicable_standard(unit: OrgUnit, kpi: str, day: dt.date) -> MarketStandard | None:
    """The standard that applies to a local ``unit`` on ``day`` (see :func:`choose_standard`);
    regions and the global unit have none: a standard describes one market."""
    if unit.tier != Tier.LOCAL:
        return None
    owners = []
    node = unit.parent
    while node is not None:
        owners.append(node.pk)
        node = node.parent
    candidates = list(
        MarketStandard.objects.unrestricted()
        .filter(kpi=kpi, owner_unit_id__in=owners)
        .filter(Q(target_unit_id=unit.pk) | Q(target_unit__isnull=True))
        .valid_on(day)
    )
    return choose_standard(candidates, unit.pk, owners)
