"""Duplicate review, global account plans and family conflicts in the isolation matrix.

The duplicate pair and the family plan are owned by ``fr`` (both accounts, the whole
family, are French). A family conflict always involves two units, so its target sits at
their common unit, EMEA: France itself does not see it, EMEA and above do.
"""

from __future__ import annotations

from accounts.models import Account, AccountPlan, DuplicateCandidate, FamilyConflict
from tests.isolation.outcomes import (
    ADMIN_HIDDEN,
    BAD,
    BLIND,
    CREATED,
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    SEES,
    UNAUTHENTICATED,
    Outcome,
)
from tests.isolation.routes import (
    ADMIN_404,
    ADMIN_LIST,
    ADMIN_READ,
    API_DELETE,
    API_LIST,
    API_READ,
    PAGE_LIST,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
)

SEE_OTHER = Outcome("redirect", (303,))
API_CREATE_AT_FR = each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED)
# Targets at EMEA: neither France nor Germany sees them.
EMEA_LIST = each(BLIND, BLIND, SEES, SEES, BLIND, UNAUTHENTICATED)
EMEA_READ = each(NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED)
PAGE_DECIDE = each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN)


def extend_ctx(ctx) -> None:
    fr, de = ctx["fr"], ctx["de"]
    a = Account.objects.create(owner_unit=fr, name="Matrix Dup", domain="matrix-dup.com")
    b = Account.objects.create(owner_unit=fr, name="Matrix Dup SA", domain="matrix-dup.com")
    ctx["duplicate"] = DuplicateCandidate.objects.create(
        owner_unit=fr, account_a=a, account_b=b, score=0.99, reasons=["domain"]
    )
    ctx["duplicate_keep"] = a
    root = Account.objects.create(owner_unit=fr, name="Matrix Family", domain="matrix-fam.com")
    Account.objects.create(owner_unit=fr, name="Matrix Family Lyon", parent=root)
    ctx["plan"] = AccountPlan.objects.create(owner_unit=fr, account=root, objectives="Matrix")
    ctx["plan_root"] = Account.objects.create(owner_unit=fr, name="Matrix Family Two")
    german = Account.objects.create(owner_unit=de, name="Matrix Dup GmbH", lifecycle="selected")
    ctx["conflict"] = FamilyConflict.objects.create(
        owner_unit=ctx["emea"],
        kind="same_company",
        key="matrix-dup.com",
        account_a=a,
        account_b=german,
    )


def _api(route: str, path) -> dict:
    return {"route": f"api/v1/^{route}", "path": path, "api": True}


PROBES = [
    # Duplicate review queue
    Probe(
        **_api("duplicates/$", lambda c: "/api/v1/duplicates/?page_size=500"),
        expect=API_LIST,
        marker=lambda c: rf'"id":{c["duplicate"].pk},',
    ),
    Probe(
        **_api("duplicates/(?P<pk>[^/.]+)/$", lambda c: f"/api/v1/duplicates/{c['duplicate'].pk}/"),
        expect=API_READ,
    ),
    Probe(
        **_api(
            "duplicates/(?P<pk>[^/.]+)/merge/$",
            lambda c: f"/api/v1/duplicates/{c['duplicate'].pk}/merge/",
        ),
        expect=API_READ,
        method="post",
        data=lambda c: {"survivor": c["duplicate_keep"].pk},
    ),
    Probe(
        **_api(
            "duplicates/(?P<pk>[^/.]+)/dismiss/$",
            lambda c: f"/api/v1/duplicates/{c['duplicate'].pk}/dismiss/",
        ),
        expect=API_READ,
        method="post",
        data=lambda c: {"note": "matrix"},
    ),
    # Global account plans
    Probe(
        **_api("account-plans/$", lambda c: "/api/v1/account-plans/?page_size=500"),
        expect=API_LIST,
        marker=lambda c: rf'"id":{c["plan"].pk},',
    ),
    Probe(
        **_api("account-plans/$", lambda c: "/api/v1/account-plans/"),
        expect=API_CREATE_AT_FR,
        method="post",
        data=lambda c: {"account": c["plan_root"].pk, "objectives": "Matrix"},
        label="(family in fr)",
    ),
    Probe(
        **_api(
            "account-plans/(?P<pk>[^/.]+)/$", lambda c: f"/api/v1/account-plans/{c['plan'].pk}/"
        ),
        expect=API_READ,
    ),
    Probe(
        **_api(
            "account-plans/(?P<pk>[^/.]+)/$", lambda c: f"/api/v1/account-plans/{c['plan'].pk}/"
        ),
        expect=API_READ,
        method="patch",
        data=lambda c: {"strategy": "Matrix strategy"},
    ),
    Probe(
        **_api(
            "account-plans/(?P<pk>[^/.]+)/$", lambda c: f"/api/v1/account-plans/{c['plan'].pk}/"
        ),
        expect=API_DELETE,
        method="delete",
    ),
    # Family conflicts (at EMEA)
    Probe(
        **_api("family-conflicts/$", lambda c: "/api/v1/family-conflicts/?page_size=500"),
        expect=EMEA_LIST,
        marker=lambda c: rf'"id":{c["conflict"].pk},',
    ),
    Probe(
        **_api(
            "family-conflicts/(?P<pk>[^/.]+)/$",
            lambda c: f"/api/v1/family-conflicts/{c['conflict'].pk}/",
        ),
        expect=EMEA_READ,
    ),
    Probe(
        **_api(
            "family-conflicts/(?P<pk>[^/.]+)/resolve/$",
            lambda c: f"/api/v1/family-conflicts/{c['conflict'].pk}/resolve/",
        ),
        expect=EMEA_READ,
        method="post",
        data=lambda c: {"note": "matrix"},
    ),
]

PROBES += [
    # Dashboard
    Probe(
        "accounts/duplicates/",
        lambda c: "/accounts/duplicates/",
        PAGE_LIST,
        marker=lambda c: f'id="duplicate-{c["duplicate"].pk}"',
    ),
    Probe(
        "accounts/duplicates/<int:pk>/merge/",
        lambda c: f"/accounts/duplicates/{c['duplicate'].pk}/merge/",
        PAGE_DECIDE,
        method="post",
        data=lambda c: {"survivor": c["duplicate_keep"].pk},
    ),
    Probe(
        "accounts/duplicates/<int:pk>/dismiss/",
        lambda c: f"/accounts/duplicates/{c['duplicate'].pk}/dismiss/",
        PAGE_DECIDE,
        method="post",
        data=lambda c: {"note": "matrix"},
    ),
    Probe(
        "accounts/families/",
        lambda c: "/accounts/families/",
        PAGE_LIST,
        marker=lambda c: f'data-id="plan-{c["plan"].pk}"',
    ),
]

READ_ONLY = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)
EMEA_ADMIN_LIST = each(BLIND, BLIND, SEES, SEES, BLIND, LOGIN)
EMEA_ADMIN_READ = each(ADMIN_HIDDEN, ADMIN_HIDDEN, OK, OK, ADMIN_HIDDEN, LOGIN)
EMEA_GUARDED = each(NOT_FOUND, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)

PROBES += [
    # Admin
    *admin_model_probes(
        "accounts/duplicatecandidate",
        "duplicate",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY,
    ),
    *admin_model_probes(
        "accounts/accountplan",
        "plan",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "accounts/familyconflict",
        "conflict",
        changelist=EMEA_ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=EMEA_ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=EMEA_GUARDED,
    ),
]

__all__ = ["PROBES", "extend_ctx"]
