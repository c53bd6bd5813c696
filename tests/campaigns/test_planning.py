"""The planner: local times per unit, holidays per contact, chunks, idempotence, cost."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import mix, planning
from campaigns.models import Campaign, CampaignStatus, Touch, TouchStatus

from .conftest import make_account, make_campaign, make_playbook, plan


def labels(campaign, **filters) -> list[str]:
    rows = Touch.objects.filter(campaign=campaign, **filters).order_by("step", "contact_id")
    return [t.local_scheduled for t in rows]


def test_it_plans_in_each_unit_time_zone_across_dst(tenants, email_content):
    # Steps on Friday 27 March 2026, then three days later (Monday 30, after the switch).
    playbook = make_playbook(
        tenants, email_content.family, [("email", 0, "always"), ("email", 3, "always")]
    )
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    fr = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")],
        starts_on=dt.date(2026, 3, 27), ends_on=dt.date(2026, 4, 30),
    )  # fmt: skip
    us = make_campaign(
        tenants, "us", playbook, [make_account(tenants.unit("us"), country="US")],
        starts_on=dt.date(2026, 3, 6), ends_on=dt.date(2026, 4, 30),
    )  # fmt: skip
    plan(fr, now=now)
    plan(us, now=now)
    fr_touches = list(Touch.objects.filter(campaign=fr).order_by("step"))
    assert [t.scheduled_at.hour for t in fr_touches] == [8, 7]  # 09:00 CET, 09:00 CEST
    assert labels(fr) == ["2026-03-27 09:00 Europe/Paris", "2026-03-30 09:00 Europe/Paris"]
    us_touches = list(Touch.objects.filter(campaign=us).order_by("step"))
    assert [t.scheduled_at.hour for t in us_touches] == [14, 13]  # 09:00 EST, 09:00 EDT
    assert labels(us) == ["2026-03-06 09:00 America/New_York", "2026-03-09 09:00 America/New_York"]


def test_it_skips_the_contact_country_holidays_and_keeps_the_allowed_hours(tenants, playbook):
    mix.set_rule(tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.hours.start", 10)
    french = make_account(tenants.unit("fr"), country="FR")
    german = make_account(tenants.unit("fr"), country="DE")  # a German firm France targets
    campaign = make_campaign(
        tenants, "fr", playbook, [french, german],
        starts_on=dt.date(2026, 7, 14), ends_on=dt.date(2026, 8, 31),
        overrides={"skip_steps": [1, 2]},
    )  # fmt: skip
    plan(campaign, now=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    assert labels(campaign, account=french) == ["2026-07-15 10:00 Europe/Paris"]
    assert labels(campaign, account=german) == ["2026-07-14 10:00 Europe/Paris"]


def test_a_touch_pushed_past_the_window_is_skipped(tenants, playbook):
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")],
        starts_on=dt.date(2026, 7, 10), ends_on=dt.date(2026, 7, 13),
        overrides={"delay_days": {"2": 2}},
    )  # fmt: skip
    plan(campaign, now=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    # Step 2 is due on Sunday 12 July → Monday 13, inside the window; step 3 on Tuesday 14,
    # Bastille Day → Wednesday 15, after the last day.
    assert Touch.objects.get(campaign=campaign, step=1).status == TouchStatus.PLANNED
    last = Touch.objects.get(campaign=campaign, step=2)
    assert (last.status, last.reason_code) == (TouchStatus.SKIPPED, "outside_window")
    assert "2026-07-15 09:00" in last.reason


def test_replanning_never_duplicates(tenants, playbook):
    accounts = [make_account(tenants.unit("fr"), country="FR", contacts=2) for _ in range(5)]
    campaign = plan(make_campaign(tenants, "fr", playbook, accounts), limit=2)
    assert (campaign.accounts_planned, campaign.accounts_total) == (5, 5)
    assert campaign.status == CampaignStatus.RUNNING
    assert Touch.objects.filter(campaign=campaign).count() == 30
    # A redelivered chunk task finds the cursor moved on and does nothing.
    assert planning.plan_chunk(campaign.pk, 0) is None
    # Planning the whole campaign again (e.g. after a crash mid-chunk) adds nothing.
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.PLANNING)
    plan(campaign, limit=3)
    assert Touch.objects.filter(campaign=campaign).count() == 30
    keys = Touch.objects.filter(campaign=campaign).values_list("idempotency_key", flat=True)
    assert len(set(keys)) == 30


def test_a_cancelled_campaign_stops_planning(tenants, playbook):
    accounts = [make_account(tenants.unit("fr"), country="FR") for _ in range(3)]
    campaign = make_campaign(tenants, "fr", playbook, accounts)
    planning.start(campaign)
    cursor = planning.plan_chunk(campaign.pk, 0, limit=1)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CANCELLED)
    assert planning.plan_chunk(campaign.pk, cursor, limit=1) is None
    assert Touch.objects.filter(campaign=campaign).count() == 3


def _chunk_queries(tenants, playbook, accounts: int) -> int:
    fr = tenants.unit("fr")
    campaign = make_campaign(
        tenants,
        "fr",
        playbook,
        [make_account(fr, country="FR", contacts=2) for _ in range(accounts)],
    )
    planning.start(campaign)
    with CaptureQueriesContext(connection) as queries:
        planning.plan_chunk(campaign.pk, 0, limit=100)
    touches = accounts * 2 * 3
    assert Touch.objects.filter(campaign=campaign).count() == touches
    # Inserts come in batches (one on PostgreSQL; SQLite caps the parameters per statement).
    inserts = [
        q for q in queries if q["sql"].startswith("INSERT") and '"campaigns_touch"' in q["sql"]
    ]
    assert len(inserts) <= max(1, touches // 40)
    return len(queries) - len(inserts)


def test_a_chunk_costs_the_same_queries_for_1_or_50_accounts(tenants, playbook):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.frequency.account_7d", 50
    )
    one = _chunk_queries(tenants, playbook, 1)
    fifty = _chunk_queries(tenants, playbook, 50)
    assert one == fifty, (one, fifty)
