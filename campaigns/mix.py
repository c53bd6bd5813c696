"""Channel-mix guardrails: bounds declared here, enforced on campaigns and touches.

Every rule is a ``glocal.layering.bounds`` bound, so a region or local unit may only
tighten what its ancestors set (the registry refuses a loosening value, naming the rule
and the unit that set it). Keys:

* ``campaigns.channels.allowed`` — channels a unit may use at all (ALLOWED);
* ``campaigns.share.max.<channel>`` / ``campaigns.share.min.<channel>`` — share of a
  campaign's touches on that channel, 0-1 (MAX / MIN);
* ``campaigns.lawful_basis.<channel>`` — lawful bases accepted for that channel
  (ALLOWED; unset: consent only, see ``campaigns.gates``);
* ``campaigns.frequency.account_7d`` / ``campaigns.frequency.family_7d`` — touches per
  account (per account family) in any 7 days, across all campaigns (MAX);
* ``campaigns.hours.start`` / ``campaigns.hours.end`` — allowed local send hours
  (MIN start, MAX end; unset: 09-18);
* ``campaigns.days.allowed`` — weekdays touches go out on (ALLOWED, ``mon`` … ``sun``;
  unset: Monday to Friday — markets with a Friday-Saturday weekend set their own).

A campaign's *planned mix* is the share of its steps per channel: every step reaches
every contact, so step shares are touch shares.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel, Consent
from campaigns.scheduling import DEFAULT_HOURS, WEEKDAYS
from glocal.changes import acting_as
from glocal.layering import bounds
from glocal.layering.models import Bound
from glocal.models import OrgUnit

ALLOWED_CHANNELS = bounds.declare("campaigns.channels.allowed", bounds.ALLOWED, _("Channels"))
MAX_SHARE = {
    c: bounds.declare(
        f"campaigns.share.max.{c}",
        bounds.MAX,
        format_lazy(_("Maximum share of touches on {channel}"), channel=label),
    )
    for c, label in Channel.choices
}
MIN_SHARE = {
    c: bounds.declare(
        f"campaigns.share.min.{c}",
        bounds.MIN,
        format_lazy(_("Minimum share of touches on {channel}"), channel=label),
    )
    for c, label in Channel.choices
}
LAWFUL_BASES = {
    c: bounds.declare(
        f"campaigns.lawful_basis.{c}",
        bounds.ALLOWED,
        format_lazy(_("Lawful bases accepted for {channel}"), channel=label),
    )
    for c, label in Channel.choices
}
ACCOUNT_CAP = bounds.declare(
    "campaigns.frequency.account_7d", bounds.MAX, _("Touches per account in 7 days")
)
FAMILY_CAP = bounds.declare(
    "campaigns.frequency.family_7d", bounds.MAX, _("Touches per account family in 7 days")
)
HOURS_START = bounds.declare("campaigns.hours.start", bounds.MIN, _("Earliest local send hour"))
HOURS_END = bounds.declare("campaigns.hours.end", bounds.MAX, _("Latest local send hour"))
SEND_DAYS = bounds.declare("campaigns.days.allowed", bounds.ALLOWED, _("Sending weekdays"))
#: how sending days are named in the bound (Monday first, as ``date.weekday()`` counts)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

SHARE_KEYS = {s.key for s in (*MAX_SHARE.values(), *MIN_SHARE.values())}
HOUR_KEYS = {HOURS_START.key, HOURS_END.key}
CAP_KEYS = {ACCOUNT_CAP.key, FAMILY_CAP.key}
CHANNEL_LIST_KEYS = {ALLOWED_CHANNELS.key}
BASIS_KEYS = {s.key for s in LAWFUL_BASES.values()}
DAY_KEYS = {SEND_DAYS.key}
ALL_KEYS = SHARE_KEYS | HOUR_KEYS | CAP_KEYS | CHANNEL_LIST_KEYS | BASIS_KEYS | DAY_KEYS


@dataclass(frozen=True)
class Rule:
    """An effective bound: its spec, its binding value and the unit that set it."""

    spec: bounds.BoundSpec
    value: Any
    set_by: OrgUnit

    def describe(self) -> str:
        return gettext("“%(label)s” = %(rule)s, set by %(unit)s (%(tier)s)") % {
            "label": self.spec.label,
            "rule": self.spec.kind.describe(self.value),
            "unit": self.set_by.name,
            "tier": self.set_by.tier,
        }


@dataclass
class MixRules:
    """Every effective campaign bound of one unit, loaded once (per planning chunk)."""

    unit: OrgUnit
    rules: dict[str, Rule] = field(default_factory=dict)

    def get(self, spec: bounds.BoundSpec) -> Rule | None:
        return self.rules.get(spec.key)

    @property
    def hours(self) -> tuple[int, int]:
        start = self.get(HOURS_START)
        end = self.get(HOURS_END)
        return (
            int(start.value) if start else DEFAULT_HOURS[0],
            int(end.value) if end else DEFAULT_HOURS[1],
        )

    @property
    def days(self) -> frozenset[int]:
        rule = self.get(SEND_DAYS)
        if rule is None:
            return WEEKDAYS
        return frozenset(DAY_NAMES.index(d) for d in rule.value if d in DAY_NAMES)

    def channel_allowed(self, channel: str) -> bool:
        rule = self.get(ALLOWED_CHANNELS)
        return rule is None or channel in rule.value


def rules_for(unit: OrgUnit) -> MixRules:
    """The unit's effective campaign bounds (one query per bound the path sets)."""
    present = set(
        Bound.objects.filter(owner_unit__in=_path(unit), key__in=ALL_KEYS).values_list(
            "key", flat=True
        )
    )
    rules = MixRules(unit)
    for key in present:
        found = bounds.effective(unit, key)
        if found is not None:
            rules.rules[key] = Rule(bounds.spec(key), found.value, found.set_by)
    return rules


