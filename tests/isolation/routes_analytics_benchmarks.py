"""Benchmarks, market standards, forecasts and allocation suggestions in the matrix.

The target: a market standard that emea (fr's region) set for fr. fr's team sees it
but may not change it; the sibling de does not even see it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from analytics.models import MarketStandard
from tests.isolation.outcomes import ADMIN_HIDDEN, DENIED, LOGIN, NOT_FOUND, OK
from tests.isolation.routes import (
    ADMIN_LIST,
    ADMIN_READ,
    ALL_STAFF,
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

PROBES: list[Probe] = [
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
