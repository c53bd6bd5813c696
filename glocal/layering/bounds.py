"""Tighten, never loosen: bounds inherited down the tree that lower tiers may only narrow.

Apps declare the bounds they enforce with :func:`declare` (a cap, a minimum, an allowed
set, a requirement). A unit's *effective* bound combines every value set on its path from
the root; a value that would loosen what an ancestor set is refused, naming that rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class BoundKind:
    name: str

    def combine(self, outer: Any, inner: Any) -> Any:
        """The tighter of an ancestor's value and a descendant's."""
        if self.name == "max":
            return min(outer, inner)
        if self.name == "min":
            return max(outer, inner)
        if self.name == "allowed":
            return sorted(set(outer) & set(inner))
        return bool(outer) or bool(inner)  # required

    def loosens(self, outer: Any, inner: Any) -> bool:
        return self.combine(outer, inner) != self.normalise(inner)

    def normalise(self, value: Any) -> Any:
        return sorted(set(value)) if self.name == "allowed" else value

    def validate(self, value: Any) -> str | None:
        if self.name in ("max", "min"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return _("Expected a number.")
        elif self.name == "allowed":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return _("Expected a list of names.")
        elif not isinstance(value, bool):
            return _("Expected true or false.")
        return None

    def describe(self, value: Any) -> str:
        if self.name == "max":
            return _("at most %(v)s") % {"v": value}
        if self.name == "min":
            return _("at least %(v)s") % {"v": value}
        if self.name == "allowed":
            return _("only %(v)s") % {"v": ", ".join(value) or "—"}
        return _("required") if value else _("not required")


MAX, MIN, ALLOWED, REQUIRED = (BoundKind(n) for n in ("max", "min", "allowed", "required"))
KINDS = {k.name: k for k in (MAX, MIN, ALLOWED, REQUIRED)}


@dataclass(frozen=True)
class BoundSpec:
    key: str
    kind: BoundKind
    label: str


_registry: dict[str, BoundSpec] = {}


def declare(key: str, kind: BoundKind, label: str) -> BoundSpec:
    spec = BoundSpec(key, kind, label)
    _registry[key] = spec
    return spec


def spec(key: str) -> BoundSpec | None:
    return _registry.get(key)


def declared() -> list[BoundSpec]:
    return sorted(_registry.values(), key=lambda s: s.key)


@dataclass(frozen=True)
class Effective:
    value: Any
    set_by: Any  # the OrgUnit whose value is the binding one, or None


def effective(unit, key: str) -> Effective | None:
    """The binding value of ``key`` at ``unit`` (None when no unit on the path sets it)."""
    from glocal.layering.models import Bound

    chain = []
    node = unit
    while node is not None:
        chain.append(node)
        node = node.parent
    chain.reverse()
    values = {b.owner_unit_id: b.value for b in Bound.objects.filter(key=key, owner_unit__in=chain)}
    return fold(key, chain, values)


def fold(key: str, chain: list, values: dict[int, Any]) -> Effective | None:
    """The binding value of ``key`` along ``chain`` (units, root first), given the value
    each unit sets (by unit id). Lets callers that load many units' bounds in one query
    combine them exactly as :func:`effective` does."""
    kind = _registry[key].kind
    result: Effective | None = None
    for node in chain:
        if node.pk not in values:
            continue
        value = kind.normalise(values[node.pk])
        if result is None:
            result = Effective(value, node)
        else:
            combined = kind.combine(result.value, value)
            if combined != result.value:
                result = Effective(combined, node)
    return result


def check(unit, key: str, value: Any) -> str | None:
    """Why ``value`` may not be set for ``key`` at ``unit`` (None when it may)."""
    bound = _registry.get(key)
    if bound is None:
        return _("Unknown bound %(key)s.") % {"key": key}
    problem = bound.kind.validate(value)
    if problem:
        return problem
    if unit.parent_id is None:
        return None
    outer = effective(unit.parent, key)
    if outer is not None and bound.kind.loosens(outer.value, value):
        return _(
            "Refused: %(new)s would loosen the %(tier)s rule “%(label)s” set by %(unit)s "
            "(%(rule)s). A lower tier may only tighten it."
        ) % {
            "new": bound.kind.describe(value),
            "tier": outer.set_by.tier,
            "label": bound.label,
            "unit": outer.set_by.name,
            "rule": bound.kind.describe(outer.value),
        }
    return None