def _path(unit: OrgUnit) -> list[int]:
    ids = []
    while unit is not None:
        ids.append(unit.pk)
        unit = unit.parent
    return ids


def planned_mix(steps: list[dict[str, Any]]) -> dict[str, float]:
    """Share of touches per channel for a list of (effective) steps."""
    counts = Counter(step["channel"] for step in steps)
    total = sum(counts.values())
    return {channel: n / total for channel, n in counts.items()} if total else {}


def mix_problems(steps: list[dict[str, Any]], rules: MixRules) -> list[str]:
    """Why a planned mix leaves the bounds, one sentence per bound broken."""
    mix = planned_mix(steps)
    problems = []
    allowed = rules.get(ALLOWED_CHANNELS)
    for channel, share in sorted(mix.items()):
        label = Channel(channel).label
        if allowed is not None and channel not in allowed.value:
            problems.append(
                gettext("%(channel)s is not allowed: %(rule)s.")
                % {"channel": label, "rule": allowed.describe()}
            )
        cap = rules.get(MAX_SHARE[channel])
        if cap is not None and share > cap.value + 1e-9:
            problems.append(
                gettext("%(channel)s takes %(share).0f%% of touches: %(rule)s.")
                % {"channel": label, "share": share * 100, "rule": cap.describe()}
            )
    for channel, spec in MIN_SHARE.items():
        floor = rules.get(spec)
        share = mix.get(channel, 0.0)
        if floor is not None and share + 1e-9 < floor.value:
            problems.append(
                gettext("%(channel)s takes %(share).0f%% of touches: %(rule)s.")
                % {
                    "channel": Channel(channel).label,
                    "share": share * 100,
                    "rule": floor.describe(),
                }
            )
    return problems


def check_mix(campaign, rules: MixRules | None = None) -> None:
    """Refuse a campaign whose planned mix (after local overrides) leaves the bounds."""
    rules = rules or rules_for(campaign.owner_unit)
    problems = mix_problems(campaign.effective_steps(), rules)
    if problems:
        raise ValidationError(
            {"overrides" if campaign.overrides else "playbook": [
                gettext("Refused by the channel mix: %(p)s") % {"p": p} for p in problems
            ]}
        )  # fmt: skip


