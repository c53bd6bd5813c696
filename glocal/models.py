"""Tenancy kernel: organisations, their unit trees and who belongs where."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

import pycountry
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import MembershipQuerySet, OrgUnitQuerySet, Role

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z]{2}|-[A-Za-z]{4})?$")


class Regulation(models.TextChoices):
    GDPR = "GDPR", "GDPR (EU)"
    UK_GDPR = "UK_GDPR", "UK GDPR"
    PIPL = "PIPL", "PIPL (China)"
    CCPA = "CCPA", "CCPA/CPRA (California)"
    LGPD = "LGPD", "LGPD (Brazil)"
    APPI = "APPI", "APPI (Japan)"
    PIPEDA = "PIPEDA", "PIPEDA (Canada)"
    CAN_SPAM = "CAN_SPAM", "CAN-SPAM (US)"


class ResidencyZone(models.TextChoices):
    EU = "EU", _("European Union")
    UK = "UK", _("United Kingdom")
    US = "US", _("United States")
    CN = "CN", _("Mainland China")
    JP = "JP", _("Japan")
    BR = "BR", _("Brazil")
    GLOBAL = "GLOBAL", _("Global (no residency constraint)")


class Tier(models.TextChoices):
    GLOBAL = "GLOBAL", _("Global")
    REGION = "REGION", _("Region")
    LOCAL = "LOCAL", _("Local")


TIER_DEPTH = {Tier.GLOBAL: 0, Tier.REGION: 1, Tier.LOCAL: 2}
PARENT_TIER = {Tier.GLOBAL: None, Tier.REGION: Tier.GLOBAL, Tier.LOCAL: Tier.REGION}


class Organization(models.Model):
    """A client company; its units form one tree that no other organisation sees."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    reporting_currency = models.CharField(_("reporting currency"), max_length=3, default="EUR")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if pycountry.currencies.get(alpha_3=self.reporting_currency or "") is None:
            raise ValidationError({"reporting_currency": _("Unknown ISO 4217 currency code.")})

    @property
    def root(self) -> OrgUnit | None:
        return self.units.filter(tier=Tier.GLOBAL, parent__isnull=True).first()


def _validate_countries(value: list) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of ISO 3166 country codes."))
    unknown = [c for c in value if not isinstance(c, str) or not pycountry.countries.get(alpha_2=c)]
    if unknown:
        raise ValidationError(_("Unknown country codes: %(codes)s"), params={"codes": unknown})


def _validate_languages(value: list) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of language tags such as 'fr' or 'fr-CA'."))
    bad = [
        tag
        for tag in value
        if not isinstance(tag, str)
        or not LANGUAGE_TAG.match(tag)
        or not pycountry.languages.get(alpha_2=tag.split("-")[0])
    ]
    if bad:
        raise ValidationError(_("Unknown language tags: %(tags)s"), params={"tags": bad})


def _validate_regulations(value: list) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of regulations."))
    bad = [r for r in value if r not in Regulation.values]
    if bad:
        raise ValidationError(
            _("Unknown regulations: %(bad)s (allowed: %(allowed)s)"),
            params={"bad": bad, "allowed": ", ".join(Regulation.values)},
        )


def _validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("Unknown IANA time zone: %(tz)s"), params={"tz": value})


def _validate_currency(value: str) -> None:
    if pycountry.currencies.get(alpha_3=value or "") is None:
        raise ValidationError(_("Unknown ISO 4217 currency code: %(c)s"), params={"c": value})


