"""Data-subject endpoints and the erasure log in the isolation matrix."""

from __future__ import annotations

from accounts import privacy
from accounts.models import Account, Contact
from tests.isolation.outcomes import NOT_FOUND, OK, UNAUTHENTICATED, Outcome
from tests.isolation.routes import (
    ADMIN_LIST,
    ADMIN_READ,
    API_LIST,
    PAGE_LIST,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
)
from tests.isolation.routes_layering import READ_ONLY_PERMS

ERASED = Outcome("erased", (204,))


def extend_ctx(ctx) -> None:
    account = Account.objects.create(owner_unit=ctx["fr"], name="Privacy Matrix SAS")
    gone = Contact.objects.create(account=account, last_name="Gone", email="gone@pm.fr")
    ctx["erasure"] = privacy.erase_contact(gone)


PROBES = [
    Probe(
        "api/v1/^contacts/(?P<pk>[^/.]+)/export/$",
        lambda c: f"/api/v1/contacts/{c['contact'].pk}/export/",
        each(OK, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED),
        api=True,
    ),
    Probe(
        "api/v1/^contacts/(?P<pk>[^/.]+)/erase/$",
        lambda c: f"/api/v1/contacts/{c['contact'].pk}/erase/",
        each(ERASED, NOT_FOUND, ERASED, ERASED, NOT_FOUND, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"reason": "request"},
        api=True,
    ),
    *admin_model_probes(
        "accounts/erasurelog",
        "erasure",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
]

# CSV exports list what the actor may see, like the list routes (the marker is the row id).
PROBES += [
    Probe(
        "api/v1/^contacts/csv/$",
        lambda c: "/api/v1/contacts/csv/",
        API_LIST,
        api=True,
        marker=lambda c: f"(?m)^{c['contact'].pk},{c['account'].pk},",
    ),
    Probe(
        "api/v1/^accounts/csv/$",
        lambda c: "/api/v1/accounts/csv/",
        API_LIST,
        api=True,
        marker=lambda c: f"(?m)^{c['account'].pk},Matrix Account SAS,",
    ),
    Probe(
        "accounts/export/contacts.csv",
        lambda c: "/accounts/export/contacts.csv",
        PAGE_LIST,
        marker=lambda c: f"(?m)^{c['contact'].pk},{c['account'].pk},",
    ),
    Probe(
        "accounts/export/accounts.csv",
        lambda c: "/accounts/export/accounts.csv",
        PAGE_LIST,
        marker=lambda c: f"(?m)^{c['account'].pk},Matrix Account SAS,",
    ),
]
