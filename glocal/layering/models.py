"""Layered objects: a node stores what it overrides and inherits the rest (DESIGN §4)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import ConfigQuerySet, TenantOwnedModel

TIER_RANK = {"GLOBAL": 0, "REGION": 1, "LOCAL": 2}


def field_label(content_type: ContentType, field: str) -> str:
    """A layered field's human name in the current language (the code if unknown)."""
    model = content_type.model_class()
    try:
        return str(model._meta.get_field(field).verbose_name)
    except (AttributeError, LookupError, FieldDoesNotExist):  # model or field removed since
        return field


class LayeredModel(TenantOwnedModel):
    """Abstract base of layered objects (content assets, playbooks, directives ...).

    The columns named in ``layered_fields`` always hold the *effective* values (a
    materialisation the engine rebuilds from the rules); ``overridden_fields`` says which
    of them this node owns. A root node (no parent) owns every layered field.
    """

    #: field names that may be inherited / overridden / locked
    layered_fields: ClassVar[tuple[str, ...]] = ()
    #: default lowest tier allowed to override each field (absent: LOCAL)
    default_override_tiers: ClassVar[dict[str, str]] = {}

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("adapted from"),
    )
    overridden_fields = models.JSONField(_("overridden fields"), default=list, blank=True)
    #: the parent's value each override was adapted from (for staleness and diffs)
    source_values = models.JSONField(_("source values"), default=dict, blank=True)
    locked_fields = models.JSONField(_("fields locked for descendants"), default=list, blank=True)

    class Meta:
        abstract = True

    def owns(self, field: str) -> bool:
        return self.parent_id is None or field in self.overridden_fields

    def layered_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.layered_fields}

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        parent = self.parent
        if parent.pk == self.pk:
            raise ValidationError({"parent": _("A node cannot adapt itself.")})
        own_unit, parent_unit = self.owner_unit, parent.owner_unit
        if own_unit.organization_id != parent_unit.organization_id:
            raise ValidationError({"parent": _("An adaptation stays within its organisation.")})
        ancestors = set()
        unit = own_unit
        while unit.parent_id is not None:
            ancestors.add(unit.parent_id)
            unit = unit.parent
        if parent.owner_unit_id not in ancestors:
            raise ValidationError(
                {
                    "parent": _(
                        "An adaptation belongs to a unit below the source's unit "
                        "(%(source)s); %(unit)s is not."
                    )
                    % {"source": parent_unit.name, "unit": own_unit.name}
                }
            )
        unknown = set(self.overridden_fields) - set(self.layered_fields)
        if unknown:
            raise ValidationError(
                {"overridden_fields": _("Not layered fields: %(f)s") % {"f": sorted(unknown)}}
            )


class OverridePolicy(TenantOwnedModel):
    """The lowest tier allowed to override a field of a layered type, set at a scope.

    A policy at the organisation's root applies everywhere; a region's policy applies to
    its subtree and may only tighten (raise) what its ancestors allow.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("layered type")
    )
    field = models.CharField(_("field"), max_length=64)
    lowest_tier = models.CharField(
        _("lowest tier allowed to override"),
        max_length=6,
        choices=[("GLOBAL", _("Global")), ("REGION", _("Region")), ("LOCAL", _("Local"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    # A policy binds every unit below its scope, so they all may read it.
    published_lookup: ClassVar[dict[str, Any]] = {"pk__isnull": False}

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["owner_unit_id", "content_type_id", "field"]
        verbose_name = _("override policy")
        verbose_name_plural = _("override policies")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "content_type", "field"], name="override_policy_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model}.{self.field} ≥ {self.lowest_tier} @ {self.owner_unit}"

    @property
    def field_label(self) -> str:
        return field_label(self.content_type, self.field)

    def clean(self) -> None:
        from glocal.layering import policies

        model = self.content_type.model_class() if self.content_type_id else None
        if model is None or not issubclass(model, LayeredModel):
            raise ValidationError({"content_type": _("This type is not layered.")})
        if self.field not in model.layered_fields:
            raise ValidationError(
                {
                    "field": _("%(field)s is not a layered field of %(type)s (one of: %(all)s).")
                    % {
                        "field": self.field,
                        "type": model._meta.verbose_name,
                        "all": ", ".join(model.layered_fields),
                    }
                }
            )
        if self.owner_unit_id and self.owner_unit.parent_id:
            inherited = policies.lowest_tier(model, self.field, self.owner_unit.parent)
            if TIER_RANK[self.lowest_tier] > TIER_RANK[inherited.tier]:
                raise ValidationError(
                    {
                        "lowest_tier": _(
                            "Refused: %(tier)s would loosen the rule set by %(owner)s "
                            "(%(field)s may be overridden from %(inherited)s down only). "
                            "A lower tier may only tighten."
                        )
                        % {
                            "tier": self.lowest_tier,
                            "owner": inherited.source,
                            "field": self.field,
                            "inherited": inherited.tier,
                        }
                    }
                )


class StaleOverride(TenantOwnedModel):
    """An override adapted from a source value that has since changed: review it."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    node = GenericForeignKey("content_type", "object_id")
    field = models.CharField(_("field"), max_length=64)
    old_source = models.JSONField(_("source value it was adapted from"), null=True)
    new_source = models.JSONField(_("new source value"), null=True)
    detected_at = models.DateTimeField(_("detected at"), auto_now=True)

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("stale override")
        verbose_name_plural = _("stale overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field"], name="stale_override_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model}#{self.object_id}.{self.field}"

    @property
    def field_label(self) -> str:
        return field_label(self.content_type, self.field)


class Bound(TenantOwnedModel):
    """One unit's value for a declared bound (see ``glocal.layering.bounds``)."""

    key = models.CharField(_("bound"), max_length=100)
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(auto_now=True)

    # Bounds bind every unit below, so they all may read them.
    published_lookup: ClassVar[dict[str, Any]] = {"pk__isnull": False}

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["key", "owner_unit_id"]
        verbose_name = _("bound")
        verbose_name_plural = _("bounds")
        constraints = [models.UniqueConstraint(fields=["owner_unit", "key"], name="bound_unique")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.owner_unit}"

    def clean(self) -> None:
        from glocal.layering import bounds

        if self.owner_unit_id is None:
            return
        problem = bounds.check(self.owner_unit, self.key, self.value)
        if problem:
            field = "key" if bounds.spec(self.key) is None else "value"
            raise ValidationError({field: problem})