class OrgUnit(models.Model):
    """A node of an organisation's tree: GLOBAL root, REGION hubs, LOCAL teams."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="units", verbose_name=_("organisation")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    tier = models.CharField(_("tier"), max_length=6, choices=Tier.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    countries = models.JSONField(
        _("countries"), default=list, blank=True, validators=[_validate_countries]
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[_validate_timezone]
    )
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[_validate_languages]
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[_validate_currency]
    )
    regulations = models.JSONField(
        _("regulations"), default=list, blank=True, validators=[_validate_regulations]
    )
    residency_zone = models.CharField(
        _("residency zone"),
        max_length=8,
        choices=ResidencyZone.choices,
        default=ResidencyZone.GLOBAL,
    )
    is_active = models.BooleanField(_("active"), default=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "tier", "code"]
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="orgunit_code_unique_in_organization"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(parent__isnull=True),
                name="orgunit_one_root_per_organization",
            ),
            models.CheckConstraint(
                condition=(Q(tier="GLOBAL", parent__isnull=True))
                | (Q(tier__in=["REGION", "LOCAL"], parent__isnull=False)),
                name="orgunit_only_global_is_root",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def depth(self) -> int:
        return TIER_DEPTH[self.tier]

    def clean(self) -> None:
        """Tree rules: GLOBAL is the root, REGION under GLOBAL, LOCAL under REGION."""
        errors: dict[str, str] = {}
        expected_parent_tier = PARENT_TIER.get(self.tier)
        parent = self.parent
        if self.tier == Tier.GLOBAL:
            if parent is not None:
                errors["parent"] = _("A GLOBAL unit is the root of its organisation: no parent.")
            elif self.organization_id:
                others = OrgUnit.objects.filter(
                    organization_id=self.organization_id, parent__isnull=True
                ).exclude(pk=self.pk)
                if others.exists():
                    errors["tier"] = _("This organisation already has its GLOBAL root unit.")
        elif parent is None:
            errors["parent"] = _("A %(tier)s unit needs a %(parent)s parent.") % {
                "tier": self.tier,
                "parent": expected_parent_tier,
            }
        else:
            if self.organization_id and parent.organization_id != self.organization_id:
                errors["parent"] = _(
                    "The parent belongs to another organisation; units never cross organisations."
                )
            elif parent.tier != expected_parent_tier:
                errors["parent"] = _(
                    "A %(tier)s unit's parent must be a %(expected)s unit, not %(actual)s."
                ) % {"tier": self.tier, "expected": expected_parent_tier, "actual": parent.tier}
            elif self.pk and parent.pk == self.pk:
                errors["parent"] = _("A unit cannot be its own parent.")
            elif not parent.is_active:
                errors["parent"] = _("The parent unit is retired.")
        if (
            self.organization_id
            and self.code
            and OrgUnit.objects.filter(organization_id=self.organization_id, code=self.code)
            .exclude(pk=self.pk)
            .exists()
        ):
            errors["code"] = _("The code %(code)s is already used in this organisation.") % {
                "code": self.code
            }
        if self.pk and self.tier:
            child_tiers = set(self.children.values_list("tier", flat=True))
            allowed_child = {Tier.GLOBAL: Tier.REGION, Tier.REGION: Tier.LOCAL}.get(self.tier)
            if child_tiers - {allowed_child}:
                errors["tier"] = _(
                    "This unit has children; its tier cannot change to %(tier)s."
                ) % {"tier": self.tier}
        if errors:
            raise ValidationError(errors)

    def group_for(self, role: str) -> Group:
        group, _created = Group.objects.get_or_create(name=f"unit-{self.pk}-{role}")
        return group

    def ensure_groups(self) -> None:
        self.group_for_all()

    def group_for_all(self) -> list[Group]:
        return [self.group_for(role) for role in Role.values]


class Membership(models.Model):
    """A user's role in one unit; mirrored into the Django group of (unit, role)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["unit_id", "user_id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="membership_one_role_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} @ {self.unit.code}"

    def sync_groups(self) -> None:
        """Keep the user in exactly the group of this (unit, role)."""
        keep = self.unit.group_for(self.role)
        others = [g for g in self.unit.group_for_all() if g.pk != keep.pk]
        self.user.groups.remove(*others)
        self.user.groups.add(keep)


class WorkerHeartbeat(models.Model):
    """Last sign of life of each Celery worker; /readyz reads it."""

    hostname = models.CharField(max_length=255, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self) -> str:
        return self.hostname


# Layering engine models live in their own module; importing them here registers them.
from glocal.layering.models import Bound, OverridePolicy, StaleOverride  # noqa: E402

__all__ = [
    "Bound",
    "Membership",
    "OrgUnit",
    "Organization",
    "OverridePolicy",
    "StaleOverride",
    "WorkerHeartbeat",
]
