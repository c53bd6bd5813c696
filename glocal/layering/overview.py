"""Per-object overview of who decides each layered field (API and dashboard share it)."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib.contenttypes.models import ContentType

from glocal.layering.models import StaleOverride
from glocal.layering.policies import locking_ancestor, lowest_tier


def text_diff(old: Any, new: Any) -> str:
    """A unified diff of two source values, for reviewing a stale override."""
    old_lines = str(old or "").splitlines() or [""]
    new_lines = str(new or "").splitlines() or [""]
    return "\n".join(
        difflib.unified_diff(old_lines, new_lines, "adapted from", "source now", lineterm="")
    )


def field_overview(node) -> list[dict[str, Any]]:
    """For each layered field: value, where it comes from, who may override, locks, staleness."""
    stale = {
        s.field: s
        for s in StaleOverride.objects.filter(
            content_type=ContentType.objects.get_for_model(node), object_id=node.pk
        )
    }
    chain = [node]
    while chain[-1].parent_id is not None:
        chain.append(chain[-1].parent)
    rows = []
    for field in node.layered_fields:
        origin = next(n for n in chain if n.owns(field))
        rule = lowest_tier(type(node), field, node.owner_unit)
        locker = locking_ancestor(node, field)
        item = stale.get(field)
        rows.append(
            {
                "field": field,
                "label": str(node._meta.get_field(field).verbose_name),
                "value": getattr(node, field),
                "overridden": node.parent_id is not None and field in node.overridden_fields,
                "inherited_from": None if origin is node else origin.owner_unit.code,
                "lowest_tier": rule.tier,
                "rule_set_by": rule.source,
                "locked_by": locker.owner_unit.code if locker else None,
                "locked_here": field in node.locked_fields,
                "stale": item is not None,
                "diff": text_diff(item.old_source, item.new_source) if item else "",
            }
        )
    return rows
