"""Demo analytics for Acme: twelve months of opportunities, spend and engagement.

Each local market gets its own rhythm (deal size, volume, win rate, sales cycle, spend),
with the same seasonality (quiet in August, strong before the year end), so the
dashboards show trends, differences between markets and a forecast with history to
learn from. The accounts of the demo are dated back to before the window, so the
target-account conversion has a base to divide by ("selected at the start of P").

History is data, not anyone's action: opportunities, events and the backdating are
written in bulk without audit entries; spend goes through the budget service (and its
caps) under the local marketers. The rollups are rebuilt once at the end.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Account, EngagementEvent
from accounts.models.engagement import EventKind
from analytics import insights, rollups
from analytics.models import MarketStandard, Opportunity, OpportunityStatus
from campaigns import budgets
from campaigns.models import Budget
from campaigns.seed import ALLOCATIONS, FX_RATES, ORGANIZATION
from glocal.models import Organization, OrgUnit
from glocal.seeding import SeedContext

MONTHS = 12
#: relative activity per calendar month: summer lull, strong autumn and year end
SEASON = {1: 0.8, 2: 0.9, 3: 1.1, 4: 1.0, 5: 1.0, 6: 1.1, 7: 0.8, 8: 0.5, 9: 1.1, 10: 1.2,
          11: 1.3, 12: 1.0}  # fmt: skip


class Market(NamedTuple):
    per_month: float  # opportunities created in an average month
    deal_eur: int  # median deal size, in euros
    win_rate: float
    cycle_days: tuple[int, int]
    spend_share: float  # of the unit's yearly budget spent on programmes over a year


MARKETS = {
    "fr": Market(5, 42_000, 0.32, (35, 110), 0.55),
    "de": Market(6, 58_000, 0.27, (45, 140), 0.5),
    "uk": Market(4, 39_000, 0.25, (30, 100), 0.5),
    "pl": Market(3, 21_000, 0.35, (25, 80), 0.45),
    "us": Market(7, 65_000, 0.22, (40, 130), 0.5),
    "br": Market(3, 18_000, 0.30, (30, 95), 0.45),
    "cn": Market(4, 30_000, 0.20, (50, 150), 0.4),
    "jp": Market(3, 52_000, 0.38, (60, 160), 0.45),
}
STAGES_OPEN = ["Discovery", "Qualification", "Proposal", "Negotiation"]
DEALS = ["Line retrofit", "Sensors", "Service plan", "Predictive maintenance", "Expansion"]
EVENT_KINDS = [EventKind.OPENED, EventKind.CLICKED, EventKind.REPLIED, EventKind.REGISTERED,
               EventKind.ATTENDED, EventKind.MEETING]  # fmt: skip
EVENT_WEIGHTS = [40, 25, 10, 10, 8, 7]
TARGET_STAGES = list(rollups.TARGET_STAGES)


def month_starts(today: dt.date) -> list[dt.date]:
    """The first days of the last ``MONTHS`` months, this one included, oldest first."""
    first = today.replace(day=1)
    return [first - relativedelta(months=back) for back in range(MONTHS - 1, -1, -1)]


def _rate(currency: str) -> Decimal:
    return Decimal(FX_RATES.get(currency, "1"))


@transaction.atomic
def seed_analytics(ctx: SeedContext, *, now: dt.datetime | None = None) -> None:
    organization = Organization.objects.filter(slug=ORGANIZATION).first()
    if organization is None:
        return
    units = {u.code: u for u in OrgUnit.objects.filter(organization=organization)}
    if Opportunity.objects.unrestricted().filter(organization=organization).exists():
        ctx.log("analytics: already seeded")
        return
    if not Budget.objects.unrestricted().filter(owner_unit__organization=organization).exists():
        return  # the campaigns step did not run: no budgets to spend from
    now = now or timezone.now()
    today = timezone.localdate(now, ZoneInfo(units["global"].timezone))
    months = month_starts(today)
    window_start = months[0]
    _rates(units, window_start)
    _backdate(units, window_start)
    opportunities = _opportunities(ctx, organization, units, months, today)
    spend = _spend(units, months, today)
    events = _events(ctx, units, months, now)
    written = rollups.rebuild(organization)
    standards = _standards(units, window_start)
    notes = _insights(units)
    ctx.log(
        f"analytics: {opportunities} opportunities, {spend} spend entries and {events} "
        f"engagement events over {MONTHS} months; {written} daily rollup rows; "
        f"{standards} market standards, {notes} field insights"
    )


def _rates(units: dict[str, OrgUnit], window_start: dt.date) -> None:
    """Rates from the first day of the window (the campaigns step set the fiscal year's)."""
    admin = get_user_model().objects.get(username="global-admin")
    for currency, rate in FX_RATES.items():
        budgets.set_fx_rate(admin, units["global"], currency, window_start, Decimal(rate))


def _backdate(units: dict[str, OrgUnit], window_start: dt.date) -> None:
    """The demo's accounts were in the base before the window opened (no audit: this is
    history, not a change anyone made today)."""
    before = dt.datetime.combine(window_start - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    accounts = Account.objects.unrestricted().filter(owner_unit__in=units.values())
    models.QuerySet.update(accounts, created_at=before)


def _targets(unit: OrgUnit) -> list[Account]:
    return list(
        Account.objects.unrestricted()
        .filter(owner_unit=unit, lifecycle__in=TARGET_STAGES)
        .order_by("pk")
    )


def _opportunities(
    ctx: SeedContext,
    organization: Organization,
    units: dict[str, OrgUnit],
    months: list[dt.date],
    today: dt.date,
) -> int:
    rng = ctx.rng
    rows = []
    for code, market in MARKETS.items():
        unit = units.get(code)
        if unit is None:
            continue
        targets = _targets(unit)
        if not targets:
            continue
        rate = _rate(unit.currency)
        trend = 1.0
        for start in months:
            trend *= 1 + rng.uniform(-0.02, 0.05)  # most markets grow a little
            expected = market.per_month * SEASON[start.month] * trend
            count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
            last_day = min(start + relativedelta(day=31), today)
            for _ in range(count):
                account = rng.choice(targets)
                created = start + dt.timedelta(days=rng.randrange((last_day - start).days + 1))
                euros = rng.lognormvariate(math.log(market.deal_eur), 0.45)
                closes = created + dt.timedelta(days=rng.randint(*market.cycle_days))
                status, closed_on, stage = OpportunityStatus.OPEN, None, rng.choice(STAGES_OPEN)
                if closes <= today:
                    won = rng.random() < market.win_rate
                    status = OpportunityStatus.WON if won else OpportunityStatus.LOST
                    closed_on, stage = closes, ("Closed won" if won else "Closed lost")
                rows.append(
                    Opportunity(
                        organization=organization,
                        owner_unit=unit,
                        account=account,
                        crm_id=f"seed-{code}-{len(rows) + 1:05d}",
                        name=f"{account.name} — {rng.choice(DEALS)}",
                        amount=(Decimal(euros) / rate).quantize(Decimal("1")),
                        currency=unit.currency,
                        stage=stage,
                        created_on=created,
                        closed_on=closed_on,
                        status=status,
                    )
                )
    Opportunity.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _spend(units: dict[str, OrgUnit], months: list[dt.date], today: dt.date) -> int:
    """Monthly programme spend per market, through the budget service and its caps."""
    users = get_user_model().objects
    allocations = {code: Decimal(amount) for code, _p, amount, _g in ALLOCATIONS}
    recorded = 0
    for code, market in MARKETS.items():
        unit = units.get(code)
        marketer = users.filter(username=f"{code}-marketer").first()
        if unit is None or marketer is None:
            continue
        for start in months:
            budget = _budget_for(unit, start)
            if budget is None:
                continue
            euros = allocations[code] * Decimal(market.spend_share / 12 * SEASON[start.month])
            budgets.record_spend(
                marketer,
                budget,
                kind="other",
                spent_on=min(start + dt.timedelta(days=14), today),
                amount_local=(euros / _rate(unit.currency)).quantize(Decimal("1")),
                description="Monthly programme spend (demo)",
                external_key=f"seed:analytics:{code}:{start:%Y-%m}",
            )
            recorded += 1
    return recorded


def _budget_for(unit: OrgUnit, day: dt.date) -> Budget | None:
    """The unit's budget covering ``day``; the year before the campaigns' fiscal year gets
    its own tree, allocated like this year's."""
    budget = _covering(unit, day)
    if budget is None:
        _previous_year(unit.organization_id, day.year)
        budget = _covering(unit, day)
    return budget


def _covering(unit: OrgUnit, day: dt.date) -> Budget | None:
    return (
        Budget.objects.unrestricted()
        .filter(owner_unit=unit, starts_on__lte=day, ends_on__gte=day)
        .order_by("pk")
        .first()
    )


def _previous_year(organization_id: int, year: int) -> None:
    units = {u.code: u for u in OrgUnit.objects.filter(organization_id=organization_id)}
    if _covering(units["global"], dt.date(year, 6, 30)) is not None:
        return
    manager = get_user_model().objects.get(username="global-manager")
    tree: dict[str, Budget] = {}
    for code, parent, amount, guidelines in ALLOCATIONS:
        unit = units[code]
        budget = budgets.allocate(
            manager,
            tree[parent] if parent else None,
            unit,
            Decimal(amount),
            name=f"FY{year}" if parent is None else f"FY{year} {unit.name}",
            starts_on=dt.date(year, 1, 1),
            ends_on=dt.date(year, 12, 31),
            guidelines=guidelines,
        )
        if not isinstance(budget, Budget):
            raise RuntimeError(f"the FY{year} allocation to {code} waits for approval")
        tree[code] = budget


def _events(
    ctx: SeedContext, units: dict[str, OrgUnit], months: list[dt.date], now: dt.datetime
) -> int:
    """A few engagement events per target account and month, more in busy months."""
    rng = ctx.rng
    rows = []
    for code in MARKETS:
        unit = units.get(code)
        if unit is None:
            continue
        for account in _targets(unit):
            # A quarter of the targets are hot (meetings, events): they cross the
            # engagement threshold; the others open an email now and then.
            per_month = 7.0 if rng.random() < 0.25 else 1.0
            for start in months:
                count = round(rng.expovariate(1 / (per_month * SEASON[start.month])))
                for _ in range(min(count, 12)):
                    when = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
                        days=rng.randrange(28), minutes=rng.randrange(600)
                    )
                    if when > now:
                        continue
                    rows.append(
                        EngagementEvent(
                            owner_unit=unit,
                            account=account,
                            kind=rng.choices(EVENT_KINDS, EVENT_WEIGHTS)[0],
                            occurred_at=when,
                            source="seed",
                            external_id=f"seed:analytics:{account.pk}:{len(rows)}",
                        )
                    )
    EngagementEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


#: (region, local, KPI, value): what each region expects of a market like this one
STANDARDS = [
    ("emea", "fr", "conversion_rate", "0.08"), ("emea", "de", "conversion_rate", "0.06"),
    ("emea", "uk", "conversion_rate", "0.07"), ("emea", "pl", "conversion_rate", "0.10"),
    ("amer", "us", "conversion_rate", "0.05"), ("amer", "br", "conversion_rate", "0.09"),
    ("apac", "cn", "conversion_rate", "0.04"), ("apac", "jp", "conversion_rate", "0.06"),
    ("emea", "fr", "roi", "3"), ("emea", "de", "roi", "4"), ("amer", "us", "roi", "2.5"),
]  # fmt: skip
#: (author, unit, text, tags, sentiment, what happens to it)
INSIGHTS = [
    ("fr-marketer", "fr", "Plant managers answer on WhatsApp faster than on email; the "
     "webinar replays get forwarded internally.", ["channels", "webinar"], "positive",
     "published"),
    ("de-marketer", "de", "Trade-fair leads go cold within two weeks unless sales calls "
     "them in the first three days.", ["events", "hand-off"], "negative", "endorsed"),
    ("uk-marketer", "uk", "Case studies with energy savings in pounds outperform the "
     "percentage versions.", ["content"], "positive", "submitted"),
    ("jp-marketer", "jp", "Partner seminars bring whole buying committees; individual "
     "invitations rarely do.", ["events", "buying-committee"], "positive", "endorsed"),
]  # fmt: skip


def _standards(units: dict[str, OrgUnit], window_start: dt.date) -> int:
    """Market standards the regions enter for their markets (what a good team reaches
    there), so benchmarks blend history with them."""
    rows = [
        MarketStandard(
            owner_unit=units[region],
            target_unit=units[local],
            kpi=kpi,
            value=Decimal(value),
            valid_from=window_start,
            note="Demo: the region's expectation for this market",
        )
        for region, local, kpi, value in STANDARDS
        if region in units and local in units
    ]
    for row in rows:
        row.full_clean()
    MarketStandard.objects.bulk_create(rows)
    return len(rows)


def _insights(units: dict[str, OrgUnit]) -> int:
    """A few field insights at each stage of curation, through the insight services."""
    users = get_user_model().objects
    written = 0
    for username, code, text, tags, sentiment, fate in INSIGHTS:
        unit = units.get(code)
        if unit is None:
            continue
        insight = insights.submit(
            users.get(username=username), unit, text=text, tags=tags, sentiment=sentiment
        )
        if fate in ("endorsed", "published"):
            region = units[code].parent.code
            insight = insights.endorse(users.get(username=f"{region}-manager"), insight)
        if fate == "published":
            insights.publish(users.get(username="global-manager"), insight)
        written += 1
    return written
