from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from glocal import changes, current_unit


class CurrentUnitMiddleware:
    """Attach ``request.unit`` and the acting user (the API sets both again after auth)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        def _unit():
            try:
                return current_unit.resolve(request)
            except current_unit.UnknownUnit:
                return current_unit.resolve_default(request)

        request.unit = SimpleLazyObject(_unit)
        user = getattr(request, "user", None)
        with changes.acting_as(user if getattr(user, "is_authenticated", False) else None):
            return self.get_response(request)
