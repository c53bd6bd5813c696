"""Ideal customer profile: criteria set at the organisation's root, tightened by regions.

Each criterion is a bound of ``glocal.layering.bounds`` (tighten, never loosen), so a
region that tries to widen the root's industries or lower its revenue floor is refused
by ``Bound.clean()`` with the global rule named — in the API, the admin and the
dashboard alike. This module reads the *effective* criteria of a unit and says where
an account falls outside them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from glocal.layering import bounds

INDUSTRIES = bounds.declare("accounts.icp.industries", bounds.ALLOWED, _("ICP industries"))
COUNTRIES = bounds.declare("accounts.icp.countries", bounds.ALLOWED, _("ICP countries"))
EMPLOYEE_BANDS = bounds.declare(
    "accounts.icp.employee_bands", bounds.ALLOWED, _("ICP employee bands")
)
MIN_REVENUE = bounds.declare(
    "accounts.icp.min_revenue",
    bounds.MIN,
    _("ICP minimum annual revenue (organisation's reporting currency)"),
)

#: criterion → (bound, account field it reads)
CRITERIA: dict[str, tuple[bounds.BoundSpec, str]] = {
    "industry": (INDUSTRIES, "industry"),
    "country": (COUNTRIES, "country"),
    "employee_band": (EMPLOYEE_BANDS, "employee_band"),
    "revenue": (MIN_REVENUE, "annual_revenue"),
}
KEYS = [spec.key for spec, _field in CRITERIA.values()]


@dataclass(frozen=True)
class Rule:
    """One effective criterion and the unit whose value binds."""

    spec: bounds.BoundSpec
    value: Any
    set_by: Any  # OrgUnit

    def describe(self) -> str:
        return gettext("the rule “%(label)s” set by %(unit)s (%(rule)s)") % {
            "label": self.spec.label,
            "unit": self.set_by.name,
            "rule": self.spec.kind.describe(self.value),
        }


@dataclass(frozen=True)
class Criteria:
    """The effective ICP at one unit; a criterion nobody set is absent."""

    rules: dict[str, Rule] = field(default_factory=dict)
    currency: str = ""

    def rule(self, key: str) -> Rule | None:
        return self.rules.get(key)

    @functools.cached_property
    def defined(self) -> tuple[tuple[str, Rule], ...]:
        """(criterion, rule) of each criterion set somewhere up the tree, in order."""
        return tuple(
            (criterion, self.rules[spec.key])
            for criterion, (spec, _attr) in CRITERIA.items()
            if spec.key in self.rules
        )


def _chain(unit) -> list:
    """Root first; the tree is at most three deep."""
    chain = []
    node = unit
    while node is not None:
        chain.append(node)
        node = node.parent
    chain.reverse()
    return chain


def criteria_for(unit) -> Criteria:
    """The effective criteria at ``unit`` in one query for every key.

    Same combination as ``bounds.effective`` (the tighter value wins, and the unit that
    tightened it is the one named), batched because fit scoring reads every key.
    """
    from glocal.layering.models import Bound

    chain = _chain(unit)
    by_unit = {node.pk: node for node in chain}
    rows = Bound.objects.filter(key__in=KEYS, owner_unit_id__in=by_unit).values_list(
        "key", "owner_unit_id", "value"
    )
    values: dict[str, dict[int, Any]] = {}
    for key, unit_id, value in rows:
        values.setdefault(key, {})[unit_id] = value
    rules: dict[str, Rule] = {}
    for key, per_unit in values.items():
        spec = bounds.spec(key)
        current: Rule | None = None
        for node in chain:
            if node.pk not in per_unit:
                continue
            value = spec.kind.normalise(per_unit[node.pk])
            if current is None:
                current = Rule(spec, value, node)
            else:
                combined = spec.kind.combine(current.value, value)
                if combined != current.value:
                    current = Rule(spec, combined, node)
        if current is not None:
            rules[key] = current
    currency = unit.organization.reporting_currency if unit is not None else ""
    return Criteria(rules, currency)


def _meets(criterion: str, rule: Rule, account, currency: str) -> bool:
    """Whether ``account`` meets one rule (the fit score needs no reasons)."""
    value = getattr(account, CRITERIA[criterion][1])
    if criterion == "revenue":
        if value is None:
            return False
        if account.revenue_currency and currency and account.revenue_currency != currency:
            return False
        return Decimal(value) >= Decimal(str(rule.value))
    return bool(value) and value in rule.value


def _why_not(criterion: str, account, currency: str) -> str:
    """Why ``account`` misses a rule it was found not to meet."""
    attr = CRITERIA[criterion][1]
    value = getattr(account, attr)
    if criterion == "revenue":
        if value is None:
            return gettext("its annual revenue is unknown")
        if account.revenue_currency and currency and account.revenue_currency != currency:
            return gettext(
                "its revenue is in %(have)s and cannot be compared with a rule in %(want)s"
            ) % {"have": account.revenue_currency, "want": currency}
        return gettext("its annual revenue is %(value)s") % {"value": value}
    label = account._meta.get_field(attr).verbose_name
    if not value:
        return gettext("its %(field)s is not given") % {"field": label}
    return gettext("its %(field)s is %(value)s") % {"field": label, "value": value}


def met(account, criteria: Criteria) -> dict[str, bool]:
    """Per defined criterion: whether the account meets it."""
    return {c: _meets(c, rule, account, criteria.currency) for c, rule in criteria.defined}


def evaluate(account, criteria: Criteria) -> dict[str, tuple[bool, str]]:
    """Per defined criterion: (met, why not)."""
    return {
        criterion: (True, "") if ok else (False, _why_not(criterion, account, criteria.currency))
        for criterion, ok in met(account, criteria).items()
    }


def check_account(account, criteria: Criteria | None = None) -> dict[str, str]:
    """Why ``account`` is outside its unit's ICP, as field errors (empty when inside).

    Each message names the rule and the unit that set it, so a local marketer knows
    whom to ask.
    """
    criteria = criteria if criteria is not None else criteria_for(account.owner_unit)
    errors: dict[str, str] = {}
    for criterion, (met, why) in evaluate(account, criteria).items():
        if met:
            continue
        spec, attr = CRITERIA[criterion]
        rule = criteria.rule(spec.key)
        errors[attr] = gettext("Outside the ICP: %(why)s; %(rule)s.") % {
            "why": why,
            "rule": rule.describe(),
        }
    return errors
