"""Layering, policies, bounds, stale review and audit routes in the isolation matrix."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from glocal import layering
from glocal.layering.models import Bound, OverridePolicy, StaleOverride
from governance import audit
from governance.models import Directive
from tests.isolation.outcomes import (
    BAD,
    BLIND,
    CREATED,
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    REDIRECT,
    SEES,
    UNAUTHENTICATED,
    Outcome,
)
from tests.isolation.routes import (
    ADMIN_404,
    ADMIN_LIST,
    ADMIN_READ,
    ALL_STAFF,
    API_DELETE,
    API_LIST,
    API_READ,
    PAGE_LIST,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
)

NO_CONTENT = Outcome("done", (204,))
SEE_OTHER = Outcome("redirect", (303,))
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
# Read-only models: nobody shares or edits them, but outsiders still get a 404.
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)
API_REVIEW = each(NO_CONTENT, NOT_FOUND, NO_CONTENT, NO_CONTENT, NOT_FOUND, UNAUTHENTICATED)
API_CREATE_AT_FR = each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED)


def extend_ctx(ctx) -> None:
    fr, world = ctx["fr"], ctx["emea"].parent
    core = Directive.objects.create(
        owner_unit=world, title="Core", summary="s", body="b", status="published"
    )
    adaptation = layering.adapt(core, fr, {"title": "Adaptation FR"})
    layering.set_fields(core, {"title": "Core v2"})
    layering.cascade(Directive.objects.get(pk=core.pk), ["title"])
    ctype = ContentType.objects.get_for_model(Directive)
    ctx["adaptation"] = adaptation
    ctx["stale"] = StaleOverride.objects.get(object_id=adaptation.pk, field="title")
    ctx["policy"] = OverridePolicy.objects.create(
        owner_unit=fr, content_type=ctype, field="summary", lowest_tier="REGION"
    )
    ctx["bound"] = Bound.objects.create(
        owner_unit=fr, key="approval.required.campaign_launch", value=True
    )
    ctx["audit"] = audit.record("matrix-marker", unit=fr, note="matrix-audit-marker")


def _detail(route: str, key: str) -> callable:
    return lambda c: f"/api/v1/{route}/{c[key].pk}/"


PROBES = [
    # Layered directive actions
    Probe(
        "api/v1/^directives/(?P<pk>[^/.]+)/governance/$",
        lambda c: f"/api/v1/directives/{c['adaptation'].pk}/governance/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^directives/(?P<pk>[^/.]+)/revert/$",
        lambda c: f"/api/v1/directives/{c['adaptation'].pk}/revert/",
        API_READ,
        method="post",
        data=lambda c: {"fields": ["title"]},
        api=True,
    ),
    Probe(
        "api/v1/^directives/(?P<pk>[^/.]+)/keep/$",
        lambda c: f"/api/v1/directives/{c['adaptation'].pk}/keep/",
        API_READ,
        method="post",
        data=lambda c: {"fields": ["title"]},
        api=True,
    ),
    Probe(
        "api/v1/^directives/(?P<pk>[^/.]+)/locks/$",
        lambda c: f"/api/v1/directives/{c['adaptation'].pk}/locks/",
        API_READ,
        method="post",
        data=lambda c: {"lock": ["summary"]},
        api=True,
    ),
    # Override policies
    Probe(
        "api/v1/^override-policies/$",
        lambda c: "/api/v1/override-policies/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["policy"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^override-policies/$",
        lambda c: "/api/v1/override-policies/",
        API_CREATE_AT_FR,
        method="post",
        data=lambda c: {
            "owner_unit": c["fr"].pk,
            "content_type": "governance.directive",
            "field": "title",
            "lowest_tier": "REGION",
        },
        api=True,
        label="(at fr)",
    ),
    Probe(
        "api/v1/^override-policies/(?P<pk>[^/.]+)/$",
        _detail("override-policies", "policy"),
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^override-policies/(?P<pk>[^/.]+)/$",
        _detail("override-policies", "policy"),
        API_READ,
        method="patch",
        data=lambda c: {"lowest_tier": "GLOBAL"},
        api=True,
    ),
    Probe(
        "api/v1/^override-policies/(?P<pk>[^/.]+)/$",
        _detail("override-policies", "policy"),
        API_DELETE,
        method="delete",
        api=True,
    ),
    # Stale override review queue
    Probe(
        "api/v1/^stale-overrides/$",
        lambda c: "/api/v1/stale-overrides/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["stale"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^stale-overrides/(?P<pk>[^/.]+)/$",
        _detail("stale-overrides", "stale"),
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^stale-overrides/(?P<pk>[^/.]+)/accept/$",
        lambda c: f"/api/v1/stale-overrides/{c['stale'].pk}/accept/",
        API_REVIEW,
        method="post",
        api=True,
    ),
    Probe(
        "api/v1/^stale-overrides/(?P<pk>[^/.]+)/keep/$",
        lambda c: f"/api/v1/stale-overrides/{c['stale'].pk}/keep/",
        API_REVIEW,
        method="post",
        api=True,
    ),
    # Bounds
    Probe(
        "api/v1/^bounds/$",
        lambda c: "/api/v1/bounds/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["bound"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^bounds/$",
        lambda c: "/api/v1/bounds/",
        API_CREATE_AT_FR,
        method="post",
        data=lambda c: {
            "owner_unit": c["fr"].pk,
            "key": "approval.required.budget_allocation",
            "value": True,
        },
        api=True,
        label="(at fr)",
    ),
    Probe("api/v1/^bounds/(?P<pk>[^/.]+)/$", _detail("bounds", "bound"), API_READ, api=True),
    Probe(
        "api/v1/^bounds/(?P<pk>[^/.]+)/$",
        _detail("bounds", "bound"),
        API_READ,
        method="patch",
        data=lambda c: {"value": True},
        api=True,
    ),
    Probe(
        "api/v1/^bounds/(?P<pk>[^/.]+)/$",
        _detail("bounds", "bound"),
        API_DELETE,
        method="delete",
        api=True,
    ),
    # Audit trail
    Probe(
        "api/v1/^audit/$",
        lambda c: "/api/v1/audit/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["audit"].pk},',
        api=True,
    ),
    Probe("api/v1/^audit/(?P<pk>[^/.]+)/$", _detail("audit", "audit"), API_READ, api=True),
    Probe(
        "api/v1/^audit/export/$",
        lambda c: "/api/v1/audit/export/",
        API_LIST,
        marker=lambda c: "matrix-audit-marker",
        api=True,
    ),
    # Dashboard
    Probe(
        "governance/directives/<int:pk>/",
        lambda c: f"/governance/directives/{c['adaptation'].pk}/",
        PAGE_DETAIL,
    ),
    Probe(
        "governance/directives/<int:pk>/field/",
        lambda c: f"/governance/directives/{c['adaptation'].pk}/field/",
        each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN),
        method="post",
        data=lambda c: {"field": "title", "operation": "override", "value": "Nouveau"},
    ),
    Probe(
        "governance/review/",
        lambda c: "/governance/review/",
        PAGE_LIST,
        marker=lambda c: f'href="/governance/directives/{c["adaptation"].pk}/"',
    ),
    Probe(
        "governance/rules/",
        lambda c: "/governance/rules/",
        PAGE_LIST,
        marker=lambda c: f'data-id="policy-{c["policy"].pk}"',
    ),
    # Setting a bound: the unit is part of the form; a unit the actor may not configure is
    # refused with a message (tests/governance/test_bounds_pages.py), the page redirects.
    Probe(
        "governance/rules/bounds/",
        lambda c: "/governance/rules/bounds/",
        each(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
        method="post",
        data=lambda c: {
            "owner_unit": c["fr"].pk,
            "key": "approval.required.campaign_launch",
            "value": "yes",
        },
    ),
    Probe(
        "governance/rules/bounds/<int:pk>/delete/",
        lambda c: f"/governance/rules/bounds/{c['bound'].pk}/delete/",
        each(REDIRECT, NOT_FOUND, REDIRECT, REDIRECT, NOT_FOUND, LOGIN),
        method="post",
    ),
    Probe(
        "governance/audit/",
        lambda c: "/governance/audit/",
        PAGE_LIST,
        marker=lambda c: "matrix-audit-marker",
    ),
    # Admin
    *admin_model_probes(
        "glocal/overridepolicy",
        "policy",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "glocal/bound",
        "bound",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "glocal/staleoverride",
        "stale",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "governance/auditentry",
        "audit",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
]

__all__ = ["BLIND", "PROBES", "SEES", "extend_ctx"]
