"""Rollups: each input recomputed from the facts, refreshed by the worker when a fact
changes (idempotently), rebuilt from scratch, and read back summed over a subtree."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import engagement
from accounts.models import Account, Lifecycle
from analytics import rollups
from analytics.kpis import Inputs
from analytics.models import DailyFact, Input
from campaigns.models import FxRate
from governance.models.audit import AuditEntry
from tests.campaigns.budget_helpers import tree

from .conftest import D, facts, make_account, make_opportunity

JAN5, JAN20, FEB1, MAR1 = (
    dt.date(2031, 1, 5),
    dt.date(2031, 1, 20),
    dt.date(2031, 2, 1),
    dt.date(2031, 3, 1),
)


@pytest.fixture
def usd(tenants):
    root = tenants.unit("global")
    FxRate.objects.create(owner_unit=root, currency="USD", day=dt.date(2031, 1, 1), rate=D("0.9"))
    FxRate.objects.create(owner_unit=root, currency="USD", day=FEB1, rate=D("0.8"))


def test_opportunities_roll_up_on_their_creation_and_close_days(tenants, usd, worker):
    fr = tenants.unit("fr")
    account = make_account(fr)
    with worker():
        make_opportunity(account, 1000, JAN5, currency="USD")  # 900 EUR at 0.9
        make_opportunity(account, 500, JAN5)
        make_opportunity(account, 2000, JAN20, currency="USD", status="won", closed_on=FEB1)
        make_opportunity(account, 300, JAN20, status="lost", closed_on=FEB1)
    assert facts(fr, name__in=[i for i in Input.values if i != "selected_net"]) == {
        ("fr", JAN5, "pipeline_created"): D("1400.0000"),
        ("fr", JAN5, "opportunities_created"): D(2),
        ("fr", JAN5, "first_opportunity_accounts"): D(1),
        ("fr", JAN20, "pipeline_created"): D("2100.0000"),  # 2000 USD at 0.9 + 300
        ("fr", JAN20, "opportunities_created"): D(2),
        # won: converted at the close day's rate (0.8)
        ("fr", FEB1, "won_amount"): D("1600.0000"),
        ("fr", FEB1, "won_count"): D(1),
        ("fr", FEB1, "closed_count"): D(2),
        ("fr", FEB1, "cycle_days_sum"): D(24),  # 12 + 12 days
    }


def test_a_change_moves_the_rows_and_a_refresh_is_idempotent(tenants, worker):
    fr = tenants.unit("fr")
    first = make_account(fr)
    with worker():
        early = make_opportunity(first, 100, JAN5)
        make_opportunity(first, 50, JAN20)
    assert facts(fr, name="first_opportunity_accounts") == {
        ("fr", JAN5, "first_opportunity_accounts"): D(1)
    }
    with worker():
        early.created_on = FEB1
        from analytics import services

        services.store_opportunity(early)
    # The account's first opportunity is now the one of JAN20; JAN5 is empty.
    assert facts(fr, name__in=["first_opportunity_accounts", "pipeline_created"]) == {
        ("fr", JAN20, "first_opportunity_accounts"): D(1),
        ("fr", JAN20, "pipeline_created"): D("50.0000"),
        ("fr", FEB1, "pipeline_created"): D("100.0000"),
    }
    before = facts(fr)
    rollups.refresh([(fr.pk, JAN20), (fr.pk, FEB1), (fr.pk, JAN20)])
    assert facts(fr) == before


def test_an_amount_without_a_rate_waits_for_the_rate(tenants, worker):
    fr = tenants.unit("fr")
    with worker():
        make_opportunity(make_account(fr), 1000, JAN5, currency="GBP")
    assert facts(fr, name="pipeline_created") == {}
    assert facts(fr, name="opportunities_created") == {("fr", JAN5, "opportunities_created"): 1}
    with worker():  # entering the rate rebuilds the organisation from its day
        FxRate.objects.create(
            owner_unit=tenants.unit("global"), currency="GBP", day=JAN5, rate=D("1.1")
        )
    assert ("rebuild", fr.organization_id, JAN5.isoformat()) in worker.queued
    assert facts(fr, name="pipeline_created") == {("fr", JAN5, "pipeline_created"): D("1100.0000")}


def test_recorded_spend_rolls_up_on_its_budget_unit(tenants, worker):
    from campaigns import budgets

    fr_budget = tree(tenants)["fr"]
    with worker():
        budgets.record_spend(
            tenants.user("fr-marketer"),
            fr_budget,
            kind="event",
            spent_on=dt.date(2031, 3, 10),
            amount_local=D(250),
        )
    assert facts(tenants.unit("fr"), name="spend") == {
        ("fr", dt.date(2031, 3, 10), "spend"): D("250.0000")
    }


def _backdate(account: Account, day: dt.date) -> None:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    AuditEntry.objects.filter(target_type="accounts.Account", target_id=str(account.pk)).update(
        at=at
    )


def test_selected_accounts_come_from_the_lifecycle_moves(tenants, worker):
    fr = tenants.unit("fr")
    selected = make_account(fr)  # created selected: +1
    candidate = make_account(fr, lifecycle=Lifecycle.CANDIDATE)  # not a target: 0
    _backdate(selected, JAN5)
    _backdate(candidate, JAN5)
    candidate.lifecycle = Lifecycle.SELECTED
    candidate.save()
    selected.lifecycle = Lifecycle.DESELECTED
    selected.save()
    AuditEntry.objects.filter(target_id=str(candidate.pk), action="update").update(
        at=timezone.make_aware(dt.datetime(2031, 1, 20, 12))
    )
    AuditEntry.objects.filter(target_id=str(selected.pk), action="update").update(
        at=timezone.make_aware(dt.datetime(2031, 2, 1, 12))
    )
    rollups.refresh([(fr.pk, JAN5), (fr.pk, JAN20), (fr.pk, FEB1)])
    assert facts(fr, name="selected_net") == {
        ("fr", JAN5, "selected_net"): D(1),
        ("fr", JAN20, "selected_net"): D(1),
        ("fr", FEB1, "selected_net"): D(-1),
    }


def test_accounts_inserted_in_bulk_count_from_their_creation_day(tenants):
    fr = tenants.unit("fr")
    [account] = Account.objects.bulk_create(
        [Account(owner_unit=fr, name="Bulk", lifecycle=Lifecycle.ENGAGED)]
    )
    today = timezone.localdate(account.created_at, timezone.get_current_timezone())
    rollups.refresh([(fr.pk, today)])
    assert facts(fr, name="selected_net") == {("fr", today, "selected_net"): D(1)}


def test_a_lifecycle_move_schedules_todays_refresh(tenants, worker):
    fr = tenants.unit("fr")
    with worker():
        make_account(fr)
    today = rollups._today(fr.pk)
    assert ("refresh", [[fr.pk, today.isoformat()]]) in worker.queued
    assert facts(fr, name="selected_net") == {("fr", today, "selected_net"): D(1)}


def test_engaged_accounts_are_target_accounts_above_the_threshold(tenants, worker):
    fr = tenants.unit("fr")
    target = make_account(fr, lifecycle=Lifecycle.ENGAGED)
    candidate = make_account(fr, lifecycle=Lifecycle.CANDIDATE)
    quiet = make_account(fr)
    now = timezone.now()
    with worker():
        for account in (target, candidate):
            for n in range(3):  # three meetings: 60 points, over the default 50
                engagement.record_event(
                    account=account,
                    kind="meeting",
                    occurred_at=now - dt.timedelta(hours=n + 1),
                    external_id=f"meet-{account.pk}-{n}",
                )
        engagement.record_event(
            account=quiet, kind="opened", occurred_at=now, external_id=f"open-{quiet.pk}"
        )
    today = rollups._today(fr.pk)
    assert facts(fr, name="engaged_accounts") == {("fr", today, "engaged_accounts"): D(1)}


def test_a_rebuild_matches_the_incremental_rows(tenants, usd, worker):
    fr, de = tenants.unit("fr"), tenants.unit("de")
    with worker():
        make_opportunity(make_account(fr), 1000, JAN5, currency="USD")
        make_opportunity(make_account(de), 700, JAN20, status="won", closed_on=MAR1)
    incremental = facts()
    DailyFact.objects.unrestricted().delete()
    call_command("rebuild_rollups", "--org", "acme-industrial")
    assert facts() == incremental
    # Stale rows disappear too.
    DailyFact.objects.create(owner_unit=fr, day=FEB1, name="spend", value=D(5))
    call_command("rebuild_rollups", "--org", "acme-industrial", "--since", "2031-01-01")
    assert facts() == incremental


def test_the_rebuild_command_refuses_bad_arguments(tenants):
    with pytest.raises(CommandError, match="not a date"):
        call_command("rebuild_rollups", "--since", "yesterday")
    with pytest.raises(CommandError, match="No organisation"):
        call_command("rebuild_rollups", "--org", "nope")


def test_inputs_are_read_summed_over_the_subtree(tenants):
    fr, de, emea = tenants.unit("fr"), tenants.unit("de"), tenants.unit("emea")
    rows = [
        (fr, dt.date(2030, 12, 1), "selected_net", 4),
        (de, dt.date(2030, 12, 2), "selected_net", 6),
        (fr, dt.date(2031, 1, 3), "selected_net", 5),  # in P: not "at the start"
        (fr, dt.date(2030, 12, 5), "opportunities_created", 3),
        (fr, JAN5, "opportunities_created", 2),
        (fr, JAN20, "closed_count", 1),
        (de, FEB1, "opportunities_created", 9),  # after P
        (fr, JAN5, "first_opportunity_accounts", 1),
        (de, JAN20, "first_opportunity_accounts", 1),
        (emea, JAN20, "spend", 100),
        (fr, dt.date(2031, 1, 31), "engaged_accounts", 2),
        (de, dt.date(2031, 1, 30), "engaged_accounts", 7),  # not P's last day
    ]
    for unit, day, name, value in rows:
        DailyFact.objects.create(owner_unit=unit, day=day, name=name, value=D(value))
    groups = {"emea": rollups_subtree(emea), "fr": {fr.pk}}
    result = rollups.read_inputs(
        DailyFact.objects.unrestricted(),
        groups,
        dt.date(2031, 1, 1),
        dt.date(2031, 1, 31),
        today=dt.date(2031, 6, 1),
    )
    assert result["emea"] == Inputs(
        selected_at_start=10,
        opportunities_created=2,
        open_count=4,
        first_opportunity_accounts=2,
        closed_count=1,
        spend=D(100),
        engaged_accounts=2,
    )
    assert result["fr"].selected_at_start == 4


def rollups_subtree(unit) -> set[int]:
    from accounts.scoring import subtree_ids

    return subtree_ids([unit.pk])


def test_the_tasks_take_ids_and_the_nightly_refresh_is_scheduled(tenants):
    from analytics import tasks
    from glocal.celery import app

    fr = tenants.unit("fr")
    DailyFact.objects.create(owner_unit=fr, day=JAN5, name="spend", value=D(5))  # stale
    assert tasks.refresh_rollups([[fr.pk, JAN5.isoformat()]]) == 0
    assert facts(fr) == {}
    make_account(fr, lifecycle=Lifecycle.ENGAGED)
    assert tasks.refresh_recent_rollups() >= 1  # today's selection of the new account
    assert tasks.rebuild_rollups(0) == 0  # a vanished organisation is no error
    entries = [e["task"] for e in app.conf.beat_schedule.values()]
    assert "analytics.tasks.refresh_recent_rollups" in entries


def test_deleting_an_opportunity_takes_it_out_of_the_rollups(tenants, worker):
    from analytics import services

    fr = tenants.unit("fr")
    account = make_account(fr)
    with worker():
        first = make_opportunity(account, 100, JAN5)
        make_opportunity(account, 50, JAN20)
    with worker():
        services.delete_opportunity(first)
    assert facts(fr, name__in=["first_opportunity_accounts", "pipeline_created"]) == {
        ("fr", JAN20, "first_opportunity_accounts"): D(1),
        ("fr", JAN20, "pipeline_created"): D("50.0000"),
    }


def test_a_bulk_lifecycle_update_schedules_its_units_refresh(tenants, worker):
    fr = tenants.unit("fr")
    account = make_account(fr, lifecycle=Lifecycle.CANDIDATE)
    with worker():
        Account.objects.filter(pk=account.pk).update(lifecycle=Lifecycle.SELECTED)
    today = rollups._today(fr.pk)
    assert ("refresh", [[fr.pk, today.isoformat()]]) in worker.queued


def test_an_engagement_snapshot_decays_day_after_day(tenants):
    fr = tenants.unit("fr")
    account = make_account(fr, lifecycle=Lifecycle.ENGAGED)
    day0 = rollups._today(fr.pk) - dt.timedelta(days=60)
    noon = timezone.make_aware(dt.datetime.combine(day0, dt.time(12)))
    for n in range(3):  # 60 points on day 0
        engagement.record_event(
            account=account, kind="meeting", occurred_at=noon, external_id=f"old-{n}"
        )
    later = day0 + dt.timedelta(days=10)  # 60 * 0.5 ** (10.5 / 30) = 47: below 50
    rollups.refresh([(fr.pk, day0 - dt.timedelta(days=1)), (fr.pk, day0), (fr.pk, later)])
    assert facts(fr, name="engaged_accounts") == {("fr", day0, "engaged_accounts"): D(1)}


def test_a_year_of_imported_rates_asks_for_one_rebuild_from_the_earliest_day(tenants, worker):
    from campaigns.budgets.fx import import_fx_rates

    rows = [
        {"day": (JAN5 + dt.timedelta(days=n)).isoformat(), "currency": "GBP", "rate": "1.1"}
        for n in range(30, -1, -1)  # newest first: the earliest day is the last row
    ]
    with worker():
        import_fx_rates(tenants.user("global-admin"), tenants.unit("global"), rows)
    rebuilds = [entry for entry in worker.queued if entry[0] == "rebuild"]
    assert rebuilds == [("rebuild", tenants.unit("fr").organization_id, JAN5.isoformat())]


def test_a_burst_of_events_costs_one_computation(
    tenants, monkeypatch, django_capture_on_commit_callbacks, fresh_stamps
):
    """A delivery of 40 events queues a refresh per event; the worker computes their
    days once (one run up to today), and skips the requests queued before it started."""
    from django.db import transaction

    from accounts.engagement import record_event
    from analytics import tasks

    fr = tenants.unit("fr")
    account = make_account(fr)
    at = timezone.now() - dt.timedelta(days=3)
    queued: list = []
    monkeypatch.setattr(tasks.refresh_rollups, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(40):
            record_event(
                account=account,
                kind="meeting",
                occurred_at=at + dt.timedelta(days=n % 2),
                external_id=f"delivery-{n}",
            )
    assert len(queued) == 40  # one request per event, all queued at the commit
    computed: list = []
    real = rollups.compute

    def counting(units, start, end):
        computed.append(start)
        return real(units, start, end)

    monkeypatch.setattr(rollups, "compute", counting)
    for pairs, queued_at in queued:  # the worker takes them in order, 2 s after the commit
        earlier = dt.datetime.fromisoformat(queued_at) - dt.timedelta(seconds=2)
        tasks.refresh_rollups(pairs, earlier.isoformat())
    days = {day for args in queued for _unit, day in args[0]}
    # Every day from the events' to today, computed once, as one run.
    today = timezone.localdate(timezone.now(), ZoneInfo(fr.timezone))
    assert max(days) == today.isoformat() and len(days) == 4
    assert computed == [dt.date.fromisoformat(min(days))]
    assert facts(fr, name="engaged_accounts")  # and the rows are there


def test_a_late_event_refreshes_every_snapshot_since_its_day(tenants, worker):
    """A meeting logged today for last week counts in every end-of-day snapshot since."""
    fr = tenants.unit("fr")
    account = make_account(fr)
    today = timezone.localdate(timezone.now(), ZoneInfo(fr.timezone))
    week_ago = timezone.now() - dt.timedelta(days=7)
    with worker():
        for n in range(3):  # 3 meetings (20 points each) cross the threshold of 50
            engagement.record_event(
                account=account, kind="meeting", occurred_at=week_ago, external_id=f"late-{n}"
            )
    engaged = facts(fr, name="engaged_accounts")
    first = timezone.localdate(week_ago, ZoneInfo(fr.timezone))
    assert {day for _code, day, _name in engaged} == {
        first + dt.timedelta(days=n) for n in range((today - first).days + 1)
    }


def test_a_burst_on_days_without_figures_is_computed_once_too(
    tenants, monkeypatch, django_capture_on_commit_callbacks, fresh_stamps
):
    """Opened emails alone engage nobody: those unit-days have no rows to say they were
    computed, so the computation's stamp (in the cache) does."""
    from django.db import transaction

    from accounts.engagement import record_event
    from analytics import tasks

    fr = tenants.unit("fr")
    account = make_account(fr)
    at = timezone.now() - dt.timedelta(days=2)
    queued: list = []
    monkeypatch.setattr(tasks.refresh_rollups, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(20):
            record_event(account=account, kind="opened", occurred_at=at, external_id=f"o-{n}")
    computed: list = []
    real = rollups.compute

    def counting(units, start, end):
        computed.append(start)
        return real(units, start, end)

    monkeypatch.setattr(rollups, "compute", counting)
    for pairs, queued_at in queued:
        earlier = dt.datetime.fromisoformat(queued_at) - dt.timedelta(seconds=2)
        with django_capture_on_commit_callbacks(execute=True):  # each task commits
            tasks.refresh_rollups(pairs, earlier.isoformat())
    assert len(queued) == 20 and len(computed) == 1
    assert facts(fr, name="engaged_accounts") == {}
