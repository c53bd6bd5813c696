"""The budget dashboard pages in the isolation matrix.

Targets: a FY2031 tree of its own (global → EMEA → France) with France's budget as the
target, so the sibling and the other organisation must not learn it exists while
France's region and the global root see it. Writes answer with a redirect to the
budget's page; a refusal renders the page again with the form errors (400).
"""

from __future__ import annotations

import datetime as dt

from campaigns.models import Budget
from tests.isolation.outcomes import LOGIN, NOT_FOUND, OK, Outcome
from tests.isolation.routes import PAGE_LIST, Probe, each

SEE_OTHER = Outcome("redirect", (303,))
REFUSED = Outcome("refused", (400,))
START, END = dt.date(2031, 1, 1), dt.date(2031, 12, 31)
PERIOD = f"{START.isoformat()}..{END.isoformat()}"
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)


def extend_ctx(ctx) -> None:
    fr, emea = ctx["fr"], ctx["emea"]
    period = {"starts_on": START, "ends_on": END}
    world = Budget.objects.create(
        owner_unit=emea.parent, name="Matrix pages FY", amount=1000, allocated=600, **period
    )
    ctx["bp_emea"] = Budget.objects.create(
        owner_unit=emea,
        parent=world,
        name="Matrix pages EMEA",
        amount=600,
        allocated=200,
        **period,
    )
    ctx["bp_fr"] = Budget.objects.create(
        owner_unit=fr, parent=ctx["bp_emea"], name="Matrix pages France", amount=200, **period
    )


def _budget(key: str, suffix: str = ""):
    return lambda c: f"/campaigns/budgets/{c[key].pk}/{suffix}"


PROBES = [
    Probe(
        "campaigns/budgets/",
        lambda c: f"/campaigns/budgets/?period={PERIOD}",
        PAGE_LIST,
        marker=lambda c: f'data-id="budget-{c["bp_fr"].pk}"',
    ),
    Probe("campaigns/budgets/<int:pk>/", _budget("bp_fr"), PAGE_DETAIL),
    # Admins are marketers too: France, its region and the root record spend on it.
    Probe(
        "campaigns/budgets/<int:pk>/spend/",
        _budget("bp_fr", "spend/"),
        each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN),
        method="post",
        data=lambda c: {"kind": "event", "spent_on": "2031-03-10", "amount_local": "1"},
    ),
    # France is a local unit: nothing below it to allocate to.
    Probe(
        "campaigns/budgets/<int:pk>/allocate/",
        _budget("bp_fr", "allocate/"),
        each(REFUSED, NOT_FOUND, REFUSED, REFUSED, NOT_FOUND, LOGIN),
        method="post",
        data=lambda c: {"owner_unit": c["de"].pk, "amount": "1"},
        label="(fr's budget)",
    ),
    # From EMEA's budget to France: France does not see it; EMEA's request waits for the
    # root (a redirect with "sent for approval"); the root allocates at once.
    Probe(
        "campaigns/budgets/<int:pk>/allocate/",
        _budget("bp_emea", "allocate/"),
        each(NOT_FOUND, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN),
        method="post",
        data=lambda c: {"owner_unit": c["fr"].pk, "amount": "10", "name": "Matrix pages extra"},
        label="(from emea's budget to fr)",
    ),
]

__all__ = ["PROBES", "extend_ctx"]
