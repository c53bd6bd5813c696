"""Analytics (API and admin) in the isolation matrix.

The targets: an account of France with one opportunity on it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import Account, Lifecycle
from analytics.models import Opportunity
from tests.isolation.outcomes import (
    BAD,
    CREATED,
    DENIED,
    NOT_FOUND,
    OK,
    UNAUTHENTICATED,
)
from tests.isolation.routes import (
    API_LIST,
    API_READ,
    Probe,
    each,
)


def extend_ctx(ctx) -> None:
    fr = ctx["fr"]
    account = Account.objects.create(
        owner_unit=fr, name="Matrix analytics account", lifecycle=Lifecycle.SELECTED
    )
    ctx["opportunity_account"] = account
    ctx["opportunity"] = Opportunity.objects.create(
        account=account,
        crm_id="MATRIX-OPP-1",
        name="Matrix deal",
        amount=Decimal(1000),
        currency="EUR",
        created_on=dt.date(2031, 3, 1),
    )


PROBES = [
    Probe(
        "api/v1/^opportunities/$",
        lambda c: "/api/v1/opportunities/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["opportunity"].pk},',
        api=True,
    ),
    # On fr's account: the sibling and the other organisation cannot even choose it.
    Probe(
        "api/v1/^opportunities/$",
        lambda c: "/api/v1/opportunities/",
        each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "crm_id": "MATRIX-OPP-2",
            "account": c["opportunity_account"].pk,
            "name": "Matrix deal 2",
            "amount": "10",
            "currency": "EUR",
            "created_on": "2031-03-02",
        },
        api=True,
        label="(on fr's account)",
    ),
    Probe(
        "api/v1/^opportunities/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/opportunities/{c['opportunity'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^opportunities/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/opportunities/{c['opportunity'].pk}/",
        each(OK, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED),
        method="patch",
        data=lambda c: {"stage": "Proposal"},
        api=True,
    ),
    # KPIs consolidate a subtree: fr's for whoever sees all of fr; emea's (which
    # include the sibling's results) not for fr.
    Probe(
        "api/v1/kpis/",
        lambda c: f"/api/v1/kpis/?unit={c['fr'].pk}&month=2031-03",
        API_READ,
        api=True,
        label="(fr)",
    ),
    Probe(
        "api/v1/kpis/",
        lambda c: f"/api/v1/kpis/?unit={c['emea'].pk}&month=2031-03",
        each(DENIED, DENIED, OK, OK, NOT_FOUND, UNAUTHENTICATED),
        api=True,
        label="(emea)",
    ),
]
