"""The global dashboard's figures from rollups vs the same figures from raw events.

One organisation (GLOBAL → 3 REGIONs → 9 LOCALs in nine time zones) holds 100,000
accounts (70 % of them targets), 5,000,000 engagement events over the last year —
100,000 of them on the last full day — 40,000 opportunities and monthly spend.

Figure: the data of the global dashboard (``analytics.reports.kpi_report`` for the
global unit and its three regions over the last quarter: the five KPIs, read from the
daily rollups). Baseline, in the same run: the same figures computed the way a report
without rollups would — direct SQL aggregations over the raw opportunities, spend,
accounts and the 5,000,000 events (each target account's decayed score summed in the
database, per unit time zone). Both sides must agree on every figure.

Details: the time to build the rollups from nothing (``rebuild``), and the incremental
refresh of the last full day — the day of 100,000 events — for every unit.
``BENCH_ANALYTICS_ACCOUNTS`` and ``BENCH_ANALYTICS_EVENTS`` scale it down for a try.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone

from accounts.engagement import HALF_LIFE_DAYS, HORIZON_DAYS, WEIGHTS
from accounts.handoffs import DEFAULT_THRESHOLD
from accounts.imports import insert_accounts
from accounts.models import Account, EngagementEvent, Lifecycle
from analytics import kpis, reports, rollups
from analytics.models import Opportunity, OpportunityStatus
from campaigns.models import Budget, Spend
from glocal.models import Membership, Organization, OrgUnit, Tier
from glocal.tenancy import Role

NAME = "analytics_rollups"
DESCRIPTION = (
    "global dashboard data (5 KPIs, global + 3 regions, last quarter) from daily rollups "
    "vs direct SQL over 5,000,000 raw events; rollup build and one-day refresh"
)

ACCOUNTS = int(os.environ.get("BENCH_ANALYTICS_ACCOUNTS", "100000"))
EVENTS = int(os.environ.get("BENCH_ANALYTICS_EVENTS", "5000000"))
LAST_DAY_EVENTS = min(100_000, EVENTS // 10)
OPPORTUNITIES = max(ACCOUNTS * 2 // 5, 100)
LOCALS = {
    "emea": [("fr", "Europe/Paris"), ("de", "Europe/Berlin"), ("uk", "Europe/London")],
    "amer": [("us", "America/New_York"), ("br", "America/Sao_Paulo"), ("ca", "America/Toronto")],
    "apac": [("jp", "Asia/Tokyo"), ("cn", "Asia/Shanghai"), ("in", "Asia/Kolkata")],
}
KINDS = list(WEIGHTS)
RUNS = 5
ROLLUP_CALLS = 10


def build(rng: np.random.Generator, today: dt.date) -> tuple[OrgUnit, list[OrgUnit], object]:
    org = Organization.objects.create(name="Bench Analytics", slug="bench-analytics")
    root = OrgUnit.objects.create(
        organization=org, tier=Tier.GLOBAL, code="g", name="Global", timezone="UTC"
    )
    locals_: list[OrgUnit] = []
    for region_code, members in LOCALS.items():
        region = OrgUnit.objects.create(
            organization=org, parent=root, tier=Tier.REGION, code=region_code, name=region_code
        )
        for code, zone in members:
            locals_.append(
                OrgUnit.objects.create(
                    organization=org,
                    parent=region,
                    tier=Tier.LOCAL,
                    code=code,
                    name=code,
                    timezone=zone,
                )
            )
    user = get_user_model().objects.create(username="bench-analytics-viewer")
    Membership.objects.create(user=user, unit=root, role=Role.VIEWER)
    year_ago = timezone.now() - dt.timedelta(days=400)
    accounts = _accounts(rng, locals_)
    models.QuerySet.update(
        Account.objects.unrestricted().filter(owner_unit__organization=org), created_at=year_ago
    )
    targets = [a for a in accounts if a.lifecycle != Lifecycle.CANDIDATE]
    _events(rng, targets, today)
    _opportunities(rng, org, targets, today)
    _spend(rng, locals_, today)
    return root, locals_, user


def _accounts(rng: np.random.Generator, units: list[OrgUnit]) -> list[Account]:
    stages = rng.choice([0, 1, 2], size=ACCOUNTS, p=[0.3, 0.5, 0.2])
    owners = rng.integers(0, len(units), size=ACCOUNTS)
    lifecycle = [Lifecycle.CANDIDATE, Lifecycle.SELECTED, Lifecycle.ENGAGED]
    rows = [
        Account(
            owner_unit=units[owners[i]],
            name=f"Company {i}",
            name_key=f"company {i}",
            domain=f"company{i}.example",
            lifecycle=lifecycle[stages[i]],
            tags=[],
            crm_ids={},
        )
        for i in range(ACCOUNTS)
    ]
    for start in range(0, ACCOUNTS, 10_000):
        insert_accounts(rows[start : start + 10_000])
    return rows


def _events(rng: np.random.Generator, targets: list[Account], today: dt.date) -> None:
    """A year of events, skewed (a few accounts engage a lot), the last day's 100,000 in
    one burst; streamed to the database in batches."""
    last_day = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    year_start = last_day - dt.timedelta(days=365)
    weights = rng.pareto(1.5, size=len(targets)) + 0.1
    weights /= weights.sum()
    probabilities = np.array([2, 40, 25, 8, 8, 6, 3, 8], dtype=float)
    probabilities /= probabilities.sum()
    fields = [f for f in EngagementEvent._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    written = 0
    while written < EVENTS:
        size = min(250_000, EVENTS - written)
        who = rng.choice(len(targets), size=size, p=weights)
        kinds = rng.choice(len(KINDS), size=size, p=probabilities)
        burst = max(0, min(size, LAST_DAY_EVENTS - written))
        offsets = np.concatenate(
            [
                rng.uniform(365 * 86400, 366 * 86400 - 1, size=burst),
                rng.uniform(0, 365 * 86400, size=size - burst),
            ]
        )
        rows = []
        for i in range(size):
            account = targets[who[i]]
            values = {
                "owner_unit_id": account.owner_unit_id,
                "account_id": account.pk,
                "contact_id": None,
                "kind": KINDS[kinds[i]],
                "occurred_at": year_start + dt.timedelta(seconds=float(offsets[i])),
                "source": "bench",
                "external_id": f"bench-{written + i}",
                "created_at": now,
            }
            rows.append(tuple(values[f.attname] for f in fields))
        _copy(EngagementEvent._meta.db_table, [f.column for f in fields], rows)
        written += size


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _opportunities(
    rng: np.random.Generator, org: Organization, targets: list[Account], today: dt.date
) -> None:
    rows = []
    for i in range(OPPORTUNITIES):
        account = targets[int(rng.integers(len(targets)))]
        created = today - dt.timedelta(days=int(rng.integers(1, 366)))
        closes = created + dt.timedelta(days=int(rng.integers(20, 150)))
        status, closed_on = OpportunityStatus.OPEN, None
        if closes < today:
            status = OpportunityStatus.WON if rng.random() < 0.3 else OpportunityStatus.LOST
            closed_on = closes
        rows.append(
            Opportunity(
                organization=org,
                owner_unit_id=account.owner_unit_id,
                account=account,
                crm_id=f"bench-{i}",
                name=f"Deal {i}",
                currency="EUR",
                created_on=created,
                amount=Decimal(int(rng.lognormal(10.5, 0.5))),
                closed_on=closed_on,
                status=status,
            )
        )
    Opportunity.objects.bulk_create(rows, batch_size=5000)


def _spend(rng: np.random.Generator, units: list[OrgUnit], today: dt.date) -> None:
    rows = []
    for unit in units:
        budget = Budget.objects.create(
            owner_unit=unit,
            name=f"Bench {unit.code}",
            amount=Decimal(10_000_000),
            starts_on=today - dt.timedelta(days=400),
            ends_on=today + dt.timedelta(days=30),
        )
        for month in range(13):
            amount = Decimal(int(rng.integers(5_000, 40_000)))
            rows.append(
                Spend(
                    owner_unit=unit,
                    budget=budget,
                    kind="other",
                    amount_local=amount,
                    currency="EUR",
                    fx_rate=Decimal(1),
                    amount=amount,
                    spent_on=today - dt.timedelta(days=30 * month + 1),
                )
            )
    Spend.objects.bulk_create(rows)


# --- the baseline: the same figures straight from the raw rows ---------------------------


def _subtree(unit: OrgUnit, locals_: list[OrgUnit]) -> list[int]:
    if unit.tier == Tier.LOCAL:
        return [unit.pk]
    if unit.tier == Tier.REGION:
        return [u.pk for u in locals_ if u.parent_id == unit.pk]
    return [u.pk for u in locals_]


def _scalar(sql: str, params: list) -> Decimal:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        value = cursor.fetchone()[0]
    return Decimal(str(value or 0))


def _engaged_sql(units: list[OrgUnit], period_end: dt.date) -> int:
    """Target accounts above the threshold at the end of ``period_end``, local time:
    the decayed weighted sum of their events, aggregated by the database."""
    weight = " ".join(f"WHEN '{kind}' THEN {value}" for kind, value in WEIGHTS.items())
    if connection.vendor == "postgresql":
        age = "EXTRACT(EPOCH FROM (%s - e.occurred_at)) / 86400.0"
    else:
        age = "(julianday(%s) - julianday(e.occurred_at))"
    total = 0
    for unit in units:
        at = dt.datetime.combine(
            period_end + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(unit.timezone)
        ).astimezone(dt.UTC)
        low = at - dt.timedelta(days=HORIZON_DAYS)
        adapt = connection.ops.adapt_datetimefield_value
        sql = f"""
            SELECT COUNT(*) FROM (
                SELECT e.account_id,
                       SUM((CASE e.kind {weight} ELSE 0 END)
                           * POWER(0.5, {age} / {HALF_LIFE_DAYS})) AS score
                FROM accounts_engagementevent e
                JOIN accounts_account a ON a.id = e.account_id
                WHERE a.owner_unit_id = %s AND a.lifecycle IN ('selected', 'engaged',
                      'opportunity', 'customer')
                  AND e.occurred_at >= %s AND e.occurred_at < %s
                GROUP BY e.account_id
            ) scores WHERE ROUND(scores.score, 2) > %s
        """
        params = [adapt(at), unit.pk, adapt(low), adapt(at), DEFAULT_THRESHOLD]
        total += int(_scalar(sql, params))
    return total


def direct_inputs(ids: list[int], locals_: list[OrgUnit], start: dt.date, end: dt.date):
    marks = ", ".join(["%s"] * len(ids))
    opp = f"FROM analytics_opportunity WHERE owner_unit_id IN ({marks})"
    pipeline = _scalar(
        f"SELECT SUM(amount) {opp} AND created_on BETWEEN %s AND %s", [*ids, start, end]
    )
    created = _scalar(f"SELECT COUNT(*) {opp} AND created_on BETWEEN %s AND %s", [*ids, start, end])
    closed = f"{opp} AND closed_on BETWEEN %s AND %s"
    won = _scalar(f"SELECT SUM(amount) {closed} AND status = 'won'", [*ids, start, end])
    won_count = _scalar(f"SELECT COUNT(*) {closed} AND status = 'won'", [*ids, start, end])
    closed_count = _scalar(f"SELECT COUNT(*) {closed}", [*ids, start, end])
    if connection.vendor == "postgresql":
        cycle = "SUM(closed_on - created_on)"
    else:
        cycle = "SUM(julianday(closed_on) - julianday(created_on))"
    cycle_days = _scalar(f"SELECT {cycle} {closed}", [*ids, start, end])
    open_count = _scalar(
        f"SELECT COUNT(*) {opp} AND created_on <= %s AND (closed_on IS NULL OR closed_on > %s)",
        [*ids, end, end],
    )
    first = _scalar(
        f"SELECT COUNT(*) FROM (SELECT account_id, MIN(created_on) AS first {opp} "
        "GROUP BY account_id) f WHERE f.first BETWEEN %s AND %s",
        [*ids, start, end],
    )
    spend = _scalar(
        f"SELECT SUM(amount) FROM campaigns_spend WHERE owner_unit_id IN ({marks}) "
        "AND spent_on BETWEEN %s AND %s",
        [*ids, start, end],
    )
    selected = _scalar(
        f"SELECT COUNT(*) FROM accounts_account WHERE owner_unit_id IN ({marks}) "
        "AND lifecycle IN ('selected', 'engaged', 'opportunity', 'customer')",
        ids,
    )
    engaged = _engaged_sql([u for u in locals_ if u.pk in ids], end)
    return kpis.Inputs(
        pipeline_created=pipeline,
        opportunities_created=int(created),
        first_opportunity_accounts=int(first),
        selected_at_start=int(selected),
        won_amount=won,
        won_count=int(won_count),
        closed_count=int(closed_count),
        cycle_days_sum=int(cycle_days),
        open_count=int(open_count),
        spend=spend,
        engaged_accounts=engaged,
    )


def direct_report(root: OrgUnit, locals_: list[OrgUnit], period: reports.Period) -> dict:
    regions = list(OrgUnit.objects.filter(parent=root).order_by("code"))
    out = {}
    for unit in [root, *regions]:
        inputs = direct_inputs(_subtree(unit, locals_), locals_, period.start, period.end)
        out[unit.code] = reports.kpi_values(kpis.compute(inputs))
    return out


def rollup_report(user, root: OrgUnit, period: reports.Period) -> dict:
    report = reports.kpi_report(user, root, period)
    out = {root.code: report["kpis"]}
    for child in report["children"]:
        out[child["unit"]["code"]] = child["kpis"]
    return out


def run() -> dict:
    rng = np.random.default_rng(2031)
    today = timezone.localdate()
    started = time.perf_counter()
    root, locals_, user = build(rng, today)
    built = time.perf_counter() - started

    started = time.perf_counter()
    rows = rollups.rebuild(root.organization)
    rebuild_seconds = time.perf_counter() - started

    last_day = today - dt.timedelta(days=1)
    started = time.perf_counter()
    rollups.refresh([(unit.pk, last_day) for unit in locals_])
    refresh_seconds = time.perf_counter() - started

    period = reports.Period(last_day - dt.timedelta(days=89), last_day)
    from_rollups = rollup_report(user, root, period)
    direct = direct_report(root, locals_, period)
    assert from_rollups == direct, (from_rollups, direct)

    rollup_times, direct_times = [], []
    for i in range(RUNS):
        for name in ["rollups", "direct"] if i % 2 == 0 else ["direct", "rollups"]:
            if name == "rollups":
                started = time.perf_counter()
                for _ in range(ROLLUP_CALLS):
                    rollup_report(user, root, period)
                rollup_times.append((time.perf_counter() - started) / ROLLUP_CALLS)
            else:
                started = time.perf_counter()
                direct_report(root, locals_, period)
                direct_times.append(time.perf_counter() - started)
    figure, baseline = statistics.median(rollup_times), statistics.median(direct_times)
    events_in_horizon = EngagementEvent.objects.unrestricted().filter(
        owner_unit__organization=root.organization,
        occurred_at__gte=timezone.now() - dt.timedelta(days=HORIZON_DAYS + 1),
    )
    return {
        "figure": figure,
        "baseline": baseline,
        "figure_label": "dashboard data from rollups",
        "baseline_label": "same figures by SQL on raw rows",
        "runs": RUNS,
        "calls": ROLLUP_CALLS,
        "details": {
            "data": f"{ACCOUNTS:,} accounts, {EVENTS:,} events ({LAST_DAY_EVENTS:,} on "
            f"{last_day}), {OPPORTUNITIES:,} opportunities; generated in {built:.0f} s",
            "speed-up (baseline / figure)": f"{baseline / figure:,.0f}x",
            "rollups rebuilt from nothing": f"{rows:,} rows in {rebuild_seconds:.1f} s",
            "refresh of the last day (all units)": f"{refresh_seconds:.1f} s "
            f"({LAST_DAY_EVENTS:,} events that day, {events_in_horizon.count():,} in the "
            "scoring horizon)",
            "same figures": "yes: every KPI of global and its regions matched",
            "global KPIs": ", ".join(f"{k}={v}" for k, v in from_rollups[root.code].items()),
        },
    }
