from __future__ import annotations

from django.http import HttpRequest

from glocal import current_unit


def tenancy(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_unit": getattr(request, "unit", None),
        "member_units": current_unit.member_units(user),
    }
