"""Benchmarks, market standards, forecasts and allocation suggestions in the matrix.

The target: a market standard that emea (fr's region) set for fr. fr's team sees it
but may not change it; the sibling de does not even see it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from analytics.models import MarketStandard
from tests.isolation.outcomes import (
    ADMIN_HIDDEN,
    BAD,
    CREATED,
    DENIED,
    GONE,
    LOGIN,
    NOT_FOUND,
    OK,
    UNAUTHENTICATED,
    Outcome,
)
from tests.isolation.routes import (
    ADMIN_LIST,
    ADMIN_READ,
    ALL_STAFF,
    API_LIST,
    API_READ,
    Probe,
    admin_model_probes,
    each,
)


def extend_ctx(ctx) -> None:
    ctx["market_standard"] = MarketStandard.objects.create(
        owner_unit=ctx["emea"],
        target_unit=ctx["fr"],
        kpi="conversion_rate",
        value=Decimal("0.2"),
        valid_from=dt.date(2031, 1, 1),
    )


# fr's admin reads the standard set for it; only emea's managers and above change it.
SET_BY_REGION = each(DENIED, ADMIN_HIDDEN, OK, OK, ADMIN_HIDDEN, LOGIN)

# Set by emea's managers (and above); fr reads it, changes nothing.
REGION_WRITES = each(DENIED, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED)
STANDARD = "api/v1/^market-standards/(?P<pk>[^/.]+)/$"

PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
PAGE_ANCESTOR = each(DENIED, DENIED, OK, OK, NOT_FOUND, LOGIN)
REFUSED = Outcome("refused", (400,))

PROBES: list[Probe] = [
    # Dashboard pages: the same rules as their API.
    Probe(
        "analytics/benchmarks/",
        lambda c: f"/analytics/benchmarks/?unit={c['fr'].pk}&quarter=2031-Q1",
        PAGE_DETAIL,
        label="(fr)",
    ),
    Probe(
        "analytics/benchmarks/",
        lambda c: f"/analytics/benchmarks/?unit={c['emea'].pk}&quarter=2031-Q1",
        PAGE_ANCESTOR,
        label="(emea)",
    ),
    Probe(
        "analytics/forecasts/",
        lambda c: f"/analytics/forecasts/?unit={c['fr'].pk}&budget={c['bp_fr'].pk}",
        PAGE_DETAIL,
        label="(fr)",
    ),
    Probe(
        "analytics/forecasts/",
        lambda c: f"/analytics/forecasts/?unit={c['emea'].pk}",
        PAGE_ANCESTOR,
        label="(emea)",
    ),
    # fr's budget has no markets below it: nothing to apply, for those who see it.
    Probe(
        "analytics/forecasts/allocation/<int:pk>/apply/",
        lambda c: f"/analytics/forecasts/allocation/{c['bp_fr'].pk}/apply/",
        each(REFUSED, NOT_FOUND, REFUSED, REFUSED, NOT_FOUND, LOGIN),
        method="post",
    ),
    # Benchmarks consolidate a subtree like KPIs: fr's for whoever sees all of fr,
    # emea's (its teams ranked) not for fr.
    Probe(
        "api/v1/benchmarks/",
        lambda c: f"/api/v1/benchmarks/?unit={c['fr'].pk}&quarter=2031-Q1",
        API_READ,
        api=True,
        label="(fr)",
    ),
    Probe(
        "api/v1/benchmarks/",
        lambda c: f"/api/v1/benchmarks/?unit={c['emea'].pk}&quarter=2031-Q1",
        each(DENIED, DENIED, OK, OK, NOT_FOUND, UNAUTHENTICATED),
        api=True,
        label="(emea)",
    ),
    Probe(
        "api/v1/forecasts/",
        lambda c: f"/api/v1/forecasts/?unit={c['fr'].pk}",
        API_READ,
        api=True,
        label="(fr)",
    ),
    Probe(
        "api/v1/forecasts/",
        lambda c: f"/api/v1/forecasts/?unit={c['emea'].pk}",
        each(DENIED, DENIED, OK, OK, NOT_FOUND, UNAUTHENTICATED),
        api=True,
        label="(emea)",
    ),
    # The reallocation suggestion of a budget (the budgets' matrix targets): fr's for
    # whoever sees fr, emea's (its markets) for emea and above only.
    Probe(
        "api/v1/forecasts/allocation/",
        lambda c: f"/api/v1/forecasts/allocation/?budget={c['fr_budget'].pk}",
        API_READ,
        api=True,
        label="(fr)",
    ),
    Probe(
        "api/v1/forecasts/allocation/",
        lambda c: f"/api/v1/forecasts/allocation/?budget={c['emea_budget'].pk}",
        each(NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED),
        api=True,
        label="(emea)",
    ),
    # fr's budget has no markets below it: nothing to move, for those who see it.
    Probe(
        "api/v1/forecasts/allocation/apply/",
        lambda c: "/api/v1/forecasts/allocation/apply/",
        each(BAD, NOT_FOUND, BAD, BAD, NOT_FOUND, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"budget": c["fr_budget"].pk},
        api=True,
    ),
    Probe(
        "api/v1/^market-standards/$",
        lambda c: "/api/v1/market-standards/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["market_standard"].pk},',
        api=True,
    ),
    # Only emea's managers and above may set a standard for fr; fr cannot choose emea
    # as the owner, the sibling and the other organisation cannot even see fr.
    Probe(
        "api/v1/^market-standards/$",
        lambda c: "/api/v1/market-standards/",
        each(BAD, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "owner_unit": c["emea"].pk,
            "target_unit": c["fr"].pk,
            "kpi": "roi",
            "value": "1.5",
            "valid_from": "2031-01-01",
        },
        api=True,
        label="(emea for fr)",
    ),
    Probe(
        STANDARD,
        lambda c: f"/api/v1/market-standards/{c['market_standard'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        STANDARD,
        lambda c: f"/api/v1/market-standards/{c['market_standard'].pk}/",
        REGION_WRITES,
        method="patch",
        data=lambda c: {"value": "0.3"},
        api=True,
    ),
    Probe(
        STANDARD,
        lambda c: f"/api/v1/market-standards/{c['market_standard'].pk}/",
        each(DENIED, NOT_FOUND, GONE, GONE, NOT_FOUND, UNAUTHENTICATED),
        method="delete",
        api=True,
    ),
    *admin_model_probes(
        "analytics/marketstandard",
        "market_standard",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=SET_BY_REGION,
        guarded=each(DENIED, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN),
    ),
]
