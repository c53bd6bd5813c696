"""The analytics dashboard pages and exports in the isolation matrix.

The target: France's rollups for March 2031 (the analytics topic's ``daily_fact``). A
unit's figures consolidate its subtree, so France's are for whoever sees all of France
(France, EMEA, the root); EMEA's include the sibling's, so France gets a 403 there.
``/analytics/`` shows each actor's own unit with the units right below it: France
appears for France and for EMEA (a row of its drill-down), not for the root (whose
rows are the regions), the sibling or the other organisation.
"""

from __future__ import annotations

from tests.isolation.outcomes import BLIND, DENIED, LOGIN, NOT_FOUND, OK, SEES
from tests.isolation.routes import Probe, each
from tests.isolation.routes_analytics import _crm_export

MONTH = "month=2031-03"
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
ANCESTOR = each(DENIED, DENIED, OK, OK, NOT_FOUND, LOGIN)


def _export(suffix: str, unit: str):
    return lambda c: f"/analytics/export.{suffix}?unit={c[unit].pk}&{MONTH}"


PROBES = [
    Probe(
        "analytics/opportunities/import/",
        lambda c: "/analytics/opportunities/import/",
        each(OK, OK, OK, OK, OK, LOGIN),
    ),
    # A CRM export naming France's account: written for who may change it, refused row by
    # row for the sibling and the other organisation.
    Probe(
        "analytics/opportunities/import/",
        lambda c: "/analytics/opportunities/import/",
        each(SEES, BLIND, SEES, SEES, BLIND, LOGIN),
        method="post",
        data=lambda c: {"file": _crm_export(c["opportunity_account"].pk)},
        marker=lambda c: 'id="count-created">1<',
    ),
    Probe(
        "analytics/",
        lambda c: f"/analytics/?{MONTH}",
        each(SEES, BLIND, SEES, BLIND, BLIND, LOGIN),
        marker=lambda c: f'data-unit="{c["fr"].pk}"',
    ),
    Probe(
        "analytics/unit/<int:pk>/",
        lambda c: f"/analytics/unit/{c['fr'].pk}/?{MONTH}",
        PAGE_DETAIL,
        label="(fr)",
    ),
    Probe(
        "analytics/unit/<int:pk>/",
        lambda c: f"/analytics/unit/{c['emea'].pk}/?{MONTH}",
        ANCESTOR,
        label="(emea)",
    ),
    Probe("analytics/export.csv", _export("csv", "fr"), PAGE_DETAIL, label="(fr)"),
    Probe("analytics/export.csv", _export("csv", "emea"), ANCESTOR, label="(emea)"),
    Probe("analytics/export.xlsx", _export("xlsx", "fr"), PAGE_DETAIL, label="(fr)"),
    Probe("analytics/export.xlsx", _export("xlsx", "emea"), ANCESTOR, label="(emea)"),
]

__all__ = ["PROBES"]
