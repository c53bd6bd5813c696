"""Coordination rituals: recurrence, idempotent scheduling, reminders in each participant's
time zone, agendas from live data, minutes, action items and overdue flags."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from glocal import layering
from glocal.layering.models import StaleOverride
from governance import agenda, rituals
from governance.agenda import AgendaItem
from governance.models import ActionItem, Directive, Ritual, RitualOccurrence, RitualReminder
from governance.tasks import flag_overdue_action_items, schedule_ritual, send_ritual_reminders

UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def make_ritual(unit, **fields) -> Ritual:
    values = {
        "name": "Weekly sync",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "starts_on": dt.date(2026, 1, 5),
        "time_of_day": dt.time(10, 0),
        "participant_mode": "children",
        **fields,
    }
    ritual = Ritual(owner_unit=unit, **values)
    ritual.full_clean()
    ritual.save()
    return ritual


def codes(ritual: Ritual) -> set[str]:
    return set(ritual.participant_units.values_list("code", flat=True))


# --- recurrence ---------------------------------------------------------------------------


def test_a_ritual_keeps_its_local_time_across_a_daylight_saving_change(tenants):
    ritual = make_ritual(tenants.unit("fr"), starts_on=dt.date(2026, 3, 16))  # Europe/Paris
    starts = ritual.starts_between(at(2026, 3, 16), at(2026, 4, 7))
    # 10:00 in Paris is 09:00 UTC in winter time and 08:00 UTC from 29 March.
    assert starts == [at(2026, 3, 16, 9), at(2026, 3, 23, 9), at(2026, 3, 30, 8), at(2026, 4, 6, 8)]


def test_the_first_date_and_until_bound_the_rule(tenants):
    ritual = make_ritual(
        tenants.unit("us"),  # America/New_York
        recurrence="FREQ=MONTHLY;BYDAY=+1TU;UNTIL=20260601T000000Z",
        starts_on=dt.date(2026, 2, 15),
        time_of_day=dt.time(9, 30),
    )
    starts = ritual.starts_between(at(2026, 1, 1), at(2027, 1, 1))
    local = [s.astimezone(ZoneInfo("America/New_York")) for s in starts]
    assert [(d.month, d.day, d.hour, d.minute) for d in local] == [
        (3, 3, 9, 30),
        (4, 7, 9, 30),
        (5, 5, 9, 30),
    ]


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("", "cannot be blank"),
        ("FREQ=HOURLY", "at most daily"),
        ("FREQ=SOMETIMES", "Invalid recurrence rule"),
        ("BYDAY=MO", "Invalid recurrence rule"),
        ("DTSTART:20260101T100000\nRRULE:FREQ=WEEKLY", "only the rule"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never matches"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "COUNT or UNTIL"),
    ],
)
def test_bad_recurrence_rules_are_refused_with_the_field(tenants, rule, fragment):
    ritual = Ritual(
        owner_unit=tenants.unit("emea"),
        name="Bad",
        recurrence=rule,
        starts_on=dt.date(2026, 1, 1),
        time_of_day=dt.time(10),
    )
    with pytest.raises(ValidationError) as exc:
        ritual.full_clean()
    assert fragment in " ".join(exc.value.message_dict["recurrence"])


# --- participants --------------------------------------------------------------------------


def test_participants_follow_the_mode(tenants):
    weekly = make_ritual(tenants.unit("emea"))
    workshop = make_ritual(tenants.unit("global"), name="Workshop", participant_mode="subtree")
    review = make_ritual(tenants.unit("global"), name="Review")
    for ritual in (weekly, workshop, review):
        rituals.sync_participants(ritual)
    assert codes(weekly) == {"emea", "fr", "de", "uk", "pl"}
    assert codes(review) == {"global", "emea", "amer", "apac"}
    assert len(codes(workshop)) == 12  # every Acme unit


def test_chosen_participants_must_be_the_organisers_own_units(tenants):
    ritual = make_ritual(tenants.unit("emea"), participant_mode="chosen")
    ritual.check_participants([tenants.unit("fr"), tenants.unit("emea")])
    with pytest.raises(ValidationError) as exc:
        ritual.check_participants([tenants.unit("us")])
    assert "United States" in exc.value.message_dict["participant_units"][0]


# --- scheduling ----------------------------------------------------------------------------


NOW = at(2026, 3, 1, 12)


def test_occurrences_are_created_ahead_once(tenants):
    ritual = make_ritual(tenants.unit("emea"))  # Mondays 10:00 Brussels
    first = rituals.schedule(ritual, NOW)
    assert len(first.created) == 9  # Mondays over the next 60 days
    again = rituals.schedule(ritual, NOW)
    assert again.created == [] and again.removed == 0
    assert ritual.occurrences.count() == 9
    # Five participant units, one reminder each per occurrence.
    assert RitualReminder.objects.filter(occurrence__ritual=ritual).count() == 9 * 5


def test_two_beats_racing_create_each_occurrence_once(tenants):
    ritual = make_ritual(tenants.unit("emea"))
    rituals.schedule(ritual, NOW)
    occurrence = ritual.occurrences.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        RitualOccurrence.objects.create(
            ritual=ritual, starts_at=occurrence.starts_at, ends_at=occurrence.ends_at
        )
    # A beat that lost the race to another simply finds the rows there.
    schedule_ritual.apply(args=[ritual.pk])
    schedule_ritual.apply(args=[ritual.pk])
    starts = list(ritual.occurrences.values_list("starts_at", flat=True))
    assert len(starts) == len(set(starts))


def test_a_rule_change_removes_empty_future_meetings_and_cancels_recorded_ones(tenants):
    ritual = make_ritual(tenants.unit("emea"))
    rituals.schedule(ritual, NOW)
    kept = ritual.occurrences.order_by("starts_at").first()
    kept.minutes = "Prepared agenda"
    kept.save()
    ritual.recurrence = "FREQ=WEEKLY;BYDAY=TU"
    ritual.save()
    result = rituals.schedule(ritual, NOW)
    assert result.removed == 8 and result.cancelled == 1
    kept.refresh_from_db()
    assert kept.status == "cancelled"
    tuesdays = ritual.occurrences.filter(status="scheduled")
    assert {o.starts_at.astimezone(ZoneInfo("Europe/Brussels")).weekday() for o in tuesdays} == {1}


def test_a_paused_ritual_has_no_future_meetings(tenants):
    ritual = make_ritual(tenants.unit("emea"))
    rituals.schedule(ritual, NOW)
    ritual.is_active = False
    ritual.save()
    rituals.schedule(ritual, NOW)
    assert not ritual.occurrences.exists()
    assert rituals.schedulable_ritual_ids().count(ritual.pk) == 0


# --- reminders -----------------------------------------------------------------------------


def test_reminders_are_due_at_nine_local_the_day_before_in_each_units_zone(tenants):
    # Monday 9 March 2026, 10:00 in Paris = 09:00 UTC. New York moved to summer time on
    # Sunday 8 March (UTC-4), Paris only on 29 March (UTC+1); Tokyo has no DST.
    ritual = make_ritual(
        tenants.unit("global"), participant_mode="subtree", starts_on=dt.date(2026, 3, 9)
    )
    rituals.schedule(ritual, at(2026, 3, 2))
    occurrence = ritual.occurrences.get(starts_at=at(2026, 3, 9, 9))
    due = {r.unit.code: r.due_at for r in occurrence.reminders.select_related("unit")}
    assert due["global"] == at(2026, 3, 8, 8)  # 09:00 CET
    assert due["us"] == at(2026, 3, 8, 13)  # 09:00 EDT, the very day DST began
    assert due["br"] == at(2026, 3, 8, 12)  # 09:00 in São Paulo (UTC-3)
    assert due["jp"] == at(2026, 3, 8, 0)  # 09:00 JST
    assert due["uk"] == at(2026, 3, 8, 9)  # 09:00 GMT
    assert len(due) == 12


def test_a_reminder_time_inside_the_spring_forward_gap_moves_forward(tenants):
    # 02:30 does not exist in Paris on 29 March 2026 (02:00 → 03:00): it becomes 03:30 CEST.
    ritual = make_ritual(
        tenants.unit("fr"),
        participant_mode="chosen",
        starts_on=dt.date(2026, 3, 30),
        reminder_time=dt.time(2, 30),
    )
    rituals.schedule(ritual, at(2026, 3, 20))
    reminder = RitualReminder.objects.get(occurrence__starts_at=at(2026, 3, 30, 8))
    assert reminder.due_at == at(2026, 3, 29, 1, 30)
    assert reminder.due_at.astimezone(ZoneInfo("Europe/Paris")).time() == dt.time(3, 30)


def test_a_reminder_never_comes_after_the_meeting_starts(tenants):
    ritual = make_ritual(
        tenants.unit("jp"),
        participant_mode="chosen",
        reminder_days_before=0,
        time_of_day=dt.time(8, 0),
    )
    rituals.schedule(ritual, NOW)
    for reminder in RitualReminder.objects.filter(occurrence__ritual=ritual):
        assert reminder.due_at == reminder.occurrence.starts_at - dt.timedelta(minutes=15)


def test_due_reminders_are_sent_once_to_each_participant_units_members(tenants):
    ritual = make_ritual(tenants.unit("emea"), starts_on=dt.date(2026, 3, 2))
    rituals.schedule(ritual, NOW)
    occurrence = ritual.occurrences.get(starts_at=at(2026, 3, 2, 9))
    the_day_before = at(2026, 3, 1, 12)  # 09:00 passed everywhere in EMEA
    mail.outbox.clear()
    assert rituals.send_due_reminders(the_day_before) == (5, False)
    # Four members (one per role) in each of the five participant units.
    assert len(mail.outbox) == 20
    assert {m.to[0] for m in mail.outbox} >= {"fr-viewer@example.com", "emea-admin@example.com"}
    assert all("Weekly sync" in m.subject for m in mail.outbox)
    assert f"/governance/rituals/occurrences/{occurrence.pk}/" in mail.outbox[0].body
    assert rituals.send_due_reminders(the_day_before) == (0, False)
    assert len(mail.outbox) == 20
    assert set(occurrence.reminders.values_list("recipients", flat=True)) == {4}
    try:
        Notification = apps.get_model("governance", "Notification")
    except LookupError:  # in-app notifications are not installed in this build
        return
    fr_viewer = tenants.user("fr-viewer")
    assert Notification.objects.filter(recipient=fr_viewer, kind="ritual_reminder").count() == 1


def test_a_reminder_claimed_by_another_worker_is_not_sent_again(tenants):
    ritual = make_ritual(
        tenants.unit("fr"), participant_mode="chosen", starts_on=dt.date(2026, 3, 2)
    )
    rituals.schedule(ritual, NOW)
    # Another worker claimed it between our read and our claim.
    RitualReminder.objects.filter(occurrence__ritual=ritual).update(sent_at=NOW)
    mail.outbox.clear()
    assert rituals.send_due_reminders(at(2026, 3, 1, 12)) == (0, False)
    assert mail.outbox == []


def test_no_reminder_for_cancelled_meetings_or_retired_units(tenants):
    from glocal.models import OrgUnit

    ritual = make_ritual(tenants.unit("emea"), starts_on=dt.date(2026, 3, 2))
    rituals.schedule(ritual, NOW)
    first = ritual.occurrences.order_by("starts_at").first()
    first.status = "cancelled"
    first.save()
    mail.outbox.clear()
    assert rituals.send_due_reminders(at(2026, 3, 1, 12)) == (0, False)
    assert mail.outbox == []
    OrgUnit.objects.filter(pk=tenants.unit("de").pk).update(is_active=False)
    assert rituals.send_due_reminders(at(2026, 3, 8, 12)) == (4, False)  # not Germany
    assert not any(m.to[0].startswith("de-") for m in mail.outbox)


def test_reminders_go_out_in_bounded_batches_and_the_task_requeues(tenants, monkeypatch):
    ritual = make_ritual(tenants.unit("emea"), starts_on=dt.date(2026, 3, 2))
    rituals.schedule(ritual, NOW)
    RitualReminder.objects.update(due_at=NOW - dt.timedelta(hours=1))
    assert rituals.send_due_reminders(NOW, limit=10) == (10, True)
    queued = []
    monkeypatch.setattr(rituals, "send_due_reminders", lambda: (10, True))
    monkeypatch.setattr(send_ritual_reminders, "delay", lambda: queued.append(True))
    send_ritual_reminders.apply()
    assert queued == [True]


# --- agenda --------------------------------------------------------------------------------


@pytest.fixture
def stale_in_fr(tenants):
    """A French adaptation whose global source changed since: one stale override in fr."""
    core = Directive.objects.create(
        owner_unit=tenants.unit("global"), title="Core", body="b", status="published"
    )
    adaptation = layering.adapt(core, tenants.unit("fr"), {"title": "Adaptation FR"})
    layering.set_fields(core, {"title": "Core v2"})
    layering.cascade(Directive.objects.get(pk=core.pk), ["title"])
    return StaleOverride.objects.get(object_id=adaptation.pk, field="title")


def pending_approval(tenants, unit_code: str, title: str = "Launch the FR campaign"):
    """A pending approval request owned by ``unit_code``."""
    ApprovalRequest = apps.get_model("governance", "ApprovalRequest")
    unit = tenants.unit(unit_code)
    activity = ApprovalRequest._meta.get_field("activity").choices[0][0]
    return ApprovalRequest.objects.create(
        owner_unit=unit,
        activity=activity,
        scope=unit,
        requesting_unit=unit,
        action_type="test.ritual-agenda",
        title=title,
        status="pending",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )


def topics(occurrence) -> dict[str, dict]:
    occurrence.refresh_from_db()
    return {item["topic"]: item for item in occurrence.agenda}


def test_the_agenda_lists_stale_overrides_and_pending_approvals_of_participants(
    tenants, stale_in_fr
):
    pending_approval(tenants, "fr")
    pending_approval(tenants, "us", title="Not an EMEA matter")
    ritual = make_ritual(tenants.unit("emea"))
    rituals.schedule(ritual)
    found = topics(ritual.occurrences.first())
    assert found["stale_overrides"]["count"] == 1
    assert found["stale_overrides"]["entries"][0]["unit"] == "fr"
    assert found["pending_approvals"]["count"] == 1
    assert found["pending_approvals"]["entries"][0]["label"] == "Launch the FR campaign"


def test_the_agenda_is_refreshed_from_live_data_until_the_meeting(tenants, stale_in_fr):
    ritual = make_ritual(tenants.unit("emea"))
    rituals.schedule(ritual)
    occurrence = ritual.occurrences.first()
    assert "stale_overrides" in topics(occurrence)
    stale_in_fr.delete()  # reviewed meanwhile
    rituals.schedule(ritual)
    assert "stale_overrides" not in topics(occurrence)
    # Nothing changed: no rewrite (and no audit noise).
    before = RitualOccurrence.objects.get(pk=occurrence.pk).agenda_updated_at
    rituals.schedule(ritual)
    assert RitualOccurrence.objects.get(pk=occurrence.pk).agenda_updated_at == before


def test_registered_providers_add_topics_and_a_failing_one_is_skipped(tenants, monkeypatch):
    monkeypatch.setattr(agenda, "_providers", list(agenda._providers))

    def kpis(occurrence):
        return [AgendaItem(topic="kpis", title="KPI movements", count=2)]

    def broken(occurrence):
        raise RuntimeError("analytics is migrating")

    agenda.register(kpis)
    agenda.register(broken)
    agenda.register(kpis)  # idempotent
    ritual = make_ritual(tenants.unit("emea"))
    rituals.schedule(ritual)
    items = [AgendaItem.from_dict(i) for i in ritual.occurrences.first().agenda]
    assert [i.topic for i in items].count("kpis") == 1


def test_open_action_items_of_earlier_meetings_come_back_overdue_first(tenants):
    ritual = make_ritual(tenants.unit("emea"), starts_on=dt.date(2026, 2, 2))
    rituals.schedule(ritual, at(2026, 2, 1))
    first, second, third = ritual.occurrences.order_by("starts_at")[:3]
    fr, de = tenants.unit("fr"), tenants.unit("de")
    later = rituals.add_action_item(
        first,
        None,
        title="Later",
        owner_unit=fr,
        assignee=tenants.user("fr-marketer"),
        due_on=dt.date(2099, 1, 1),
    )
    late = rituals.add_action_item(
        first,
        None,
        title="Late",
        owner_unit=de,
        assignee=tenants.user("de-marketer"),
        due_on=dt.date(2026, 2, 5),
    )
    rituals.add_action_item(
        third,
        None,
        title="Not yet agreed",
        owner_unit=fr,
        assignee=tenants.user("fr-viewer"),
        due_on=dt.date(2026, 2, 5),
    )
    item = agenda.open_action_items(second)[0]
    assert item.count == 2
    assert [e["label"] for e in item.entries] == [late.title, later.title]
    assert item.entries[0]["overdue"] is True and item.entries[0]["owner"] == "de-marketer"


def test_agenda_titles_are_translated_when_displayed(tenants):
    from django.utils import translation

    item = AgendaItem(topic="t", title="Pending approvals", count=1)
    with translation.override("en"):
        assert item.display_title == "Pending approvals"


# --- minutes and action items -----------------------------------------------------------


@pytest.fixture
def meeting(tenants):
    ritual = make_ritual(tenants.unit("emea"), starts_on=timezone.localdate())
    rituals.schedule(ritual)
    return ritual.occurrences.order_by("starts_at").first()


def test_an_action_item_needs_a_participating_unit_and_one_of_its_members(tenants, meeting):
    with pytest.raises(ValidationError) as exc:
        rituals.add_action_item(
            meeting,
            None,
            title="x",
            owner_unit=tenants.unit("us"),
            assignee=tenants.user("us-marketer"),
            due_on=dt.date(2030, 1, 1),
        )
    assert "must take part" in exc.value.message_dict["owner_unit"][0]
    with pytest.raises(ValidationError) as exc:
        rituals.add_action_item(
            meeting,
            None,
            title="x",
            owner_unit=tenants.unit("fr"),
            assignee=tenants.user("de-marketer"),
            due_on=dt.date(2030, 1, 1),
        )
    assert "member of France" in exc.value.message_dict["assignee"][0]
    assert not ActionItem.objects.exists()


def test_a_cancelled_meeting_takes_no_minutes(tenants, meeting):
    meeting.status = "cancelled"
    meeting.save()
    with pytest.raises(ValidationError) as exc:
        rituals.record_minutes(meeting, "text", None)
    assert "minutes" in exc.value.message_dict


# --- overdue -------------------------------------------------------------------------------


def test_overdue_follows_the_owning_units_calendar(tenants, meeting):
    tokyo = rituals.add_action_item(
        meeting,
        None,
        title="Tokyo",
        owner_unit=tenants.unit("fr"),
        assignee=tenants.user("fr-marketer"),
        due_on=dt.date(2026, 3, 9),
    )
    ActionItem.objects.filter(pk=tokyo.pk).update(owner_unit=tenants.unit("jp"))
    paris = rituals.add_action_item(
        meeting,
        None,
        title="Paris",
        owner_unit=tenants.unit("fr"),
        assignee=tenants.user("fr-marketer"),
        due_on=dt.date(2026, 3, 9),
    )
    # 9 March, 16:00 UTC: already 10 March 01:00 in Tokyo, still 9 March 17:00 in Paris.
    evening = at(2026, 3, 9, 16)
    assert list(ActionItem.objects.overdue(evening)) == [tokyo]
    assert set(ActionItem.objects.overdue(at(2026, 3, 10, 0))) == {tokyo, paris}
    assert not ActionItem.objects.overdue(at(2026, 3, 8, 0)).exists()


def test_overdue_items_are_flagged_and_their_owner_told_once(tenants, meeting):
    owner = tenants.user("fr-marketer")
    item = rituals.add_action_item(
        meeting,
        None,
        title="Send the shortlist",
        owner_unit=tenants.unit("fr"),
        assignee=owner,
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    done = rituals.add_action_item(
        meeting,
        None,
        title="Already done",
        owner_unit=tenants.unit("fr"),
        assignee=owner,
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    rituals.set_action_item_status(done, "done")
    mail.outbox.clear()
    flag_overdue_action_items.apply()
    flag_overdue_action_items.apply()
    item.refresh_from_db()
    assert item.overdue_since is not None
    assert [m.to for m in mail.outbox] == [["fr-marketer@example.com"]]
    assert "Send the shortlist" in mail.outbox[0].subject
    # Moving the due date clears the flag: a new lapse will tell the owner again.
    item.due_on = timezone.localdate() + dt.timedelta(days=5)
    item.save()
    assert ActionItem.objects.get(pk=item.pk).overdue_since is None


def test_marking_an_item_done_records_when(tenants, meeting):
    item = rituals.add_action_item(
        meeting,
        None,
        title="x",
        owner_unit=tenants.unit("fr"),
        assignee=tenants.user("fr-marketer"),
        due_on=dt.date(2030, 1, 1),
    )
    item = rituals.set_action_item_status(item, "done")
    assert item.completed_at is not None
    with pytest.raises(ValidationError) as exc:
        rituals.set_action_item_status(item, "finished")
    assert "status" in exc.value.message_dict
    assert rituals.set_action_item_status(item, "open").completed_at is None


# --- visibility ------------------------------------------------------------------------------


def test_participants_see_a_ritual_organised_above_them_siblings_do_not(tenants):
    emea_sync = make_ritual(tenants.unit("emea"))
    review = make_ritual(tenants.unit("global"), name="Review")
    france_only = make_ritual(tenants.unit("fr"), name="FR weekly", participant_mode="chosen")
    for ritual in (emea_sync, review, france_only):
        rituals.schedule(ritual)
    visible = lambda user: set(  # noqa: E731
        Ritual.objects.restrict(tenants.user(user), "view").values_list("name", flat=True)
    )
    assert visible("fr-viewer") == {"Weekly sync", "FR weekly"}  # not the global review
    assert visible("de-viewer") == {"Weekly sync"}
    assert visible("emea-viewer") == {"Weekly sync", "Review", "FR weekly"}
    assert visible("globex-fr-admin") == set()
    # Participants record minutes; only the organiser's subtree edits the ritual.
    fr_marketer = tenants.user("fr-marketer")
    assert (
        RitualOccurrence.objects.restrict(fr_marketer, "participate")
        .filter(ritual=emea_sync)
        .exists()
    )
    assert not RitualOccurrence.objects.restrict(tenants.user("fr-viewer"), "participate").exists()
    assert not Ritual.objects.restrict(fr_marketer, "change").filter(pk=emea_sync.pk).exists()


def test_changes_are_audited(tenants):
    from governance.models import AuditEntry

    ritual = make_ritual(tenants.unit("emea"))
    rituals.schedule(ritual, NOW)
    Ritual.objects.filter(pk=ritual.pk).update(duration_minutes=30)
    assert AuditEntry.objects.filter(target_type="governance.Ritual", action="create").exists()
    assert AuditEntry.objects.filter(
        target_type="governance.Ritual", action="update", bulk=True
    ).exists()
    assert AuditEntry.objects.filter(
        target_type="governance.RitualOccurrence", owner_unit=tenants.unit("emea")
    ).exists()


def test_scheduling_cost_does_not_grow_with_participants_per_occurrence(tenants):
    small = make_ritual(tenants.unit("fr"), participant_mode="chosen")
    large = make_ritual(tenants.unit("global"), name="All", participant_mode="subtree")
    counts = []
    for ritual in (small, large):
        with CaptureQueriesContext(connection) as queries:
            rituals.schedule(ritual, NOW)
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 5, counts


def test_the_demo_seed_schedules_the_three_acme_rituals_and_one_for_globex(db):
    from io import StringIO

    from django.core.management import call_command

    from tests.conftest import PASSWORD

    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    acme = Ritual.objects.filter(owner_unit__organization__slug="acme-industrial")
    assert sorted(acme.values_list("kind", flat=True)) == ["review", "sync", "workshop"]
    assert Ritual.objects.filter(owner_unit__organization__slug="globex").count() == 1
    for ritual in Ritual.objects.all():
        assert ritual.occurrences.upcoming().exists(), ritual
    sync = acme.get(kind="sync")
    assert ActionItem.objects.filter(occurrence__ritual=sync).overdue().count() == 1


def test_two_workers_sending_at_once_send_each_reminder_once(transactional_db):
    """Real concurrency on PostgreSQL: both workers see the same due rows, one claims."""
    import threading

    from django.db import connections

    from tests.conftest import Tenants, ensure_demo_organizations
    from tests.services import require_postgres

    require_postgres()
    ensure_demo_organizations()
    ritual = make_ritual(Tenants().unit("emea"), starts_on=dt.date(2026, 3, 2))
    rituals.schedule(ritual, NOW)
    mail.outbox = []
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(rituals.send_due_reminders(at(2026, 3, 1, 12)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent for sent, _more in results) == 5
    assert len(mail.outbox) == 20  # 5 units, 4 members each, each mailed once
    assert len({m.to[0] for m in mail.outbox}) == 20
