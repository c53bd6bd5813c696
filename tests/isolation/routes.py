"""Every URL route, with the expected outcome for each actor.

The target of every probe belongs to the ``fr`` unit of Acme. Actors are admins of the
same unit, a sibling local unit, the parent region, the global root, a unit of another
organisation, plus an anonymous visitor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.isolation.outcomes import (
    ADMIN_HIDDEN,
    BAD,
    BLIND,
    CREATED,
    DENIED,
    GONE,
    LOGIN,
    NOT_FOUND,
    OK,
    REDIRECT,
    SEES,
    UNAUTHENTICATED,
    Outcome,
)

ACTORS = {
    "own": "fr-admin",
    "sibling": "de-admin",
    "parent": "emea-admin",
    "global": "global-admin",
    "other_org": "globex-fr-admin",
    "anonymous": None,
}
Ctx = dict[str, Any]


@dataclass
class Probe:
    route: str
    path: Callable[[Ctx], str]
    expect: dict[str, Outcome]
    method: str = "get"
    data: Callable[[Ctx], dict] | None = None
    marker: Callable[[Ctx], str] | None = None
    api: bool = False
    label: str = field(default="")
    #: how an API probe encodes ``data``: "json", or "multipart" for file uploads
    format: str = "json"

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.route}{' ' + self.label if self.label else ''}"


def each(
    own: Outcome,
    sibling: Outcome,
    parent: Outcome,
    global_: Outcome,
    other_org: Outcome,
    anonymous: Outcome,
) -> dict[str, Outcome]:
    return {
        "own": own,
        "sibling": sibling,
        "parent": parent,
        "global": global_,
        "other_org": other_org,
        "anonymous": anonymous,
    }


def everyone(signed_in: Outcome, anonymous: Outcome) -> dict[str, Outcome]:
    return each(signed_in, signed_in, signed_in, signed_in, signed_in, anonymous)


# The tree rule, for reading and for writing, in the API.
API_LIST = each(SEES, BLIND, SEES, SEES, BLIND, UNAUTHENTICATED)
API_READ = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED)
API_DELETE = each(GONE, NOT_FOUND, GONE, GONE, NOT_FOUND, UNAUTHENTICATED)
# The same rule in pages.
PAGE_LIST = each(SEES, BLIND, SEES, SEES, BLIND, LOGIN)
ADMIN_LIST = PAGE_LIST
ADMIN_READ = each(OK, ADMIN_HIDDEN, OK, OK, ADMIN_HIDDEN, LOGIN)
ADMIN_404 = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
STAFF_FORBIDDEN = everyone(DENIED, LOGIN)


def _api(route: str) -> str:
    return f"api/v1/{route}"


API_PROBES = [
    Probe(
        "api/v1/auth/token/",
        lambda c: "/api/v1/auth/token/",
        everyone(OK, OK),
        method="post",
        data=lambda c: {"username": "fr-viewer", "password": c["password"]},
        api=True,
    ),
    Probe(
        "api/v1/auth/token/revoke/",
        lambda c: "/api/v1/auth/token/revoke/",
        everyone(Outcome("revoked", (204,)), UNAUTHENTICATED),
        method="post",
        api=True,
    ),
    Probe("api/v1/me/", lambda c: "/api/v1/me/", everyone(OK, UNAUTHENTICATED), api=True),
    Probe("api/v1/schema/", lambda c: "/api/v1/schema/", everyone(OK, OK), api=True),
    Probe("api/v1/docs/", lambda c: "/api/v1/docs/", everyone(OK, OK), api=True),
    Probe("api/v1/", lambda c: "/api/v1/", everyone(OK, UNAUTHENTICATED), api=True),
    # Units
    Probe(
        "api/v1/^org-units/$",
        lambda c: "/api/v1/org-units/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["fr"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^org-units/$",
        lambda c: "/api/v1/org-units/",
        # Only admins of emea or above may add units under it.
        each(BAD, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"parent": c["emea"].pk, "tier": "LOCAL", "code": "es", "name": "Spain"},
        api=True,
        label="(create under emea)",
    ),
    Probe(
        "api/v1/^org-units/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/org-units/{c['fr'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^org-units/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/org-units/{c['fr'].pk}/",
        API_READ,
        method="patch",
        data=lambda c: {"name": "France SAS"},
        api=True,
    ),
    Probe(
        "api/v1/^org-units/(?P<pk>[^/.]+)/retire/$",
        lambda c: f"/api/v1/org-units/{c['fr'].pk}/retire/",
        # fr's own admin cannot push its data up to a unit it does not configure.
        each(BAD, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"reassign_to": c["de"].pk},
        api=True,
    ),
    Probe(
        "api/v1/^org-units/(?P<pk>[^/.]+)/reactivate/$",
        lambda c: f"/api/v1/org-units/{c['fr'].pk}/reactivate/",
        each(BAD, NOT_FOUND, BAD, BAD, NOT_FOUND, UNAUTHENTICATED),  # fr is active
        method="post",
        api=True,
    ),
    # Memberships
    Probe(
        "api/v1/^memberships/$",
        lambda c: "/api/v1/memberships/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["membership"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^memberships/$",
        lambda c: "/api/v1/memberships/",
        each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"user": "de-viewer", "unit": c["fr"].pk, "role": "viewer"},
        api=True,
        label="(add to fr)",
    ),
    Probe(
        "api/v1/^memberships/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/memberships/{c['membership'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^memberships/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/memberships/{c['membership'].pk}/",
        API_READ,
        method="patch",
        data=lambda c: {"role": "marketer"},
        api=True,
    ),
    Probe(
        "api/v1/^memberships/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/memberships/{c['membership'].pk}/",
        API_DELETE,
        method="delete",
        api=True,
    ),
    # Directives
    Probe(
        "api/v1/^directives/$",
        lambda c: "/api/v1/directives/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["directive"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^directives/$",
        lambda c: "/api/v1/directives/",
        each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"title": "For France", "owner_unit": c["fr"].pk},
        api=True,
        label="(owned by fr)",
    ),
    Probe(
        "api/v1/^directives/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/directives/{c['directive'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^directives/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/directives/{c['directive'].pk}/",
        API_READ,
        method="patch",
        data=lambda c: {"title": "Renamed"},
        api=True,
    ),
    Probe(
        "api/v1/^directives/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/directives/{c['directive'].pk}/",
        API_DELETE,
        method="delete",
        api=True,
    ),
]

PAGE_PROBES = [
    Probe("healthz", lambda c: "/healthz", everyone(OK, OK)),
    Probe("readyz", lambda c: "/readyz", everyone(OK, OK)),
    Probe(
        "i18n/setlang/",
        lambda c: "/i18n/setlang/",
        everyone(REDIRECT, REDIRECT),
        "post",
        data=lambda c: {"language": "fr", "next": "/"},
    ),
    Probe(
        "",
        lambda c: "/",
        PAGE_LIST,
        marker=lambda c: r"<strong>France</strong>",
    ),
    Probe(
        "org/",
        lambda c: "/org/",
        PAGE_LIST,
        marker=lambda c: r"(?<![-\w])fr-viewer",
    ),
    Probe(
        "unit/switch/",
        lambda c: "/unit/switch/",
        everyone(Outcome("switched", (303,)), LOGIN),
        method="post",
        data=lambda c: {"unit": c["fr"].pk, "next": "/"},
    ),
    Probe("login/", lambda c: "/login/", everyone(REDIRECT, OK)),
    Probe("logout/", lambda c: "/logout/", everyone(REDIRECT, REDIRECT), method="post"),
    Probe(
        "governance/",
        lambda c: "/governance/",
        PAGE_LIST,
        marker=lambda c: r"France: matrix draft",
    ),
]


def admin_model_probes(
    app_model: str,
    target: str,
    *,
    changelist: dict[str, Outcome],
    add: dict[str, Outcome],
    change: dict[str, Outcome],
    delete: dict[str, Outcome],
    guarded: dict[str, Outcome] | None = None,
) -> list[Probe]:
    """The standard admin routes of one model, aimed at ``ctx[target]``."""
    base = f"admin/{app_model}/"

    def url(suffix: str) -> Callable[[Ctx], str]:
        return lambda c: (
            f"/{base}{suffix.format(pk=c[target].pk, user=c['user_id'], group=c['group_id'])}"
        )

    probes = [
        Probe(
            base,
            url(""),
            changelist,
            marker=lambda c: rf'href="/{base}{c[target].pk}/change/',
        ),
        Probe(base + "add/", url("add/"), add),
        Probe(base + "<path:object_id>/change/", url("{pk}/change/"), change),
        Probe(base + "<path:object_id>/history/", url("{pk}/history/"), change),
        Probe(base + "<path:object_id>/delete/", url("{pk}/delete/"), delete),
        Probe(
            base + "<path:object_id>/",
            url("{pk}/"),
            everyone(REDIRECT, REDIRECT),  # the admin redirects to .../change/
        ),
    ]
    if guarded is not None:
        probes += [
            Probe(base + "<object_pk>/permissions/", url("{pk}/permissions/"), guarded),
            Probe(
                base + "<object_pk>/permissions/user-manage/<user_id>/",
                url("{pk}/permissions/user-manage/{user}/"),
                guarded,
            ),
            Probe(
                base + "<object_pk>/permissions/group-manage/<group_id>/",
                url("{pk}/permissions/group-manage/{group}/"),
                guarded,
            ),
        ]
    return probes


ACME_ONLY = each(OK, OK, OK, OK, ADMIN_HIDDEN, LOGIN)
ALL_STAFF = everyone(OK, LOGIN)

ADMIN_PROBES = [
    Probe("admin/", lambda c: "/admin/", ALL_STAFF),
    Probe("admin/login/", lambda c: "/admin/login/", everyone(REDIRECT, OK)),
    Probe("admin/logout/", lambda c: "/admin/logout/", everyone(REDIRECT, REDIRECT), "post"),
    Probe("admin/password_change/", lambda c: "/admin/password_change/", ALL_STAFF),
    Probe("admin/password_change/done/", lambda c: "/admin/password_change/done/", ALL_STAFF),
    Probe(
        "admin/autocomplete/",
        lambda c: "/admin/autocomplete/?app_label=glocal&model_name=membership&field_name=unit",
        ADMIN_LIST,  # choices come from the restricted unit changelist
        marker=lambda c: rf'"id": "{c["fr"].pk}"',
    ),
    Probe("admin/jsi18n/", lambda c: "/admin/jsi18n/", ALL_STAFF),
    Probe(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        lambda c: f"/admin/r/{c['unit_ct']}/{c['fr'].pk}/",
        everyone(NOT_FOUND, LOGIN),  # units have no public page
    ),
    Probe(
        "admin/^(?P<app_label>auth|knox|glocal|governance|accounts|content|campaigns|analytics)/$",
        lambda c: "/admin/glocal/",
        ALL_STAFF,
    ),
    Probe("admin/(?P<url>.*)$", lambda c: "/admin/no-such-page/", everyone(NOT_FOUND, LOGIN)),
    *admin_model_probes(
        "glocal/orgunit",
        "fr",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,  # units are retired, never deleted
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "glocal/membership",
        "membership",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "governance/directive",
        "directive",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "glocal/organization",
        "organization",
        changelist=each(SEES, SEES, SEES, SEES, BLIND, LOGIN),
        add=STAFF_FORBIDDEN,
        change=ACME_ONLY,
        delete=STAFF_FORBIDDEN,
    ),
    *admin_model_probes(
        "glocal/workerheartbeat",
        "heartbeat",
        changelist=STAFF_FORBIDDEN,
        add=STAFF_FORBIDDEN,
        change=STAFF_FORBIDDEN,
        delete=STAFF_FORBIDDEN,
    ),
    # Ops-only models: unit admins hold no permission on them.
    *admin_model_probes(
        "auth/user",
        "fr_viewer",
        changelist=STAFF_FORBIDDEN,
        add=STAFF_FORBIDDEN,
        change=STAFF_FORBIDDEN,
        delete=STAFF_FORBIDDEN,
    ),
    Probe(
        "admin/auth/user/<id>/password/",
        lambda c: f"/admin/auth/user/{c['user_id']}/password/",
        STAFF_FORBIDDEN,
    ),
    *admin_model_probes(
        "auth/group",
        "group",
        changelist=STAFF_FORBIDDEN,
        add=STAFF_FORBIDDEN,
        change=STAFF_FORBIDDEN,
        delete=STAFF_FORBIDDEN,
    ),
    *admin_model_probes(
        "knox/authtoken",
        "token",
        changelist=STAFF_FORBIDDEN,
        add=STAFF_FORBIDDEN,
        change=STAFF_FORBIDDEN,
        delete=STAFF_FORBIDDEN,
    ),
]


def _topic_modules() -> list:
    """``tests/isolation/routes_<topic>.py`` modules: each adds ``PROBES`` and may
    define ``extend_ctx(ctx)`` to create the fr-owned targets its probes aim at."""
    import importlib
    import pkgutil

    import tests.isolation as package

    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith("routes_")
    ]


TOPICS = _topic_modules()
PROBES: list[Probe] = (
    API_PROBES
    + PAGE_PROBES
    + ADMIN_PROBES
    + [probe for topic in TOPICS for probe in getattr(topic, "PROBES", [])]
)


def extend_ctx(ctx: Ctx) -> None:
    for topic in TOPICS:
        if hasattr(topic, "extend_ctx"):
            topic.extend_ctx(ctx)
