"""Analytics (API and admin) in the isolation matrix.

The targets: an account of France with one opportunity on it, and a rollup row of France.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Account, Lifecycle
from analytics.models import DailyFact, Opportunity
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
)
from tests.isolation.routes import (
    ADMIN_404,
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
    ctx["daily_fact"] = DailyFact.objects.create(
        owner_unit=fr, day=dt.date(2031, 3, 1), name="pipeline_created", value=Decimal(1000)
    )


def _crm_export(account_id: int) -> SimpleUploadedFile:
    header = "crm_id,account_id,name,amount,currency,created_on\n"
    row = f"MATRIX-IMPORT-1,{account_id},Imported deal,10,EUR,2031-01-10\n"
    return SimpleUploadedFile("crm.csv", (header + row).encode(), content_type="text/csv")


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
    # A CRM export naming fr's account: written for who may change it, refused row by
    # row for the sibling and the other organisation.
    Probe(
        "api/v1/^opportunities/import/$",
        lambda c: "/api/v1/opportunities/import/",
        each(SEES, BLIND, SEES, SEES, BLIND, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"file": _crm_export(c["opportunity_account"].pk)},
        marker=lambda c: '"created":1,',
        api=True,
        format="multipart",
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

# Rollups are read-only in the admin (derived from the facts).
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)

PROBES += [
    *admin_model_probes(
        "analytics/opportunity",
        "opportunity",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "analytics/dailyfact",
        "daily_fact",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
]
