"""What a response must look like for one actor on one route."""

from __future__ import annotations

import re
from dataclasses import dataclass


def _body(response) -> str:
    """The body as text; streamed responses (CSV exports) are consumed once and kept."""
    if not getattr(response, "streaming", False):
        return response.content.decode()
    if not hasattr(response, "consumed_body"):
        response.consumed_body = b"".join(response.streaming_content)
    return response.consumed_body.decode()


@dataclass(frozen=True)
class Outcome:
    name: str
    statuses: tuple[int, ...] = ()
    #: for list/page routes: the target's marker must (True) or must not (False) appear
    listed: bool | None = None
    #: a redirect whose Location must contain this text
    location: str | None = None

    def check(self, response, marker: str | None) -> str | None:
        if self.statuses and response.status_code not in self.statuses:
            return f"expected {self.name} {self.statuses}, got {response.status_code}"
        if self.location is not None:
            where = response.headers.get("Location", "")
            if self.location not in where:
                return f"expected a redirect to {self.location!r}, got {where!r}"
        if self.listed is not None:
            if marker is None:
                return "a list outcome needs a marker"
            found = re.search(marker, _body(response)) is not None
            if found != self.listed:
                return f"target {'missing from' if self.listed else 'leaked into'} the page"
        return None


# API
OK = Outcome("ok", (200,))
CREATED = Outcome("created", (201,))
GONE = Outcome("deleted", (204,))
BAD = Outcome("rejected", (400,))
SEES = Outcome("sees", (200,), listed=True)
BLIND = Outcome("blind", (200,), listed=False)
NOT_FOUND = Outcome("hidden", (404,))
DENIED = Outcome("denied", (403,))
UNAUTHENTICATED = Outcome("unauthenticated", (401,))
# Dashboard and admin
REDIRECT = Outcome("redirect", (301, 302, 303))
LOGIN = Outcome("login", (302,), location="login/")
ADMIN_HIDDEN = Outcome("admin-hidden", (302,), location="/admin/")
