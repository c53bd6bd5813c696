"""Dispatch in this process: claims, send-time gates, adapters over the wire, outcomes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import Consent, EngagementEvent
from accounts.models.engagement import EventKind
from campaigns import dispatch, mix, services
from campaigns.models import (
    CampaignStatus,
    OutboxMessage,
    SendLedger,
    Touch,
    TouchStatus,
)
from content import services as content_services
from content.models import Asset
from tests.fakes.gateway import FakeGateway
from tests.fakes.smtp import FakeSmtp

from .conftest import make_account, make_campaign, make_playbook, plan, publish

#: Monday 6 January 2031, 09:00 in Paris: the first step of the fixtures' campaigns
FIRST = dt.datetime(2031, 1, 6, 8, 0, tzinfo=dt.UTC)


def run(now: dt.datetime, **claim_options) -> dispatch.Sent:
    """One dispatch round and every batch it claimed, in this process."""
    total = dispatch.Sent()
    for batch in dispatch.claim(now, **claim_options).batches:
        sent = dispatch.send_claimed(batch.claim_id, now=now)
        for name, value in sent.as_dict().items():
            setattr(total, name, getattr(total, name) + value)
    return total


def statuses(campaign) -> dict[str, int]:
    return services.progress(campaign)["touches"]


@pytest.fixture
def email_campaign(tenants, email_content):
    playbook = make_playbook(tenants, email_content.family, [("email", 0, "always")])
    accounts = [make_account(tenants.unit("fr"), country="FR", contacts=2) for _ in range(2)]
    return plan(make_campaign(tenants, "fr", playbook, accounts))


def test_the_sandbox_records_each_touch_once_with_a_ledger_entry_and_completes(email_campaign):
    assert run(FIRST - dt.timedelta(minutes=1)).sent == 0  # nothing due yet
    counts = run(FIRST)
    assert counts.sent == 4
    outbox = OutboxMessage.objects.unrestricted().order_by("recipient")
    assert [m.recipient for m in outbox][:1] == ["c0@a1.example"] or outbox.count() == 4
    assert outbox.count() == 4
    assert all(m.subject == "Grid resilience" and "Outages" in m.body for m in outbox)
    keys = set(
        Touch.objects.filter(campaign=email_campaign).values_list("idempotency_key", flat=True)
    )
    assert set(SendLedger.objects.unrestricted().values_list("idempotency_key", flat=True)) == keys
    assert run(FIRST + dt.timedelta(minutes=5)).sent == 0  # nothing sent twice
    assert OutboxMessage.objects.unrestricted().count() == 4
    email_campaign.refresh_from_db()
    assert email_campaign.status == CampaignStatus.COMPLETED
    assert statuses(email_campaign)["sent"] == 4


def test_email_goes_through_a_real_smtp_server_with_the_key_as_message_id(email_campaign):
    with (
        FakeSmtp() as smtp,
        override_settings(
            CAMPAIGNS_PROVIDERS={"email": "email"},
            CAMPAIGNS_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp.port,
            EMAIL_USE_TLS=False,
        ),
    ):
        assert run(FIRST).sent == 4
    keys = set(
        Touch.objects.filter(campaign=email_campaign).values_list("idempotency_key", flat=True)
    )
    assert smtp.delivered == keys
    assert smtp.calls == 4
    assert all(m["message_id"] == f"<{m['touch']}@glocal-abm.invalid>" for m in smtp.messages)
    assert all("Outages cost money" in m["html"] for m in smtp.messages)
    ledger = SendLedger.objects.unrestricted().first()
    assert ledger.provider == "email" and ledger.provider_message_id.startswith("<c")


def test_a_temporary_smtp_failure_retries_with_backoff_then_gives_up(email_campaign):
    with (
        FakeSmtp() as smtp,
        override_settings(
            CAMPAIGNS_PROVIDERS={"email": "email"},
            CAMPAIGNS_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp.port,
            CAMPAIGNS_MAX_ATTEMPTS=3,
            CAMPAIGNS_RETRY_SECONDS=60,
        ),
    ):
        smtp.mode = "tempfail"
        assert run(FIRST).retried == 4
        touch = Touch.objects.filter(campaign=email_campaign).first()
        assert touch.status == TouchStatus.FAILED and touch.attempts == 1
        assert touch.retry_at == FIRST + dt.timedelta(seconds=60)
        assert "451" in touch.last_error
        assert run(FIRST + dt.timedelta(seconds=59)).retried == 0  # backoff respected
        assert run(FIRST + dt.timedelta(seconds=60)).retried == 4
        touch.refresh_from_db()
        assert touch.retry_at == FIRST + dt.timedelta(seconds=60 + 120)  # doubled
        assert run(FIRST + dt.timedelta(minutes=10)).dead == 4
    touch.refresh_from_db()
    assert touch.status == TouchStatus.DEAD and touch.attempts == 3
    assert touch.reason_code == "gave_up" and "451" in touch.reason
    assert not SendLedger.objects.unrestricted().exists()


def test_a_refused_recipient_is_dead_at_once(email_campaign):
    with (
        FakeSmtp() as smtp,
        override_settings(
            CAMPAIGNS_PROVIDERS={"email": "email"},
            CAMPAIGNS_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp.port,
        ),
    ):
        smtp.mode = "reject"
        assert run(FIRST).dead == 4
    touch = Touch.objects.filter(campaign=email_campaign).first()
    assert touch.reason_code == "provider_refused" and "550" in touch.last_error


def test_retried_dead_letters_are_sent_and_their_completed_campaign_runs_again(email_campaign):
    smtp_settings = {
        "CAMPAIGNS_PROVIDERS": {"email": "email"},
        "CAMPAIGNS_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
    }
    with FakeSmtp() as smtp, override_settings(**smtp_settings, EMAIL_PORT=smtp.port):
        smtp.mode = "reject"
        assert run(FIRST).dead == 4
        email_campaign.refresh_from_db()
        assert email_campaign.status == CampaignStatus.COMPLETED  # dead letters are settled

        touches = Touch.objects.filter(campaign=email_campaign)
        assert services.retry_touches(touches) == 4
        email_campaign.refresh_from_db()
        assert email_campaign.status == CampaignStatus.RUNNING
        smtp.mode = "ok"
        assert run(FIRST + dt.timedelta(minutes=1)).sent == 4
    assert smtp.delivered == set(touches.values_list("idempotency_key", flat=True))
    email_campaign.refresh_from_db()
    assert email_campaign.status == CampaignStatus.COMPLETED
    assert all(t.attempts == 1 for t in touches)


def test_dead_letters_of_a_cancelled_campaign_are_not_retried(email_campaign, tenants):
    touches = Touch.objects.filter(campaign=email_campaign)
    touches.update(status=TouchStatus.DEAD)
    email_campaign.status = CampaignStatus.CANCELLED
    email_campaign.save(update_fields=["status"])
    assert services.retry_touches(touches) == 0
    assert set(touches.values_list("status", flat=True)) == {TouchStatus.DEAD}


@pytest.fixture
def linkedin_campaign(tenants, email_content):
    playbook = make_playbook(tenants, email_content.family, [("linkedin", 0, "always")])
    accounts = [make_account(tenants.unit("fr"), country="FR", contacts=3)]
    return plan(make_campaign(tenants, "fr", playbook, accounts))


def test_http_channels_post_to_the_gateway_with_credentials_and_the_idempotency_key(
    linkedin_campaign,
):
    with (
        FakeGateway(token="li-secret") as gateway,
        override_settings(
            CAMPAIGNS_PROVIDERS={"linkedin": "http"},
            CAMPAIGNS_HTTP_ENDPOINTS={"linkedin": gateway.url},
            CAMPAIGNS_HTTP_TOKENS={"linkedin": "li-secret"},
        ),
    ):
        assert run(FIRST).sent == 3
    keys = set(
        Touch.objects.filter(campaign=linkedin_campaign).values_list("idempotency_key", flat=True)
    )
    assert set(gateway.accepted) == keys
    assert all(count == 1 for count in gateway.calls.values())
    body = next(iter(gateway.bodies.values()))
    assert body["channel"] == "linkedin" and body["subject"] == "Grid resilience"
    ids = set(SendLedger.objects.unrestricted().values_list("provider_message_id", flat=True))
    assert ids == set(gateway.accepted.values())


def test_gateway_errors_retry_honouring_retry_after_and_bad_requests_are_dead(linkedin_campaign):
    with (
        FakeGateway() as gateway,
        override_settings(
            CAMPAIGNS_PROVIDERS={"linkedin": "http"},
            CAMPAIGNS_HTTP_ENDPOINTS={"linkedin": gateway.url},
        ),
    ):
        gateway.mode = "unavailable"
        assert run(FIRST).retried == 3
        touch = Touch.objects.filter(campaign=linkedin_campaign).first()
        assert touch.retry_at == FIRST + dt.timedelta(seconds=1)  # the gateway's Retry-After
        gateway.mode = "reject"
        assert run(FIRST + dt.timedelta(seconds=1)).dead == 3
    touch.refresh_from_db()
    assert touch.status == TouchStatus.DEAD and "HTTP 400" in touch.last_error


def test_an_expired_claim_is_taken_again_and_the_stale_task_sends_nothing(email_campaign):
    first = dispatch.claim(FIRST)
    assert first.claimed == 4
    # The worker holding the claim died; after the lease, the next round claims again.
    assert dispatch.claim(FIRST + dt.timedelta(seconds=10)).claimed == 0
    later = FIRST + dt.timedelta(minutes=6)
    second = dispatch.claim(later)
    assert second.claimed == 4
    # Waiting in the queue is not an attempt; only a send that started counts.
    assert all(t.attempts == 0 for t in Touch.objects.filter(campaign=email_campaign))
    stale = dispatch.send_claimed(first.batches[0].claim_id, now=later)
    assert stale.sent == 0
    assert sum(dispatch.send_claimed(b.claim_id, now=later).sent for b in second.batches) == 4
    assert OutboxMessage.objects.unrestricted().count() == 4


def test_a_touch_already_in_the_ledger_is_never_sent_again(email_campaign):
    round_ = dispatch.claim(FIRST)
    touch = Touch.objects.filter(campaign=email_campaign).first()
    SendLedger.objects.create(
        owner_unit=touch.owner_unit,
        idempotency_key=touch.idempotency_key,
        channel="email",
        provider="sandbox",
        sent_at=FIRST,
    )
    sent = sum(dispatch.send_claimed(b.claim_id, now=FIRST).sent for b in round_.batches)
    assert sent == 4
    assert OutboxMessage.objects.unrestricted().count() == 3


def test_touches_claimed_too_many_times_are_dead(email_campaign):
    with override_settings(CAMPAIGNS_MAX_ATTEMPTS=2, CAMPAIGNS_CLAIM_SECONDS=60):
        # Twice a worker takes the batch and dies before reporting anything.
        for minute in (0, 2):
            at = FIRST + dt.timedelta(minutes=minute)
            for batch in dispatch.claim(at).batches:
                dispatch.start_sending(batch.claim_id, at)
        assert dispatch.claim(FIRST + dt.timedelta(minutes=4)).gave_up == 4
    touch = Touch.objects.filter(campaign=email_campaign).first()
    assert touch.status == TouchStatus.DEAD and touch.reason_code == "gave_up"


def test_a_paused_campaign_keeps_its_touches_waiting(tenants, email_campaign):
    round_ = dispatch.claim(FIRST)
    services.pause_campaign(tenants.user("fr-marketer"), email_campaign)
    counts = sum(dispatch.send_claimed(b.claim_id, now=FIRST).held for b in round_.batches)
    assert counts == 4
    assert statuses(email_campaign)["planned"] == 4
    assert all(t.attempts == 0 for t in Touch.objects.filter(campaign=email_campaign))
    assert dispatch.claim(FIRST + dt.timedelta(minutes=1)).claimed == 0  # paused: not due
    services.resume_campaign(tenants.user("fr-marketer"), email_campaign)
    assert run(FIRST + dt.timedelta(minutes=2)).sent == 4


def test_fair_share_serves_every_unit_in_each_round(tenants, email_content):
    playbook = make_playbook(tenants, email_content.family, [("email", 0, "always")])
    big = make_campaign(
        tenants, "fr", playbook,
        [make_account(tenants.unit("fr"), country="FR", contacts=5) for _ in range(6)],
    )  # fmt: skip
    small = make_campaign(
        tenants, "de", playbook, [make_account(tenants.unit("de"), country="DE", contacts=3)]
    )
    plan(big)
    plan(small)
    now = dt.datetime(2031, 1, 6, 12, 0, tzinfo=dt.UTC)
    round_ = dispatch.claim(now, limit=10)
    per_unit = {}
    for touch in Touch.objects.filter(status=TouchStatus.CLAIMED):
        per_unit[touch.owner_unit.code] = per_unit.get(touch.owner_unit.code, 0) + 1
    assert per_unit == {"fr": 5, "de": 3}  # fr's 30 due touches do not crowd out de
    assert round_.units == 2


# --- Send-time gates -----------------------------------------------------------------


def reasons(campaign) -> dict[str, str]:
    return {
        t.reason_code: t.reason
        for t in Touch.objects.filter(campaign=campaign).exclude(reason_code="")
    }


def test_consent_withdrawn_after_planning_stops_the_touch(email_campaign):
    Consent.objects.filter(contact__account__campaigns=email_campaign).update(
        status=Consent.Status.WITHDRAWN
    )
    counts = run(FIRST)
    assert counts.sent == 0 and counts.skipped == 4
    assert "withdrawn" in reasons(email_campaign)["consent_withdrawn"]
    assert not OutboxMessage.objects.unrestricted().exists()


def test_outside_the_allowed_hours_a_touch_waits_for_the_next_slot(tenants, email_campaign):
    evening = dt.datetime(2031, 1, 6, 18, 30, tzinfo=dt.UTC)  # 19:30 in Paris
    counts = run(evening)
    assert counts.sent == 0 and counts.held == 4
    touch = Touch.objects.filter(campaign=email_campaign).first()
    assert touch.status == TouchStatus.PLANNED and touch.reason_code == "quiet_hours"
    assert touch.scheduled_at == dt.datetime(2031, 1, 7, 8, 0, tzinfo=dt.UTC)
    assert "Held until 2031-01-07 09:00 Europe/Paris" in touch.reason
    assert touch.attempts == 0
    assert run(dt.datetime(2031, 1, 7, 8, 0, tzinfo=dt.UTC)).sent == 4


def test_on_a_public_holiday_a_touch_waits_for_the_next_business_day(tenants, email_campaign):
    # A retried touch due on 14 July (Bastille Day) in Paris.
    Touch.objects.filter(campaign=email_campaign).update(
        status=TouchStatus.FAILED, retry_at=dt.datetime(2031, 7, 14, 8, tzinfo=dt.UTC)
    )
    email_campaign.ends_on = dt.date(2031, 8, 31)
    email_campaign.save()
    counts = run(dt.datetime(2031, 7, 14, 9, tzinfo=dt.UTC))
    assert counts.held == 4
    touch = Touch.objects.filter(campaign=email_campaign).first()
    assert touch.reason_code == "holiday"
    assert "public holiday in FR: National Day" in touch.reason
    assert touch.local_scheduled == "2031-07-15 09:00 Europe/Paris"
    assert touch.scheduled_at == dt.datetime(2031, 7, 15, 7, 0, tzinfo=dt.UTC)  # 09:00 CEST


def test_the_frequency_cap_counts_what_was_sent_by_other_campaigns(tenants, email_content):
    mix.set_rule(tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.frequency.account_7d", 1)
    playbook = make_playbook(tenants, email_content.family, [("email", 0, "always")])
    account = make_account(tenants.unit("fr"), country="FR")
    first = plan(make_campaign(tenants, "fr", playbook, [account]))
    second = plan(make_campaign(tenants, "fr", playbook, [account], starts_on=dt.date(2031, 1, 8)))
    # Planning saw the first touch and skipped the second already; force it through.
    Touch.objects.filter(campaign=second).update(status=TouchStatus.PLANNED, reason_code="")
    assert run(FIRST).sent == 1
    counts = run(dt.datetime(2031, 1, 8, 8, tzinfo=dt.UTC))
    assert counts.skipped == 1
    assert "Frequency cap reached" in reasons(second)["frequency_account"]
    assert statuses(first)["sent"] == 1


def test_expired_content_rights_stop_the_touch(tenants, email_content, email_campaign):
    Asset.objects.filter(pk=email_content.pk).update(expires_at=FIRST - dt.timedelta(hours=1))
    counts = run(FIRST)
    assert counts.skipped == 4
    assert "expired" in reasons(email_campaign)["content_unavailable"]


def test_wechat_broadcasts_are_capped_per_follower_per_month(tenants, email_content):
    playbook = make_playbook(tenants, email_content.family, [("wechat", 0, "always")])
    account = make_account(tenants.unit("fr"), country="FR", channels=("wechat",))
    account.contacts.update(phone="+33612345678")
    campaign = plan(make_campaign(tenants, "fr", playbook, [account]))
    contact = account.contacts.get()
    for day in (2, 3):  # two earlier broadcasts this month from another campaign
        Touch.objects.create(
            owner_unit=tenants.unit("fr"), campaign=campaign, step=9 + day, account=account,
            family_root=account, contact=contact, channel="wechat",
            content_family=email_content.family, scheduled_at=FIRST,
            local_scheduled="x", status=TouchStatus.SENT, idempotency_key=f"old-{day}",
            sent_at=dt.datetime(2031, 1, day, 9, tzinfo=dt.UTC),
        )  # fmt: skip
    with override_settings(CAMPAIGNS_WECHAT_MONTHLY_QUOTA=2):
        counts = run(FIRST)
    assert counts.skipped == 1
    assert "2 broadcasts per follower per month" in reasons(campaign)["wechat_quota"]


def test_whatsapp_sends_only_approved_templates_outside_the_service_window(tenants, email_content):
    template = content_services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="message_template",
        language="en",
        values={"title": "grid_followup_v2", "body": "Hello {{ contact.first_name }}"},
    )  # fmt: skip
    publish(template)
    free = make_playbook(tenants, email_content.family, [("whatsapp", 0, "always")])
    templated = make_playbook(tenants, template.family, [("whatsapp", 0, "always")])
    one = make_account(tenants.unit("fr"), country="FR", channels=("whatsapp",))
    two = make_account(tenants.unit("fr"), country="FR", channels=("whatsapp",))
    replied = make_account(tenants.unit("fr"), country="FR", channels=("whatsapp",))
    for account in (one, two, replied):
        account.contacts.update(phone="+33612345678")
    EngagementEvent.objects.create(
        owner_unit=replied.owner_unit, account=replied, contact=replied.contacts.get(),
        kind=EventKind.REPLIED, occurred_at=FIRST - dt.timedelta(hours=2), external_id="wa-1",
    )  # fmt: skip
    refused = plan(make_campaign(tenants, "fr", free, [one]))
    allowed = plan(make_campaign(tenants, "fr", templated, [two]))
    window = plan(make_campaign(tenants, "fr", free, [replied]))
    run(FIRST)
    assert "approved message template" in reasons(refused)["whatsapp_template_only"]
    assert statuses(allowed)["sent"] == 1
    assert statuses(window)["sent"] == 1  # inside the 24-hour service window
    message = OutboxMessage.objects.unrestricted().get(
        recipient="+33612345678", channel="whatsapp", idempotency_key__startswith=f"c{allowed.pk}-"
    )
    assert "Hello C0" in message.body


def test_an_erased_contact_is_never_reached(email_campaign):
    Touch.objects.filter(campaign=email_campaign).first().contact.__class__.objects.filter(
        account__campaigns=email_campaign
    ).update(erased_at=timezone.now())
    assert run(FIRST).skipped == 4
    assert "erased" in reasons(email_campaign)["erased"]


def test_the_dispatcher_claims_no_more_than_the_workers_can_take(email_campaign):
    with override_settings(CAMPAIGNS_MAX_IN_FLIGHT=3):
        first = dispatch.claim(FIRST)
        assert first.claimed == 3
        assert dispatch.claim(FIRST + dt.timedelta(seconds=1)).claimed == 0  # still queued
        for batch in first.batches:
            dispatch.send_claimed(batch.claim_id, now=FIRST + dt.timedelta(seconds=2))
        assert run(FIRST + dt.timedelta(seconds=3)).sent == 1  # room again for the last one


def test_over_budget_touches_are_never_sent_and_say_why(tenants, email_content):
    from campaigns.models import Spend

    from .budget_helpers import tree

    budget = tree(tenants, fr=10)["fr"]
    playbook = make_playbook(tenants, email_content.family, [("linkedin", 0, "always")])
    account = make_account(tenants.unit("fr"), country="FR", contacts=3)
    campaign = make_campaign(tenants, "fr", playbook, [account])
    campaign.budget, campaign.touch_costs = budget, {"linkedin": 4}
    campaign.full_clean()
    campaign.save()
    plan(campaign)
    counts = run(FIRST)
    assert (counts.sent, counts.skipped) == (2, 1)  # 4 + 4 fit in 10, the third does not
    budget.refresh_from_db()
    assert budget.spent == 8 and Spend.objects.filter(campaign=campaign).count() == 2
    skipped = Touch.objects.get(campaign=campaign, status=TouchStatus.SKIPPED)
    assert skipped.reason_code == "budget_exhausted" and "left" in skipped.reason
    assert not OutboxMessage.objects.unrestricted().filter(idempotency_key=skipped.idempotency_key)


def test_a_touch_that_fails_to_send_gives_its_charge_back(tenants, email_content):
    from .budget_helpers import tree

    budget = tree(tenants, fr=10)["fr"]
    playbook = make_playbook(tenants, email_content.family, [("linkedin", 0, "always")])
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")]
    )
    campaign.budget, campaign.touch_costs = budget, {"linkedin": 4}
    campaign.full_clean()
    campaign.save()
    plan(campaign)
    with (
        FakeGateway() as gateway,
        override_settings(
            CAMPAIGNS_PROVIDERS={"linkedin": "http"},
            CAMPAIGNS_HTTP_ENDPOINTS={"linkedin": gateway.url},
        ),
    ):
        gateway.mode = "unavailable"
        assert run(FIRST).retried == 1
        budget.refresh_from_db()
        assert budget.spent == 0
        gateway.mode = "ok"
        assert run(FIRST + dt.timedelta(seconds=5)).sent == 1
    budget.refresh_from_db()
    assert budget.spent == 4
