"""Planning a campaign: 10,000 accounts x 5 contacts x 4 steps = 200,000 touches.

One LOCAL unit (Europe/Paris) runs a 4-step playbook (email, LinkedIn if not engaged,
email, LinkedIn) on 10,000 selected accounts with 5 contacts each, in nine countries
(so nine public-holiday calendars). One account in ten is engaged (its "not engaged"
step is skipped) and one contact in ten has no LinkedIn consent (skipped too): the
skipped touches are stored with their reason like the planned ones.

Figure: ``campaigns.planning.plan_chunk`` run chunk after chunk (200 accounts, the
planner's chunk) in this process, as a worker runs each ``plan_campaign`` task — lock
the campaign row, load contacts, consents, existing keys, recent touches and bounds,
resolve the content per step, schedule and gate every touch, ``bulk_create`` them,
advance the cursor. Baseline, interleaved chunk by chunk on the same table: inserting
the very same rows (for a twin campaign, so keys differ) with the planner's own
``bulk_create`` call, already built in Python. Both are seconds per touch; the details
give touches/s and the throughput ratio.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from random import Random

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bench import campaign_data
from campaigns import planning
from campaigns.models import Campaign, Touch, idempotency_key

NAME = "campaigns_planning"
DESCRIPTION = (
    "planning 10,000 accounts x 5 contacts x 4 steps (200,000 touches) chunk by chunk "
    "vs bulk_create of the same rows"
)

ACCOUNTS = int(os.environ.get("BENCH_PLANNING_ACCOUNTS", "10000"))
CONTACTS = 5
STEPS = [
    ("email", 0, "always"),
    ("linkedin", 2, "not_engaged"),
    ("email", 3, "always"),
    ("linkedin", 2, "always"),
]
COUNTRIES = ["FR", "DE", "GB", "ES", "IT", "PL", "NL", "US", "JP"]
COPIED = [
    f.attname
    for f in Touch._meta.concrete_fields
    if not f.primary_key and f.attname not in ("campaign_id", "idempotency_key")
]


def build() -> tuple[Campaign, Campaign]:
    rng = Random(2026)
    setup = campaign_data.organisation("planning", ["FR"], "Europe/Paris")
    campaign_data.playbook(setup, STEPS)
    unit = setup.locals[0]
    targets = campaign_data.accounts(
        unit,
        ACCOUNTS,
        CONTACTS,
        countries=COUNTRIES,
        channels=("email", "linkedin"),
        rng=rng,
        engaged_share=0.1,
        missing_consent={"linkedin": 0.1},
    )
    # A Monday three weeks ahead: nothing is planned in the past, whatever the day.
    today = timezone.now().date()
    starts_on = today + dt.timedelta(days=21 - today.weekday())
    planned = campaign_data.campaign(setup, unit, targets, starts_on, name="Planned")
    twin = campaign_data.campaign(setup, unit, targets, starts_on, name="Raw insert twin")
    return planned, twin


def copies(campaign: Campaign, twin: Campaign, after_pk: int) -> tuple[list[Touch], int]:
    """The rows planned after ``after_pk``, as new Touch objects of the twin campaign,
    and the last planned row's id."""
    rows = list(
        Touch.objects.unrestricted()
        .filter(campaign_id=campaign.pk, pk__gt=after_pk)
        .order_by("pk")
        .values("pk", "step", "contact_id", *COPIED)
    )
    made = [
        Touch(
            campaign_id=twin.pk,
            idempotency_key=idempotency_key(twin.pk, row["step"], row["contact_id"]),
            **{name: row[name] for name in COPIED},
        )
        for row in rows
    ]
    return made, rows[-1]["pk"] if rows else after_pk


def run() -> dict:
    planned, twin = build()
    plan_s = insert_s = 0.0
    chunks = 0
    cursor: int | None = 0
    last_pk = 0
    while cursor is not None:
        start = time.perf_counter()
        cursor = planning.plan_chunk(planned.pk, cursor)
        plan_s += time.perf_counter() - start
        chunks += 1
        rows, last_pk = copies(planned, twin, last_pk)
        if rows:
            # The planner's own insert call, on rows already built.
            start = time.perf_counter()
            Touch.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
            insert_s += time.perf_counter() - start
    planned.refresh_from_db()
    total = Touch.objects.unrestricted().filter(campaign=planned).count()
    copied = Touch.objects.unrestricted().filter(campaign=twin).count()
    expected = ACCOUNTS * CONTACTS * len(STEPS)
    if total != expected or copied != expected:
        raise RuntimeError(f"planned {total:,} and copied {copied:,}; expected {expected:,}")
    if planned.planned_at is None or planned.accounts_planned != ACCOUNTS:
        raise RuntimeError(f"planning did not finish: {planned.accounts_planned} accounts")
    outcome = dict(
        Touch.objects.unrestricted()
        .filter(campaign=planned)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    reasons = dict(
        Touch.objects.unrestricted()
        .filter(campaign=planned)
        .exclude(reason_code="")
        .order_by()
        .values_list("reason_code")
        .annotate(n=Count("pk"))
        .values_list("reason_code", "n")
    )
    plan_rate, insert_rate = total / plan_s, total / insert_s
    return {
        "figure": plan_s / total,
        "baseline": insert_s / total,
        "figure_label": f"plan_chunk, per touch ({total:,} touches)",
        "baseline_label": "bulk_create of the same rows, per touch",
        "details": {
            "planning": f"{plan_rate:,.0f} touches/s ({plan_s:.2f} s, {chunks} chunks of "
            f"{planning.CHUNK} accounts)",
            "raw insert": f"{insert_rate:,.0f} touches/s ({insert_s:.2f} s; "
            "bulk_create(ignore_conflicts=True, batch_size=1000), interleaved per chunk)",
            "throughput ratio (planning / raw insert)": f"{plan_rate / insert_rate:.2f}",
            "outcome": ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.items()))
            + " ("
            + ", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items()))
            + ")",
            "data": f"{ACCOUNTS:,} accounts x {CONTACTS} contacts x {len(STEPS)} steps, "
            f"{len(COUNTRIES)} countries",
            "database": connection.vendor,
        },
    }
