"""RACI use-cases: the default matrix, effective rules and the units behind the letters.

Layers, nearest first, for an action at unit U:

1. a rule owned by U's region, if the root's rule for that activity lets regions tailor;
2. the rule owned by the organisation's root;
3. the built-in default below (``DEFAULTS``), derived from DESIGN section 1.

Letters are per tier. At a scope S a tier resolves to the unit of that tier on S's chain
to the root. A tier *below* S's tier has no unit on that chain: R and A then mean S
itself (whoever acts for a whole subtree answers for it), while C and I reach every
active unit of that tier under S (a global strategy consults all regions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from glocal.models import OrgUnit, Tier
from governance.models.raci import TIER_FIELDS, Activity, RaciRule

#: activity → (global, region, local letters, regions may tailor)
DEFAULTS: dict[str, tuple[str, str, str, bool]] = {
    # Global centre of excellence: strategy, methodology, technology, core content, KPIs,
    # consolidated reporting. Regions are consulted, locals informed.
    Activity.ABM_STRATEGY: ("RA", "C", "I", False),
    Activity.METHODOLOGY: ("RA", "C", "I", False),
    Activity.TECHNOLOGY: ("RA", "C", "I", False),
    Activity.CORE_CONTENT: ("RA", "C", "I", False),
    Activity.KPI_DEFINITIONS: ("RA", "C", "I", False),
    Activity.CONSOLIDATED_REPORTING: ("RA", "C", "I", False),
    # Regional hubs: adaptation, coordination, regional content, communities of practice.
    Activity.REGIONAL_ADAPTATION: ("C", "RA", "I", True),
    Activity.REGIONAL_COORDINATION: ("I", "RA", "C", True),
    Activity.REGIONAL_CONTENT: ("C", "RA", "I", True),
    Activity.COMMUNITIES_OF_PRACTICE: ("I", "RA", "C", True),
    # Local teams: selection, personalisation, relationship, channel and timing, feedback.
    Activity.TARGET_ACCOUNT_SELECTION: ("I", "C", "RA", True),
    Activity.ACCOUNT_PERSONALISATION: ("", "C", "RA", True),
    Activity.CLIENT_RELATIONSHIP: ("", "I", "RA", True),
    Activity.CHANNEL_AND_TIMING: ("", "C", "RA", True),
    Activity.FIELD_FEEDBACK: ("I", "I", "RA", True),
    # Shared: money is decided at the top; launches and publications by the region.
    Activity.BUDGET_ALLOCATION: ("A", "R", "C", False),
    Activity.CAMPAIGN_LAUNCH: ("I", "A", "R", True),
    Activity.CONTENT_PUBLICATION: ("C", "A", "R", True),
}
TIER_DEPTH = {Tier.GLOBAL: 0, Tier.REGION: 1, Tier.LOCAL: 2}


def chain(unit: OrgUnit) -> list[OrgUnit]:
    """``unit`` and its ancestors, nearest first (at most three units)."""
    units = [unit]
    while units[-1].parent_id is not None:
        units.append(units[-1].parent)
    return units


def default_rule(root: OrgUnit, activity: str) -> RaciRule:
    """The built-in rule for ``activity`` as an unsaved row owned by ``root``."""
    global_letters, region_letters, local_letters, tailor = DEFAULTS[Activity(activity)]
    return RaciRule(
        owner_unit=root,
        activity=activity,
        global_letters=global_letters,
        region_letters=region_letters,
        local_letters=local_letters,
        regions_may_tailor=tailor,
    )


def root_rule(unit: OrgUnit, activity: str) -> RaciRule:
    """The organisation-wide rule for ``activity``: the root's row, else the default."""
    root = chain(unit)[-1]
    row = RaciRule.objects.filter(owner_unit=root, activity=activity).first()
    return row or default_rule(root, activity)


@dataclass
class EffectiveRule:
    """The rule that applies at a unit, and where it comes from."""

    rule: RaciRule
    #: the unit whose row applies; ``None`` for the built-in default
    source: OrgUnit | None
    #: a region's row ignored because the root no longer lets regions tailor
    suspended: RaciRule | None = None

    @property
    def activity(self) -> str:
        return self.rule.activity

    @property
    def is_default(self) -> bool:
        return self.source is None


def effective_matrix(
    unit: OrgUnit, activities: Iterable[str] | None = None
) -> dict[str, EffectiveRule]:
    """Every activity's effective rule at ``unit`` (one query for the rows)."""
    units = chain(unit)
    root = units[-1]
    wanted = list(activities) if activities is not None else list(Activity.values)
    rows = RaciRule.objects.filter(
        owner_unit__in=[u.pk for u in units], activity__in=wanted
    ).select_related("owner_unit")
    by_unit: dict[int, dict[str, RaciRule]] = {}
    for row in rows:
        by_unit.setdefault(row.owner_unit_id, {})[row.activity] = row
    root_rows = by_unit.get(root.pk, {})
    result: dict[str, EffectiveRule] = {}
    for activity in wanted:
        base = root_rows.get(activity)
        effective = EffectiveRule(
            rule=base or default_rule(root, activity), source=root if base else None
        )
        for candidate in units[:-1]:  # nearest first, below the root
            tailored = by_unit.get(candidate.pk, {}).get(activity)
            if tailored is None:
                continue
            if effective.rule.regions_may_tailor:
                effective = EffectiveRule(rule=tailored, source=candidate)
            else:
                effective.suspended = tailored
            break
        result[activity] = effective
    return result


