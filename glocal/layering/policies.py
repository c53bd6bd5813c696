"""Who may override what: override policies (per tier) and object locks (per node)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from glocal.layering.models import TIER_RANK, LayeredModel, OverridePolicy


@dataclass(frozen=True)
class TierRule:
    tier: str  # lowest tier allowed to override
    source: str  # who set it: a unit's name, or "default"


def _chain(unit) -> list:
    """The unit and its ancestors, root first."""
    chain = []
    while unit is not None:
        chain.append(unit)
        unit = unit.parent
    return list(reversed(chain))


def lowest_tier(model: type[LayeredModel], field: str, unit) -> TierRule:
    """The effective lowest tier allowed to override ``field`` for nodes owned at ``unit``.

    The organisation's root sets the rule (model default otherwise); a region may only
    raise it for its subtree, so the most restrictive rule along the path wins.
    """
    default = model.default_override_tiers.get(field, "LOCAL")
    rule = TierRule(default, _("the platform default"))
    chain = _chain(unit)
    policies = {
        p.owner_unit_id: p
        for p in OverridePolicy.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            field=field,
            owner_unit__in=[u.pk for u in chain],
        )
    }
    for scope in chain:
        policy = policies.get(scope.pk)
        if policy is None:
            continue
        if scope.parent_id is None or TIER_RANK[policy.lowest_tier] < TIER_RANK[rule.tier]:
            rule = TierRule(policy.lowest_tier, f"{scope.name} ({scope.get_tier_display()})")
    return rule


def locking_ancestor(node: LayeredModel, field: str) -> LayeredModel | None:
    """The nearest strict ancestor node that locked ``field`` for its descendants."""
    ancestor = node.parent
    while ancestor is not None:
        if field in ancestor.locked_fields:
            return ancestor
        ancestor = ancestor.parent
    return None


def check_override(node: LayeredModel, field: str) -> str | None:
    """Why ``node`` may not override ``field`` (None when it may)."""
    if field not in node.layered_fields:
        return _("%(field)s is not a layered field.") % {"field": field}
    unit = node.owner_unit
    rule = lowest_tier(type(node), field, unit)
    if TIER_RANK[unit.tier] > TIER_RANK[rule.tier]:
        return _(
            "%(field)s may only be overridden from the %(tier)s tier up (override policy "
            "set by %(source)s); %(unit)s is %(unit_tier)s."
        ) % {
            "field": field,
            "tier": rule.tier,
            "source": rule.source,
            "unit": unit.name,
            "unit_tier": unit.tier,
        }
    locker = locking_ancestor(node, field)
    if locker is not None:
        return _(
            "%(field)s is locked by %(owner)s (%(tier)s) on “%(node)s”; only that unit can "
            "unlock it."
        ) % {
            "field": field,
            "owner": locker.owner_unit.name,
            "tier": locker.owner_unit.tier,
            "node": locker,
        }
    return None
