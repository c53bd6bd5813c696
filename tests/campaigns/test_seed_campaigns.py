"""The campaigns demo seed: idempotent, and its live campaign goes out over ~10 minutes."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from campaigns import dispatch, scheduling, services
from campaigns.models import (
    Budget,
    Campaign,
    CampaignStatus,
    OutboxMessage,
    Playbook,
    SendLedger,
    Spend,
    TouchStatus,
)
from campaigns.seed import LIVE_NAME, SPREAD_END, SPREAD_START
from glocal.layering.models import Bound
from governance.models import ApprovalRequest
from tests.conftest import PASSWORD

PARIS = ZoneInfo("Europe/Paris")


def seed() -> None:
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())


def counts() -> dict[str, int]:
    found = {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.app_label == "campaigns"
    }
    found["approvals"] = ApprovalRequest.objects.count()
    found["bounds"] = Bound.objects.count()
    return found


def live_campaign() -> Campaign:
    return Campaign.objects.unrestricted().select_related("owner_unit").get(name=LIVE_NAME)


def test_seeding_twice_creates_nothing_twice(db):
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first["campaigns.Playbook"] == 3  # two global playbooks, EMEA's adaptation
    assert Playbook.objects.unrestricted().filter(parent__isnull=False).count() == 1
    this_year = Budget.objects.unrestricted().filter(starts_on__year=timezone.localdate().year)
    assert this_year.count() == 12 and first["campaigns.FxRate"] >= 6
    assert first["campaigns.Spend"] >= 6
    statuses = set(Campaign.objects.unrestricted().values_list("status", flat=True))
    assert statuses == {
        CampaignStatus.DRAFT,
        CampaignStatus.PENDING_APPROVAL,
        CampaignStatus.CANCELLED,
        CampaignStatus.COMPLETED,
        CampaignStatus.RUNNING,
    }
    # The tree keeps its invariant; Poland's raise waits for the global managers.
    for budget in Budget.objects.unrestricted():
        assert budget.allocated + budget.spent <= budget.amount
    roots = Budget.objects.unrestricted().filter(parent=None)  # one tree per fiscal year
    assert roots.exists()
    for root in roots:
        assert root.allocated == sum(b.amount for b in root.children.all())
    assert ApprovalRequest.objects.filter(
        action_type="campaigns.budget_amount", status="pending"
    ).exists()
    # The completed campaign went out through the sandbox, weeks ago.
    completed = Campaign.objects.unrestricted().get(status=CampaignStatus.COMPLETED)
    sent = completed.touches.filter(status=TouchStatus.SENT)
    assert sent.exists() and not completed.touches.filter(status=TouchStatus.PLANNED).exists()
    assert all(t.sent_at < timezone.now() - dt.timedelta(days=5) for t in sent)
    keys = set(sent.values_list("idempotency_key", flat=True))
    outbox = OutboxMessage.objects.unrestricted().filter(idempotency_key__in=keys)
    assert outbox.count() == len(keys)


def test_the_live_campaign_goes_out_over_the_next_minutes(db):
    before = timezone.now()
    seed()
    after = timezone.now()
    campaign = live_campaign()
    assert campaign.owner_unit.code == "fr"
    assert campaign.status == CampaignStatus.RUNNING and campaign.planned_at is not None
    assert campaign.launched_by.username == "fr-marketer"  # approved by EMEA's manager
    planned = list(campaign.touches.filter(status=TouchStatus.PLANNED).order_by("scheduled_at"))
    assert planned, "the live campaign has touches to send"
    tz = ZoneInfo(campaign.owner_unit.timezone)
    for touch in planned:
        # seconds are kept, microseconds dropped
        assert before + SPREAD_START - dt.timedelta(seconds=1) <= touch.scheduled_at
        assert touch.scheduled_at <= after + SPREAD_END
        assert touch.local_scheduled == scheduling.local_label(touch.scheduled_at, tz)
    if len(planned) > 1:  # spread over the ten minutes, not bunched
        assert planned[-1].scheduled_at - planned[0].scheduled_at >= dt.timedelta(minutes=9)
    # Nothing is due yet: the worker and beat send them over the following minutes.
    assert dispatch.claim(before + dt.timedelta(seconds=20)).claimed == 0
    assert services.progress(campaign)["percent"] < 100

    later = after + dt.timedelta(minutes=11)
    while scheduling.holiday_name(later.astimezone(PARIS).date(), "FR"):
        later += dt.timedelta(days=1)  # the dispatcher holds touches on French holidays
    round_ = dispatch.claim(later)
    assert round_.claimed == len(planned)
    for batch in round_.batches:
        dispatch.send_claimed(batch.claim_id, now=later)

    campaign.refresh_from_db()
    keys = {t.idempotency_key for t in planned}
    assert set(campaign.touches.filter(status=TouchStatus.SENT).values_list(
        "idempotency_key", flat=True
    )) == keys  # fmt: skip
    outbox = OutboxMessage.objects.unrestricted().filter(idempotency_key__in=keys)
    assert outbox.count() == len(keys) and all(m.recipient for m in outbox)
    assert SendLedger.objects.unrestricted().filter(
        idempotency_key__in=keys, provider="sandbox"
    ).count() == len(keys)  # fmt: skip
    progress = services.progress(campaign)
    assert progress["percent"] == 100 and campaign.status == CampaignStatus.COMPLETED
    # Every touch was charged to France's budget at its price.
    assert Spend.objects.unrestricted().filter(campaign=campaign).count() == len(keys)
