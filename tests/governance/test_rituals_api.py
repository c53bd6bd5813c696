"""Rituals over the REST API and in the dashboard: nested occurrences, minutes, action
items, field errors, scope rules and query counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from glocal import layering
from governance import rituals
from governance.models import ActionItem, Directive, Ritual, RitualOccurrence


def payload(**extra) -> dict:
    return {
        "name": "EMEA weekly",
        "kind": "sync",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "starts_on": timezone.localdate().isoformat(),
        "time_of_day": "10:00",
        **extra,
    }


def attrs(response) -> set[str]:
    assert response.status_code == 400, response.content
    return {error["attr"] for error in response.json()["errors"]}


@pytest.fixture
def sync(tenants) -> Ritual:
    ritual = Ritual(
        owner_unit=tenants.unit("emea"),
        name="EMEA weekly",
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        starts_on=timezone.localdate(),
        time_of_day=dt.time(10),
    )
    ritual.full_clean()
    ritual.save()
    rituals.schedule(ritual)
    return ritual


@pytest.fixture
def meeting(sync) -> RitualOccurrence:
    return sync.occurrences.order_by("starts_at").first()


def test_a_regional_marketer_creates_a_ritual_with_upcoming_occurrences(tenants, api):
    response = api("emea-marketer").post("/api/v1/rituals/", payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_unit_code"] == "emea"  # the current unit by default
    assert body["timezone"] == "Europe/Brussels"
    expected = {tenants.unit(c).pk for c in ("emea", "fr", "de", "uk", "pl")}
    assert set(body["participant_units"]) == expected
    upcoming = body["upcoming_occurrences"]
    assert len(upcoming) == 5
    assert all(o["status"] == "scheduled" for o in upcoming)
    ritual = Ritual.objects.get(pk=body["id"])
    assert ritual.created_by.username == "emea-marketer"
    assert ritual.occurrences.count() >= 8  # the whole horizon exists already


@pytest.mark.parametrize(
    ("extra", "attr"),
    [
        ({"recurrence": "FREQ=MINUTELY"}, "recurrence"),
        ({"recurrence": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}, "recurrence"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"time_of_day": "25:00"}, "time_of_day"),
        ({"participant_mode": "sometimes"}, "participant_mode"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(tenants, api, extra, attr):
    response = api("emea-marketer").post("/api/v1/rituals/", payload(**extra), format="json")
    assert attr in attrs(response)
    assert not Ritual.objects.exists()


def test_participants_are_checked_against_the_organiser_and_the_callers_scope(tenants, api):
    client = api("emea-marketer")
    us, fr = tenants.unit("us").pk, tenants.unit("fr").pk
    # Another region's unit is not one the caller can even name.
    response = client.post(
        "/api/v1/rituals/",
        payload(participant_mode="chosen", participant_units=[fr, us]),
        format="json",
    )
    assert attrs(response) == {"participant_units.1"} or "participant_units" in str(response.json())
    # Global may name any Acme unit, but not outside its organiser unit's subtree.
    response = api("global-admin").post(
        "/api/v1/rituals/",
        payload(
            owner_unit=tenants.unit("emea").pk, participant_mode="chosen", participant_units=[us]
        ),
        format="json",
    )
    assert attrs(response) == {"participant_units"}
    assert "United States" in response.json()["errors"][0]["detail"]
    response = client.post(
        "/api/v1/rituals/", payload(participant_units=[fr]), format="json"
    )  # derived mode: units cannot be picked
    assert attrs(response) == {"participant_units"}
    response = client.post(
        "/api/v1/rituals/",
        payload(participant_mode="chosen", participant_units=[fr]),
        format="json",
    )
    assert response.status_code == 201
    assert set(response.json()["participant_units"]) == {fr, tenants.unit("emea").pk}
    assert not Ritual.objects.filter(participant_units=us).exists()


def test_participants_write_minutes_and_action_items_others_cannot(tenants, api, meeting):
    url = f"/api/v1/ritual-occurrences/{meeting.pk}/"
    fr = api("fr-marketer")
    response = fr.post(url + "minutes/", {"minutes": "Shortlists shared."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["minutes"] == "Shortlists shared."
    assert response.json()["minutes_updated_by"] == "fr-marketer"
    item = {
        "title": "Send the shortlist",
        "owner_unit": tenants.unit("fr").pk,
        "assignee": "fr-viewer",
        "due_on": "2030-01-01",
    }
    response = fr.post(url + "action-items/", item, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["occurrence"] == meeting.pk
    assert response.json()["created_by"] == "fr-marketer"
    # France cannot name Germany's staff nor give Germany work it cannot see.
    assert attrs(fr.post(url + "action-items/", {**item, "assignee": "de-marketer"})) == {
        "assignee"
    }
    assert attrs(fr.post(url + "action-items/", {**item, "owner_unit": tenants.unit("de").pk})) == {
        "owner_unit"
    }
    # EMEA can, but the owner must belong to the owning unit.
    emea = api("emea-marketer")
    response = emea.post(
        url + "action-items/",
        {**item, "owner_unit": tenants.unit("de").pk, "assignee": "fr-viewer"},
        format="json",
    )
    assert attrs(response) == {"assignee"}
    assert ActionItem.objects.count() == 1
    # Viewers read, they do not write; non-participants do not even see the meeting.
    assert api("fr-viewer").post(url + "minutes/", {"minutes": "x"}).status_code == 403
    assert api("us-admin").post(url + "minutes/", {"minutes": "x"}).status_code == 404
    body = api("fr-viewer").get(url).json()
    assert [i["title"] for i in body["action_items"]] == ["Send the shortlist"]


def test_a_cancelled_meeting_refuses_minutes_with_a_400(tenants, api, meeting):
    response = api("emea-marketer").patch(
        f"/api/v1/ritual-occurrences/{meeting.pk}/", {"status": "cancelled"}, format="json"
    )
    assert response.status_code == 200, response.content
    response = api("fr-marketer").post(
        f"/api/v1/ritual-occurrences/{meeting.pk}/minutes/", {"minutes": "x"}, format="json"
    )
    assert attrs(response) == {"minutes"}


def test_only_the_organisers_subtree_changes_the_ritual_or_cancels_a_meeting(tenants, api, sync):
    meeting = sync.occurrences.first()
    fr = api("fr-admin")
    assert fr.get(f"/api/v1/rituals/{sync.pk}/").status_code == 200
    assert fr.patch(f"/api/v1/rituals/{sync.pk}/", {"name": "x"}).status_code == 403
    assert (
        fr.patch(f"/api/v1/ritual-occurrences/{meeting.pk}/", {"status": "cancelled"}).status_code
        == 403
    )
    assert fr.delete(f"/api/v1/rituals/{sync.pk}/").status_code == 403


def test_a_rule_change_over_the_api_reschedules(tenants, api, sync):
    response = api("emea-manager").patch(
        f"/api/v1/rituals/{sync.pk}/", {"recurrence": "FREQ=WEEKLY;BYDAY=WE"}, format="json"
    )
    assert response.status_code == 200, response.content
    starts = [
        dt.datetime.fromisoformat(o["starts_at"]) for o in response.json()["upcoming_occurrences"]
    ]
    assert {s.weekday() for s in starts} == {2}
    brussels = ZoneInfo("Europe/Brussels")
    weekdays = {
        o.starts_at.astimezone(brussels).weekday()
        for o in sync.occurrences.filter(status="scheduled")
    }
    assert weekdays == {2}  # the Monday meetings are gone


def test_upcoming_occurrences_carry_their_agenda(tenants, api):
    core = Directive.objects.create(
        owner_unit=tenants.unit("global"), title="Core", body="b", status="published"
    )
    layering.adapt(core, tenants.unit("fr"), {"title": "Adaptation FR"})
    layering.set_fields(core, {"title": "Core v2"})
    layering.cascade(Directive.objects.get(pk=core.pk), ["title"])
    response = api("emea-marketer").post("/api/v1/rituals/", payload(), format="json")
    agenda = response.json()["upcoming_occurrences"][0]["agenda"]
    stale = next(item for item in agenda if item["topic"] == "stale_overrides")
    assert stale["title"] == "Stale overrides to review" and stale["count"] == 1
    assert stale["entries"][0]["unit"] == "fr"


def test_overdue_action_items_filter(tenants, api, meeting):
    late = rituals.add_action_item(
        meeting,
        None,
        title="Late",
        owner_unit=tenants.unit("fr"),
        assignee=tenants.user("fr-marketer"),
        due_on=timezone.localdate() - dt.timedelta(days=3),
    )
    rituals.add_action_item(
        meeting,
        None,
        title="Fine",
        owner_unit=tenants.unit("fr"),
        assignee=tenants.user("fr-marketer"),
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    body = api("fr-viewer").get("/api/v1/action-items/?overdue=true").json()
    assert [(i["id"], i["is_overdue"]) for i in body["results"]] == [(late.pk, True)]
    body = api("fr-viewer").get("/api/v1/action-items/?overdue=false").json()
    assert [i["title"] for i in body["results"]] == ["Fine"]
    done = api("fr-marketer").patch(f"/api/v1/action-items/{late.pk}/", {"status": "done"})
    assert done.status_code == 200 and done.json()["completed_at"]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_do_not_grow_queries_with_rows(tenants, api, meeting):
    rituals.add_action_item(
        meeting,
        None,
        title="First",
        owner_unit=tenants.unit("fr"),
        assignee=tenants.user("fr-marketer"),
        due_on=timezone.localdate(),
    )
    client = api("emea-admin")
    for url in ("/api/v1/rituals/", "/api/v1/ritual-occurrences/", "/api/v1/action-items/"):
        client.get(url)  # warm the per-user caches
    base = {
        url: count_queries(client, url)
        for url in ("/api/v1/rituals/", "/api/v1/ritual-occurrences/", "/api/v1/action-items/")
    }
    for n in range(3):
        ritual = Ritual.objects.create(
            owner_unit=tenants.unit("emea"),
            name=f"More {n}",
            recurrence="FREQ=DAILY",
            starts_on=timezone.localdate(),
            time_of_day=dt.time(9),
        )
        rituals.schedule(ritual)
        occurrence = ritual.occurrences.first()
        for who in ("fr-marketer", "de-marketer"):
            user = tenants.user(who)
            rituals.add_action_item(
                occurrence,
                None,
                title=f"Item {n}",
                owner_unit=tenants.unit(who[:2]),
                assignee=user,
                due_on=timezone.localdate(),
            )
    for url, before in base.items():
        assert count_queries(client, url) == before, url


# --- dashboard ---------------------------------------------------------------------------


def test_the_calendar_shows_meetings_in_the_viewers_time_zone(tenants, client, meeting):
    client.force_login(tenants.user("fr-viewer"))
    month = meeting.local_start("Europe/Paris").strftime("%Y-%m")
    page = client.get(f"/governance/rituals/?month={month}").content.decode()
    local = meeting.local_start("Europe/Paris").strftime("%H:%M")
    assert f"{local} EMEA weekly" in page
    assert "Europe/Paris" in page
    assert client.get("/governance/rituals/?month=garbage").status_code == 200


def test_a_participant_edits_minutes_and_action_items_on_the_meeting_page(tenants, client, meeting):
    url = f"/governance/rituals/occurrences/{meeting.pk}/"
    client.force_login(tenants.user("fr-marketer"))
    page = client.get(url).content.decode()
    assert 'name="form" value="minutes"' in page
    response = client.post(url, {"form": "minutes", "minutes": "We agreed."})
    assert response.status_code == 303
    assert RitualOccurrence.objects.get(pk=meeting.pk).minutes == "We agreed."
    response = client.post(
        url,
        {
            "form": "action-item",
            "title": "Follow up",
            "owner_unit": tenants.unit("fr").pk,
            "assignee": tenants.user("de-marketer").pk,  # not a choice for France
            "due_on": "2030-01-01",
        },
    )
    assert response.status_code == 400
    assert not ActionItem.objects.exists()
    response = client.post(
        url,
        {
            "form": "action-item",
            "title": "Follow up",
            "owner_unit": tenants.unit("fr").pk,
            "assignee": tenants.user("fr-viewer").pk,
            "due_on": "2030-01-01",
        },
    )
    assert response.status_code == 303
    item = ActionItem.objects.get()
    response = client.post(url, {"form": "item-status", "item": item.pk, "status": "done"})
    assert response.status_code == 303
    assert ActionItem.objects.get().status == "done"
    page = client.get(url).content.decode()
    assert "Follow up" in page and "We agreed." in page


def test_viewers_read_the_meeting_page_without_forms(tenants, client, meeting):
    client.force_login(tenants.user("fr-viewer"))
    page = client.get(f"/governance/rituals/occurrences/{meeting.pk}/").content.decode()
    assert "EMEA weekly" in page
    assert 'name="form"' not in page
    response = client.post(
        f"/governance/rituals/occurrences/{meeting.pk}/", {"form": "minutes", "minutes": "x"}
    )
    assert response.status_code == 403
