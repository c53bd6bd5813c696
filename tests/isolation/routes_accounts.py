"""Accounts, contacts, consents and the selection actions in the isolation matrix."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Account, Consent, Contact, Lifecycle
from tests.isolation.outcomes import (
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
    ALL_STAFF,
    API_DELETE,
    API_LIST,
    API_READ,
    PAGE_LIST,
    Probe,
    admin_model_probes,
    each,
)

API_CREATE_AT_FR = each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED)
# Selection is the local team's call (R/A); the region is consulted, global informed.
API_SELECTION = each(OK, NOT_FOUND, DENIED, DENIED, NOT_FOUND, UNAUTHENTICATED)


def extend_ctx(ctx) -> None:
    fr = ctx["fr"]
    account = Account.objects.create(owner_unit=fr, name="Matrix Account SAS", country="FR")
    contact = Contact.objects.create(account=account, last_name="Matrix", email="m@matrix.fr")
    ctx["account"] = account
    ctx["proposed"] = Account.objects.create(
        owner_unit=fr, name="Matrix Shortlist SAS", lifecycle=Lifecycle.PROPOSED
    )
    ctx["contact"] = contact
    ctx["consent"] = Consent.objects.create(
        contact=contact,
        channel="email",
        status="granted",
        lawful_basis="consent",
        recorded_at=timezone.now(),
    )


def _detail(route: str, key: str):
    return lambda c: f"/api/v1/{route}/{c[key].pk}/"


def _crud(route: str, key: str, create: dict, patch: dict) -> list[Probe]:
    return [
        Probe(
            f"api/v1/^{route}/$",
            lambda c: f"/api/v1/{route}/?page_size=500",
            API_LIST,
            marker=lambda c: rf'"id":{c[key].pk},',
            api=True,
        ),
        Probe(
            f"api/v1/^{route}/$",
            lambda c: f"/api/v1/{route}/",
            API_CREATE_AT_FR,
            method="post",
            data=lambda c: {k: v(c) if callable(v) else v for k, v in create.items()},
            api=True,
            label="(at fr)",
        ),
        Probe(f"api/v1/^{route}/(?P<pk>[^/.]+)/$", _detail(route, key), API_READ, api=True),
        Probe(
            f"api/v1/^{route}/(?P<pk>[^/.]+)/$",
            _detail(route, key),
            API_READ,
            method="patch",
            data=lambda c: patch,
            api=True,
        ),
        Probe(
            f"api/v1/^{route}/(?P<pk>[^/.]+)/$",
            _detail(route, key),
            API_DELETE,
            method="delete",
            api=True,
        ),
    ]


def _move(name: str, key: str, data: dict | None = None) -> Probe:
    return Probe(
        f"api/v1/^accounts/(?P<pk>[^/.]+)/{name}/$",
        lambda c: f"/api/v1/accounts/{c[key].pk}/{name}/",
        API_SELECTION,
        method="post",
        data=(lambda c: data) if data else None,
        api=True,
    )


PROBES = [
    *_crud(
        "accounts",
        "account",
        {"owner_unit": lambda c: c["fr"].pk, "name": "New Target SA"},
        {"industry": "energy"},
    ),
    _move("propose", "account"),
    _move("select", "proposed"),
    _move("deselect", "proposed", {"reason": "Out of budget"}),
    *_crud(
        "contacts",
        "contact",
        {"account": lambda c: c["account"].pk, "last_name": "Dupont"},
        {"job_title": "CFO"},
    ),
    *_crud(
        "consents",
        "consent",
        {
            "contact": lambda c: c["contact"].pk,
            "channel": "linkedin",
            "status": "granted",
            "lawful_basis": "consent",
            "recorded_at": "2026-01-05T10:00:00Z",
        },
        {"status": "withdrawn"},
    ),
]

__all__ = ["BLIND", "OK", "PROBES", "SEES", "extend_ctx"]

SEE_OTHER = Outcome("redirect", (303,))
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
# The move view answers with a redirect and shows a refusal (RACI) as a message.
PAGE_MOVE = each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN)

PROBES += [
    Probe(
        "accounts/",
        lambda c: "/accounts/",
        PAGE_LIST,
        marker=lambda c: f'data-id="account-{c["account"].pk}"',
    ),
    Probe(
        "accounts/board/",
        lambda c: "/accounts/board/",
        PAGE_LIST,
        marker=lambda c: f'data-id="account-{c["account"].pk}"',
    ),
    Probe("accounts/<int:pk>/", lambda c: f"/accounts/{c['account'].pk}/", PAGE_DETAIL),
    Probe(
        "accounts/<int:pk>/move/",
        lambda c: f"/accounts/{c['account'].pk}/move/",
        PAGE_MOVE,
        method="post",
        data=lambda c: {"move": "propose"},
    ),
    *admin_model_probes(
        "accounts/account",
        "account",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "accounts/contact",
        "contact",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "accounts/consent",
        "consent",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
]
