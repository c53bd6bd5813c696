"""``authorize(user, activity, scope)``: may this user do this here, and on whose word?

The rule (DESIGN section 5): the user must act from a unit that is R or A for the
activity at the scope.

* a manager (or admin) of the **A** unit may act: ``allowed``;
* a marketer or above of an **R** unit (or of the A unit, below manager) may ask:
  ``needs_approval`` — the request goes to the A unit's managers;
* anyone else: ``forbidden`` (viewers, consulted and informed units, other units).

Membership counts only in the resolved unit itself: a manager of Global is not the
accountable manager for a French campaign launch when the matrix gives it to EMEA.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from glocal.models import OrgUnit
from glocal.tenancy import Role, scope_for
from governance import raci
from governance.models.raci import Activity


class Outcome(StrEnum):
    ALLOWED = "allowed"
    NEEDS_APPROVAL = "needs_approval"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Authorization:
    outcome: Outcome
    reason: str
    activity: str
    scope: OrgUnit
    parties: raci.Parties
    #: the unit the user acts from (``None`` when forbidden)
    acting_unit: OrgUnit | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == Outcome.ALLOWED

    @property
    def needs_approval(self) -> bool:
        return self.outcome == Outcome.NEEDS_APPROVAL

    @property
    def forbidden(self) -> bool:
        return self.outcome == Outcome.FORBIDDEN

    @property
    def accountable(self) -> OrgUnit:
        return self.parties.accountable


def _names(units: list[OrgUnit]) -> str:
    return ", ".join(unit.name for unit in units) or _("nobody")


def authorize(
    user: Any,
    activity: str,
    scope: OrgUnit | None,
    target: Any = None,
    *,
    acting_unit: OrgUnit | None = None,
) -> Authorization:
    """Decide whether ``user`` may perform ``activity`` at ``scope`` (or at the target's
    owner unit). ``acting_unit`` limits the decision to one of the user's units (the
    unit the request acts for); by default any of the user's units may qualify."""
    activity = Activity(activity)
    if scope is None:
        if target is None:
            raise ValueError("authorize() needs a scope or a target with an owner unit")
        scope = target.owner_unit
    parties = raci.parties(scope, activity)
    accountable = parties.accountable
    label = activity.label

    def result(outcome: Outcome, reason: str, unit: OrgUnit | None = None) -> Authorization:
        return Authorization(outcome, reason, activity, scope, parties, unit)

    managers = set(scope_for(user, Role.MANAGER).member)
    doers = set(scope_for(user, Role.MARKETER).member)
    members = set(scope_for(user, Role.VIEWER).member)
    if acting_unit is not None:
        if acting_unit.pk not in members:
            return result(
                Outcome.FORBIDDEN,
                _("You are not a member of %(unit)s.") % {"unit": acting_unit.name},
            )
        managers &= {acting_unit.pk}
        doers &= {acting_unit.pk}
        members &= {acting_unit.pk}

    params = {"activity": label, "scope": scope.name, "accountable": accountable.name}
    if accountable.pk in managers:
        return result(
            Outcome.ALLOWED,
            _(
                "%(accountable)s is accountable for %(activity)s at %(scope)s and you are "
                "one of its managers."
            )
            % params,
            accountable,
        )
    candidates = [*parties.responsible, accountable]
    for unit in candidates:
        if unit.pk not in doers:
            continue
        if any(u.pk == unit.pk for u in parties.responsible):
            reason = _(
                "%(unit)s is responsible for %(activity)s at %(scope)s; the managers of "
                "%(accountable)s must approve."
            )
        else:
            reason = _(
                "Only the managers of %(accountable)s decide %(activity)s at %(scope)s; "
                "your request goes to them."
            )
        return result(Outcome.NEEDS_APPROVAL, reason % {**params, "unit": unit.name}, unit)
    for unit in candidates:
        if unit.pk in members:
            return result(
                Outcome.FORBIDDEN,
                _(
                    "Your role in %(unit)s only lets you view; %(activity)s needs a marketer "
                    "or above."
                )
                % {**params, "unit": unit.name},
            )
    params["responsible"] = _names(parties.responsible)
    for unit in parties.consulted:
        if unit.pk in members:
            return result(
                Outcome.FORBIDDEN,
                _(
                    "%(unit)s is only consulted on %(activity)s at %(scope)s; "
                    "%(responsible)s does it and %(accountable)s decides."
                )
                % {**params, "unit": unit.name},
            )
    for unit in parties.informed:
        if unit.pk in members:
            return result(
                Outcome.FORBIDDEN,
                _(
                    "%(unit)s is only informed of %(activity)s at %(scope)s; "
                    "%(responsible)s does it and %(accountable)s decides."
                )
                % {**params, "unit": unit.name},
            )
    return result(
        Outcome.FORBIDDEN,
        _(
            "None of your units is responsible or accountable for %(activity)s at %(scope)s "
            "(responsible: %(responsible)s; accountable: %(accountable)s)."
        )
        % params,
    )
