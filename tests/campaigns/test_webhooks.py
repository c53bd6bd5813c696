"""Signed engagement webhooks: signatures, replays, validation, idempotent intake."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import EngagementEvent
from campaigns import dispatch, webhooks
from campaigns.models import SendLedger, Touch

from .conftest import make_account, make_campaign, make_playbook, plan

SECRET = "relay-secret"
FIRST = dt.datetime(2031, 1, 6, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def sent(tenants, email_content):
    playbook = make_playbook(tenants, email_content.family, [("email", 0, "always")])
    campaign = plan(
        make_campaign(tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")])
    )
    for batch in dispatch.claim(FIRST).batches:
        dispatch.send_claimed(batch.claim_id, now=FIRST)
    return Touch.objects.get(campaign=campaign)


def post(client, payload, *, secret=SECRET, at=None, provider="relay"):
    body = json.dumps(payload).encode()
    headers = {"HTTP_X_GLOCAL_SIGNATURE": webhooks.sign(secret, body, at)} if secret else {}
    with override_settings(CAMPAIGNS_WEBHOOK_SECRETS={"relay": SECRET}):
        return client.post(
            f"/api/v1/events/webhook/{provider}/", data=body, content_type="application/json",
            **headers,
        )  # fmt: skip


def event(sent_touch, **fields):
    return {"id": "e1", "type": "opened", "touch": sent_touch.idempotency_key,
            "occurred_at": timezone.now().isoformat(), **fields}  # fmt: skip


def test_a_signed_event_is_recorded_once_and_scores_the_account(client, sent):
    response = post(client, {"events": [event(sent)]})
    assert response.status_code == 200
    assert response.json() == {"recorded": 1, "duplicates": 0, "unknown": []}
    assert post(client, {"events": [event(sent)]}).json()["duplicates"] == 1
    recorded = EngagementEvent.objects.get()
    assert (recorded.kind, recorded.contact_id, recorded.source) == (
        "opened",
        sent.contact_id,
        "relay webhook",
    )
    sent.account.refresh_from_db()
    assert sent.account.engagement_score > 0


def test_events_may_name_the_providers_message_id(client, sent):
    ledger = SendLedger.objects.get(touch=sent)
    payload = {"events": [{"id": "m1", "type": "meeting_booked",
                           "message_id": ledger.provider_message_id,
                           "occurred_at": "2031-01-07T10:00:00Z"}]}  # fmt: skip
    assert post(client, payload).json()["recorded"] == 1
    assert EngagementEvent.objects.get().kind == "meeting"


@pytest.mark.parametrize(
    "secret, at, status",
    [
        ("wrong-secret", None, 401),
        (SECRET, int(time.time()) - 3600, 401),  # a replay of an old delivery
        (None, None, 401),
    ],
)
def test_bad_or_stale_signatures_are_refused(client, sent, secret, at, status):
    response = post(client, {"events": [event(sent)]}, secret=secret, at=at)
    assert response.status_code == status
    assert not EngagementEvent.objects.exists()


def test_an_unconfigured_provider_is_not_found(client, sent):
    assert post(client, {"events": [event(sent)]}, provider="nobody").status_code == 404


def test_a_malformed_delivery_records_nothing(client, sent):
    payload = {
        "events": [
            event(sent),
            event(sent, id="e2", type="liked"),
            event(sent, id="e3", occurred_at="yesterday"),
        ]
    }
    response = post(client, payload)
    assert response.status_code == 400
    errors = response.json()["events"]
    assert [e.split(":")[0] for e in errors] == ["Event 1", "Event 2"]
    assert "type must be one of" in errors[0] and "occurred_at" in errors[1]
    assert not EngagementEvent.objects.exists()


def test_events_for_unknown_or_unsent_touches_are_reported_not_recorded(client, sent):
    payload = {"events": [event(sent, touch="c0-s0-p0")]}
    assert post(client, payload).json() == {"recorded": 0, "duplicates": 0, "unknown": ["e1"]}


def test_a_csv_export_imports_once_and_a_bad_row_is_named(sent, tmp_path):
    from django.core.management import CommandError, call_command

    good = tmp_path / "events.csv"
    good.write_text(
        "id,type,touch,occurred_at\n"
        f"x1,clicked,{sent.idempotency_key},{timezone.now().isoformat()}\n"
        f"x2,replied,{sent.idempotency_key},{timezone.now().isoformat()}\n"
    )
    call_command("import_engagement", str(good), provider="relay")
    call_command("import_engagement", str(good), provider="relay")
    assert EngagementEvent.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(f"id,type,touch,occurred_at\nx3,liked,{sent.idempotency_key},now\n")
    with pytest.raises(CommandError, match="Event 0"):
        call_command("import_engagement", str(bad), provider="relay")
    assert EngagementEvent.objects.count() == 2
