"""The unit a request acts for: one of the user's memberships, switchable.

Browsers keep it in the session (the unit switcher); API clients send the
``X-Glocal-Unit`` header with a unit code or id. Without either, the user's
highest-tier membership is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glocal.models import OrgUnit, Tier

if TYPE_CHECKING:
    from django.http import HttpRequest

SESSION_KEY = "glocal_unit_id"
HEADER = "HTTP_X_GLOCAL_UNIT"
TIER_ORDER = {Tier.GLOBAL: 0, Tier.REGION: 1, Tier.LOCAL: 2}


class UnknownUnit(LookupError):
    """The requested unit is not one of the user's memberships."""


def member_units(user) -> list[OrgUnit]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = user.__dict__.get("_glocal_member_units")
    if cached is None:
        cached = sorted(
            OrgUnit.objects.filter(memberships__user=user, is_active=True).select_related(
                "organization"
            ),
            key=lambda u: (u.organization.name, TIER_ORDER[u.tier], u.code),
        )
        user._glocal_member_units = cached
    return cached


def find_member_unit(user, ref: str | int) -> OrgUnit:
    """A membership unit by id or code; raises UnknownUnit otherwise."""
    ref = str(ref).strip()
    for unit in member_units(user):
        if ref == str(unit.pk) or ref == unit.code:
            return unit
    raise UnknownUnit(ref)


def resolve(request: HttpRequest, user=None) -> OrgUnit | None:
    """The current unit; an explicit header that names no membership raises."""
    user = user if user is not None else request.user
    units = member_units(user)
    if not units:
        return None
    requested = request.META.get(HEADER)
    if requested:
        return find_member_unit(user, requested)
    session = getattr(request, "session", None)
    stored = session.get(SESSION_KEY) if session is not None else None
    if stored is not None:
        try:
            return find_member_unit(user, stored)
        except UnknownUnit:
            session.pop(SESSION_KEY, None)
    return units[0]


def switch(request: HttpRequest, ref: str | int) -> OrgUnit:
    unit = find_member_unit(request.user, ref)
    request.session[SESSION_KEY] = unit.pk
    return unit


def resolve_default(request: HttpRequest) -> OrgUnit | None:
    units = member_units(request.user)
    return units[0] if units else None
