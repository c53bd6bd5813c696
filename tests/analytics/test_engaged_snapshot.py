"""The vectorised engaged-accounts snapshot agrees with the engagement score, one by one."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from accounts.engagement import WEIGHTS, score_of
from analytics import rollups


def test_it_counts_what_score_of_says_for_every_account_unit_and_day():
    rng = random.Random(7)
    zones = {1: ZoneInfo("Europe/Paris"), 2: ZoneInfo("Asia/Tokyo"), 3: ZoneInfo("Europe/Paris")}
    accounts = {100 + i: rng.choice(list(zones)) for i in range(60)}
    origin = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    kinds = list(WEIGHTS)
    rows = [
        (account, rng.choice(kinds), origin + dt.timedelta(minutes=rng.randrange(300 * 1440)))
        for account in accounts
        for _ in range(rng.randrange(40))
    ]
    start, end = dt.date(2031, 3, 1), dt.date(2031, 10, 31)  # DST changes on the way
    threshold = 25.0
    as_seconds = [(account, kind, when.timestamp()) for account, kind, when in rows]
    got = dict(rollups._engaged_counts(as_seconds, accounts, zones, start, end, threshold))

    expected: dict[tuple[int, dt.date], int] = {}
    day = start
    while day <= end:
        for account, unit in accounts.items():
            at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zones[unit])
            events = sorted(((k, w) for a, k, w in rows if a == account), key=lambda e: e[1])
            if score_of([e for e in events if e[1] < at], at) > threshold:
                expected[(unit, day)] = expected.get((unit, day), 0) + 1
        day += dt.timedelta(days=1)
    assert got == expected
    assert sum(got.values()) > 1000  # the data does cross the threshold, often


@pytest.mark.django_db
def test_the_database_reads_event_times_as_unix_seconds(tenants):
    """Whole seconds exactly, so an event at local midnight stays on its day."""
    from accounts.models import EngagementEvent
    from tests.analytics.conftest import make_account

    account = make_account(tenants.unit("fr"))
    paris = ZoneInfo("Europe/Paris")
    moments = [
        dt.datetime(2031, 3, 30, 0, 0, tzinfo=paris),  # midnight, the night of the DST change
        dt.datetime(2031, 7, 14, 23, 59, 59, tzinfo=paris),
        dt.datetime(2031, 1, 1, 12, 0, 0, 250_000, tzinfo=dt.UTC),
    ]
    for n, when in enumerate(moments):
        EngagementEvent.objects.create(
            owner_unit=account.owner_unit, account=account, kind="opened", occurred_at=when,
            external_id=f"epoch-{n}",
        )  # fmt: skip
    read = (
        EngagementEvent.objects.filter(account=account)
        .order_by("external_id")
        .values_list(rollups.EpochSeconds("occurred_at"), flat=True)
    )
    expected = [when.timestamp() for when in moments]
    assert list(read)[:2] == expected[:2]
    assert abs(list(read)[2] - expected[2]) < 1e-3
