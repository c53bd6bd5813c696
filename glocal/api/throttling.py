"""Per-user and per-unit quotas, so one hub's integration cannot starve the others."""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    scope = "anon"


class UserThrottle(UserRateThrottle):
    scope = "user"


class UnitThrottle(SimpleRateThrottle):
    """Shared by every caller acting for the same unit (``request.unit``)."""

    scope = "unit"

    def get_cache_key(self, request, view) -> str | None:
        unit = getattr(request, "unit", None)
        if not request.user.is_authenticated or not unit:
            return None
        return self.cache_format % {"scope": self.scope, "ident": unit.pk}