def check_value(key: str, value: Any) -> str | None:
    """Range checks the generic bound kinds do not know (shares, hours, names)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key in SHARE_KEYS and not (number and 0 <= value <= 1):
        return gettext("A share is a number from 0 to 1.")
    if key in HOUR_KEYS and not (isinstance(value, int) and 0 <= value <= 24):
        return gettext("An hour is a whole number from 0 to 24.")
    if key in CAP_KEYS and not (isinstance(value, int) and value >= 0):
        return gettext("A cap is a whole number, 0 or more.")
    names = CHANNEL_LIST_KEYS | BASIS_KEYS
    if key in names and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        # Checked before the name lookups below, which need hashable items.
        return gettext("Expected a list of names.")
    if key in CHANNEL_LIST_KEYS:
        unknown = sorted(set(value) - set(Channel.values))
        if unknown:
            return gettext("Unknown channels: %(c)s.") % {"c": ", ".join(unknown)}
    if key in DAY_KEYS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return gettext("Expected a list of names.")
    if key in DAY_KEYS and set(value) - set(DAY_NAMES):
        return gettext("Sending days are named %(names)s.") % {"names": ", ".join(DAY_NAMES)}
    if key in BASIS_KEYS:
        unknown = sorted(set(value) - set(Consent.LawfulBasis.values))
        if unknown:
            return gettext("Unknown lawful bases: %(b)s.") % {"b": ", ".join(unknown)}
    return None


@transaction.atomic
def set_rule(user: Any, unit: OrgUnit, key: str, value: Any) -> Bound:
    """Set a unit's channel-mix bound (unit admins only); loosening is refused."""
    if key not in ALL_KEYS:
        raise ValidationError({"key": gettext("Not a channel-mix bound: %(k)s.") % {"k": key}})
    if not OrgUnit.objects.restrict(user, "configure").filter(pk=unit.pk).exists():
        raise PermissionDenied(
            gettext("Only administrators of %(unit)s set its channel mix.") % {"unit": unit.name}
        )
    problem = check_value(key, value)
    if problem:
        raise ValidationError({"value": problem})
    bound = Bound.objects.filter(owner_unit=unit, key=key).first() or Bound(
        owner_unit=unit, key=key
    )
    bound.value = value
    bound.full_clean()  # the bounds registry refuses a value that loosens an ancestor's
    bound.save()
    return bound


@transaction.atomic
def remove_rule(user: Any, unit: OrgUnit, key: str) -> None:
    """Remove a unit's own channel-mix bound (unit admins only).

    Never a loosening past the tree: whatever the units above set still binds.
    """
    if key not in ALL_KEYS:
        raise ValidationError({"key": gettext("Not a channel-mix bound: %(k)s.") % {"k": key}})
    if not OrgUnit.objects.restrict(user, "configure").filter(pk=unit.pk).exists():
        raise PermissionDenied(
            gettext("Only administrators of %(unit)s set its channel mix.") % {"unit": unit.name}
        )
    with acting_as(user):
        deleted, _rows = Bound.objects.filter(owner_unit=unit, key=key).delete()
    if not deleted:
        raise ValidationError(
            {
                "key": gettext("%(unit)s sets no rule %(key)s; what applies is set above it.")
                % {"unit": unit.name, "key": key}
            }
        )


#: what applies where no unit on the path sets a rule (see ``campaigns.gates``)
DEFAULTS = {
    "hours_start": DEFAULT_HOURS[0],
    "hours_end": DEFAULT_HOURS[1],
    # the same as ``gates.DEFAULT_BASES`` (gates import this module, not the reverse)
    "lawful_bases": [Consent.LawfulBasis.CONSENT.value, Consent.LawfulBasis.SEPARATE_CONSENT.value],
}


@dataclass(frozen=True)
class Setting:
    """One unit's own value for a rule on the path from the root."""

    unit: OrgUnit
    value: Any


@dataclass(frozen=True)
class RuleView:
    """A rule as one unit lives with it: binding value, who set it, every level's value."""

    spec: bounds.BoundSpec
    value: Any
    set_by: OrgUnit
    own: Any | None
    chain: list[Setting]

    def describe(self) -> str:
        return self.spec.kind.describe(self.value)


def overview(units: list[OrgUnit]) -> dict[int, list[RuleView]]:
    """Every channel-mix rule binding each of ``units``, with the unit that set it.

    One query for all units (parents preloaded: the tree is at most three deep); values
    are combined by the bounds registry, so this shows exactly what planning enforces.
    """
    chains = {unit.pk: list(reversed(_chain(unit))) for unit in units}
    ids = {node.pk for chain in chains.values() for node in chain}
    own: dict[str, dict[int, Any]] = {}
    for unit_id, key, value in Bound.objects.filter(
        owner_unit_id__in=ids, key__in=ALL_KEYS
    ).values_list("owner_unit_id", "key", "value"):
        own.setdefault(key, {})[unit_id] = value
    found: dict[int, list[RuleView]] = {}
    for unit in units:
        chain = chains[unit.pk]
        views = []
        for key in sorted(own):
            values = own[key]
            effective = bounds.fold(key, chain, values)
            if effective is None:
                continue
            views.append(
                RuleView(
                    spec=bounds.spec(key),
                    value=effective.value,
                    set_by=effective.set_by,
                    own=values.get(unit.pk),
                    chain=[Setting(node, values[node.pk]) for node in chain if node.pk in values],
                )
            )
        found[unit.pk] = views
    return found


def _chain(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and its ancestors, nearest first."""
    nodes = []
    while unit is not None:
        nodes.append(unit)
        unit = unit.parent
    return nodes
