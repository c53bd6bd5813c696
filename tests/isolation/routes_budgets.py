"""Budgets, spend and exchange rates (API and admin) in the isolation matrix.

The targets: Acme's FY2031 tree global → EMEA → France, a spend on France's budget and
an exchange rate of the organisation (owned by its global unit, read by every member).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from campaigns.models import Budget, FxRate, Spend
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
    ADMIN_LIST,
    ADMIN_READ,
    ALL_STAFF,
    API_LIST,
    API_READ,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
)

PENDING = Outcome("pending approval", (202,))
START, END = dt.date(2031, 1, 1), dt.date(2031, 12, 31)


def extend_ctx(ctx) -> None:
    fr, emea = ctx["fr"], ctx["emea"]
    root = fr.parent.parent
    period = {"starts_on": START, "ends_on": END}
    world = Budget.objects.create(
        owner_unit=root, name="Matrix FY", amount=1000, allocated=600, **period
    )
    region = Budget.objects.create(
        owner_unit=emea, parent=world, name="Matrix EMEA", amount=600, allocated=200, **period
    )
    ctx["fr_budget"] = Budget.objects.create(
        owner_unit=fr, parent=region, name="Matrix France", amount=200, spent=10, **period
    )
    ctx["emea_budget"] = region
    ctx["fr_spend"] = Spend.objects.create(
        owner_unit=fr,
        budget=ctx["fr_budget"],
        kind="event",
        amount_local=10,
        currency="EUR",
        fx_rate=1,
        amount=10,
        spent_on=dt.date(2031, 3, 1),
    )
    ctx["fx_rate"] = FxRate.objects.create(
        owner_unit=root, currency="USD", day=START, rate=Decimal("0.9")
    )


ORGANISATION_LIST = each(SEES, SEES, SEES, SEES, BLIND, UNAUTHENTICATED)
ORGANISATION_READ = each(OK, OK, OK, OK, NOT_FOUND, UNAUTHENTICATED)

PROBES = [
    Probe(
        "api/v1/^budgets/$",
        lambda c: "/api/v1/budgets/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["fr_budget"].pk},',
        api=True,
    ),
    # Allocating to fr from EMEA's budget: fr and the sibling cannot even see the parent
    # budget; EMEA is responsible (its request waits); Global is accountable.
    Probe(
        "api/v1/^budgets/$",
        lambda c: "/api/v1/budgets/",
        each(BAD, BAD, PENDING, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "parent": c["emea_budget"].pk,
            "owner_unit": c["fr"].pk,
            "name": "Matrix extra",
            "amount": "10",
        },
        api=True,
        label="(allocate to fr)",
    ),
    Probe(
        "api/v1/^budgets/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/budgets/{c['fr_budget'].pk}/",
        API_READ,
        api=True,
    ),
    # fr is only consulted on its own budget's amount.
    Probe(
        "api/v1/^budgets/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/budgets/{c['fr_budget'].pk}/",
        each(DENIED, NOT_FOUND, PENDING, OK, NOT_FOUND, UNAUTHENTICATED),
        method="patch",
        data=lambda c: {"amount": "20"},
        api=True,
    ),
    Probe(
        "api/v1/^spend/$",
        lambda c: "/api/v1/spend/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["fr_spend"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^spend/$",
        lambda c: "/api/v1/spend/",
        each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "budget": c["fr_budget"].pk,
            "kind": "event",
            "amount_local": "1",
            "spent_on": "2031-03-10",
        },
        api=True,
        label="(on fr's budget)",
    ),
    Probe(
        "api/v1/^spend/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/spend/{c['fr_spend'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^fx-rates/$",
        lambda c: "/api/v1/fx-rates/?page_size=500",
        ORGANISATION_LIST,
        marker=lambda c: rf'"id":{c["fx_rate"].pk},',
        api=True,
    ),
    # Only the global unit's admins keep their organisation's rates.
    Probe(
        "api/v1/^fx-rates/$",
        lambda c: "/api/v1/fx-rates/",
        each(DENIED, DENIED, DENIED, CREATED, DENIED, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"currency": "GBP", "day": "2031-02-01", "rate": "1.2"},
        api=True,
        label="(for the acting unit's organisation)",
    ),
    Probe(
        "api/v1/^fx-rates/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/fx-rates/{c['fx_rate'].pk}/",
        ORGANISATION_READ,
        api=True,
    ),
]

# Budgets and spend are read-only in the admin (the services allocate and spend).
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)

PROBES += [
    *admin_model_probes(
        "campaigns/fxrate",
        "fx_rate",
        changelist=each(SEES, SEES, SEES, SEES, BLIND, LOGIN),
        add=ALL_STAFF,
        change=each(OK, OK, OK, OK, ADMIN_HIDDEN, LOGIN),
        delete=each(DENIED, DENIED, DENIED, OK, ADMIN_HIDDEN, LOGIN),
        guarded=each(DENIED, DENIED, DENIED, OK, NOT_FOUND, LOGIN),
    ),
    *admin_model_probes(
        "campaigns/budget",
        "fr_budget",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "campaigns/spend",
        "fr_spend",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
]