def effective_rule(unit: OrgUnit, activity: str) -> EffectiveRule:
    return effective_matrix(unit, [Activity(activity)])[activity]


@dataclass
class Parties:
    """The concrete units behind the letters for one activity at one scope."""

    activity: str
    scope: OrgUnit
    effective: EffectiveRule
    accountable: OrgUnit
    responsible: list[OrgUnit] = field(default_factory=list)
    consulted: list[OrgUnit] = field(default_factory=list)
    informed: list[OrgUnit] = field(default_factory=list)

    def letters_of(self, unit_id: int) -> str:
        letters = ""
        if any(u.pk == unit_id for u in self.responsible):
            letters += "R"
        if self.accountable.pk == unit_id:
            letters += "A"
        if any(u.pk == unit_id for u in self.consulted):
            letters += "C"
        if any(u.pk == unit_id for u in self.informed):
            letters += "I"
        return letters


def _units_below(scope: OrgUnit, tier: str) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(
            Q(parent=scope) | Q(parent__parent=scope), tier=tier, is_active=True
        ).order_by("code")
    )


def _unique(units: Iterable[OrgUnit], exclude: set[int]) -> list[OrgUnit]:
    seen = set(exclude)
    result = []
    for unit in units:
        if unit.pk not in seen:
            seen.add(unit.pk)
            result.append(unit)
    return result


def parties(scope: OrgUnit, activity: str, effective: EffectiveRule | None = None) -> Parties:
    """Resolve the effective rule's tiers to units for an action at ``scope``."""
    effective = effective or effective_rule(scope, activity)
    rule = effective.rule
    on_chain = {unit.tier: unit for unit in chain(scope)}
    accountable = scope
    responsible: list[OrgUnit] = []
    consulted: list[OrgUnit] = []
    informed: list[OrgUnit] = []
    for tier in TIER_FIELDS:
        letters = rule.letters(tier)
        if not letters:
            continue
        if tier in on_chain:
            acting = spread = [on_chain[tier]]
        else:  # a tier below the scope: see the module docstring
            acting, spread = [scope], _units_below(scope, tier)
        if "A" in letters:
            accountable = acting[0]
        if "R" in letters:
            responsible += acting
        if "C" in letters:
            consulted += spread
        if "I" in letters:
            informed += spread
    responsible = _unique(responsible, set())
    deciders = {accountable.pk, *(u.pk for u in responsible)}
    consulted = _unique(consulted, deciders)
    informed = _unique(informed, deciders | {u.pk for u in consulted})
    return Parties(
        activity=activity,
        scope=scope,
        effective=effective,
        accountable=accountable,
        responsible=responsible,
        consulted=consulted,
        informed=informed,
    )


def may_edit_matrix(user: Any, scope: OrgUnit) -> bool:
    """Admins of the scope (or of a unit above it) edit the scope's matrix."""
    if scope.tier == Tier.LOCAL:
        return False
    return OrgUnit.objects.restrict(user, "configure").filter(pk=scope.pk).exists()


class MatrixInvalid(ValidationError):
    """Some rows of a matrix edit are invalid; ``rows`` maps activity → field errors."""

    def __init__(self, rows: dict[str, ValidationError]):
        self.rows = rows
        super().__init__({activity: error.messages for activity, error in rows.items()})


@transaction.atomic
def save_matrix(scope: OrgUnit, rows: Mapping[str, Mapping[str, Any] | None]) -> int:
    """Write several rules of one scope at once; all or nothing.

    ``rows`` maps an activity to its values (letters, ``regions_may_tailor``) or to
    ``None`` to drop the scope's own row (a region stops tailoring; the root falls back
    to the built-in default). Returns the number of rows written or removed.
    """
    existing = {row.activity: row for row in RaciRule.objects.filter(owner_unit=scope)}
    errors: dict[str, ValidationError] = {}
    to_save: list[RaciRule] = []
    to_delete: list[RaciRule] = []
    for activity, values in rows.items():
        row = existing.get(activity)
        if values is None:
            if row is not None:
                to_delete.append(row)
            continue
        if row is None:
            row = RaciRule(owner_unit=scope, activity=activity)
        changed = row.pk is None
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if not changed:
            continue
        try:
            row.full_clean()
        except ValidationError as exc:
            errors[activity] = exc
        else:
            to_save.append(row)
    if errors:
        raise MatrixInvalid(errors)
    for row in to_save:
        row.save()
    for row in to_delete:
        row.delete()
    return len(to_save) + len(to_delete)


def install_default_matrix(root: OrgUnit) -> int:
    """Give an organisation's root its editable copy of the default matrix (idempotent)."""
    present = set(RaciRule.objects.filter(owner_unit=root).values_list("activity", flat=True))
    created = 0
    for activity in Activity.values:
        if activity not in present:
            default_rule(root, activity).save()
            created += 1
    return created
