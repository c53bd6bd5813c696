"""Engagement events and scores: idempotent intake, hand-computed decay, bulk rescoring."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import engagement
from accounts.models import Account, Contact, EngagementEvent
from accounts.tasks import recompute_engagement_scores

AT = datetime.datetime(2026, 6, 30, 12, 0, tzinfo=datetime.UTC)


def days_ago(days: float) -> datetime.datetime:
    return AT - datetime.timedelta(days=days)


def record(account, kind, when, ext, **kw):
    return engagement.record_event(
        account=account, kind=kind, occurred_at=when, external_id=ext, rescore=False, **kw
    )


@pytest.fixture
def account(tenants):
    return Account.objects.create(owner_unit=tenants.unit("fr"), name="Michelin")


def test_decay_halves_every_30_days_and_stops_at_the_horizon():
    day = datetime.timedelta(days=1)
    assert engagement.decay(0 * day) == 1.0
    assert engagement.decay(30 * day) == pytest.approx(0.5)
    assert engagement.decay(60 * day) == pytest.approx(0.25)
    assert engagement.decay(15 * day) == pytest.approx(0.70710678)
    assert engagement.decay(181 * day) == 0.0
    assert engagement.decay(-1 * day) == 0.0  # the future does not count


def test_it_scores_weighted_events_with_hand_computed_decay(account):
    record(account, "meeting", AT, "m-now")  # 20 * 1
    record(account, "replied", days_ago(30), "r-30")  # 8 * 0.5 = 4
    record(account, "clicked", days_ago(60), "c-60")  # 3 * 0.25 = 0.75
    record(account, "opened", days_ago(15), "o-15")  # 1 * 2^-0.5 = 0.7071
    record(account, "delivered", AT, "d-now")  # delivery scores nothing
    record(account, "meeting", days_ago(200), "m-200")  # beyond the horizon
    record(account, "attended", AT + datetime.timedelta(days=1), "a-future")  # not yet
    assert engagement.engagement_score(account, AT) == 25.46
    # Thirty days later every surviving contribution has halved (the horizon drops none).
    later = AT + datetime.timedelta(days=30)
    # the attended event (10) is now 29 days old: 10 * 0.5^(29/30)
    expected = round(25.4571 / 2 + 10 * 0.5 ** (29 / 30), 2)
    assert engagement.engagement_score(account, later) == pytest.approx(expected, abs=0.01)


def test_recording_the_same_external_id_twice_stores_one_event(account):
    first = record(account, "clicked", AT, "esp-123")
    again = record(account, "clicked", AT, "esp-123")
    assert first.created and not again.created
    assert again.event.pk == first.event.pk
    assert EngagementEvent.objects.filter(external_id="esp-123").count() == 1


def test_an_external_id_of_another_account_is_refused(account, tenants):
    other = Account.objects.create(owner_unit=tenants.unit("de"), name="Bosch")
    record(other, "clicked", AT, "esp-9")
    with pytest.raises(ValidationError) as exc:
        record(account, "clicked", AT, "esp-9")
    assert "external_id" in exc.value.message_dict


def test_an_event_contact_must_work_at_the_account(account, tenants):
    other = Account.objects.create(owner_unit=tenants.unit("fr"), name="Renault")
    stranger = Contact.objects.create(owner_unit=other.owner_unit, account=other, last_name="X")
    with pytest.raises(ValidationError):
        record(account, "opened", AT, "o-1", contact=stranger)
    assert not EngagementEvent.objects.exists()


def test_recording_an_event_refreshes_the_stored_score(account):
    engagement.record_event(
        account=account, kind="replied", occurred_at=timezone.now(), external_id="r-1"
    )
    account.refresh_from_db()
    assert account.engagement_score == pytest.approx(8.0, abs=0.01)


def test_bulk_recompute_reads_events_in_one_query_whatever_the_batch(tenants):
    fr = tenants.unit("fr")

    def run(n: int) -> int:
        accounts = [Account.objects.create(owner_unit=fr, name=f"Co {n}-{i}") for i in range(n)]
        for i, acc in enumerate(accounts):
            record(acc, "clicked", days_ago(30), f"bulk-{n}-{i}")
        with CaptureQueriesContext(connection) as queries:
            assert engagement.recompute([fr.pk], at=AT) is None
        assert all(
            a.engagement_score == 1.5
            for a in Account.objects.filter(pk__in=[a.pk for a in accounts])
        )
        return len(queries)

    assert run(2) == run(6)


def test_bulk_recompute_batches_and_resets_faded_scores(tenants):
    fr = tenants.unit("fr")
    faded = Account.objects.create(owner_unit=fr, name="Faded", engagement_score=42)
    fresh = Account.objects.create(owner_unit=fr, name="Fresh")
    record(fresh, "attended", AT, "att-1")
    last = engagement.recompute([fr.pk], at=AT, batch=1)
    assert last == faded.pk
    assert engagement.recompute([fr.pk], at=AT, after_pk=last, batch=1) == fresh.pk
    faded.refresh_from_db()
    fresh.refresh_from_db()
    assert (faded.engagement_score, fresh.engagement_score) == (0.0, 10.0)


def test_the_daily_task_rescores_every_organisation_and_is_idempotent(account):
    record(account, "meeting", days_ago(30), "m-1")
    recompute_engagement_scores(at=AT.isoformat())
    recompute_engagement_scores(at=AT.isoformat())
    account.refresh_from_db()
    assert account.engagement_score == 10.0


# --- API ------------------------------------------------------------------------------


def error_fields(response) -> set[str]:
    return {error["attr"] for error in response.json()["errors"]}


def test_api_intake_is_idempotent_and_refuses_accounts_out_of_scope(api, account, tenants):
    client = api("fr-marketer")
    body = {
        "account": account.pk,
        "kind": "clicked",
        "occurred_at": "2026-06-30T12:00:00Z",
        "external_id": "api-1",
        "source": "esp",
    }
    first = client.post("/api/v1/engagement-events/", body, format="json")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/engagement-events/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    german = Account.objects.create(owner_unit=tenants.unit("de"), name="Bosch")
    refused = client.post(
        "/api/v1/engagement-events/", {**body, "account": german.pk, "external_id": "x"},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 400 and error_fields(refused) == {"account"}
    bad_kind = client.post(
        "/api/v1/engagement-events/", {**body, "kind": "teleported", "external_id": "y"},
        format="json",
    )  # fmt: skip
    assert bad_kind.status_code == 400 and error_fields(bad_kind) == {"kind"}
    listed = api("de-admin").get("/api/v1/engagement-events/").json()
    assert all(row["external_id"] != "api-1" for row in listed["results"])


def test_api_viewers_cannot_record_events(api, account):
    response = api("fr-viewer").post(
        "/api/v1/engagement-events/",
        {"account": account.pk, "kind": "opened", "occurred_at": "2026-06-30T12:00:00Z",
         "external_id": "v-1"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert not EngagementEvent.objects.exists()
