"""Planning that stopped moving (its next chunk's message lost) is queued again."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.utils import timezone

from campaigns import planning
from campaigns.models import Campaign, CampaignStatus, Touch
from tests.test_worker import wait_for, worker  # noqa: F401  (the real-worker fixture)

from .conftest import make_account, make_campaign


def stalled_after_one_chunk(tenants, playbook, accounts: int = 3) -> tuple[Campaign, int]:
    """A campaign whose first chunk (one account) was planned and whose message for the
    next chunk never arrived; nothing is queued for it."""
    fr = tenants.unit("fr")
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(fr, country="FR") for _ in range(accounts)]
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.PLANNING, accounts_total=accounts, accounts_planned=0
    )
    cursor = planning.plan_chunk(campaign.pk, 0, limit=1)
    assert cursor is not None
    Campaign.objects.filter(pk=campaign.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    return campaign, cursor


def test_only_planning_that_stopped_moving_is_queued_again_once_per_period(
    tenants, playbook, django_capture_on_commit_callbacks
):
    campaign, cursor = stalled_after_one_chunk(tenants, playbook)
    moving, _ = stalled_after_one_chunk(tenants, playbook)
    Campaign.objects.filter(pk=moving.pk).update(updated_at=timezone.now())
    with django_capture_on_commit_callbacks() as queued:
        assert planning.resume_stalled() == 1
    assert len(queued) == 1
    # Marked: the next sweep within the stall period leaves it to the queued task.
    with django_capture_on_commit_callbacks() as queued:
        assert planning.resume_stalled() == 0
    assert queued == []
    with override_settings(CAMPAIGNS_PLANNING_STALL_SECONDS=0):
        assert planning.resume_stalled() == 2
    following: int | None = cursor  # what the queued task does, in this process
    while following is not None:
        following = planning.plan_chunk(campaign.pk, following)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING and campaign.accounts_planned == 3
    # A duplicate of a chunk that already ran does nothing: the cursor moved on.
    assert planning.plan_chunk(campaign.pk, cursor) is None
    assert Touch.objects.filter(campaign=campaign).count() == 3 * len(campaign.effective_steps())


def test_a_real_worker_finishes_planning_queued_again_by_the_sweep(
    worker,  # noqa: F811
    tenants,
    playbook,
):
    campaign, _ = stalled_after_one_chunk(tenants, playbook, accounts=5)
    assert not wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).status != CampaignStatus.PLANNING, 2
    )  # nothing moves by itself
    assert planning.resume_stalled() == 1  # autocommit: published at once
    assert wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.RUNNING, 60
    ), worker["log"].seek(0) or worker["log"].read()[-3000:]
    campaign.refresh_from_db()
    assert campaign.accounts_planned == 5 and campaign.planned_at is not None
    touches = Touch.objects.filter(campaign=campaign)
    assert touches.count() == 5 * len(campaign.effective_steps())
    assert touches.values("idempotency_key").distinct().count() == touches.count()


def test_beat_runs_the_sweep():
    from campaigns.tasks import resume_stalled_planning
    from glocal.celery import app

    entries = {e["task"] for e in app.conf.beat_schedule.values()}
    assert resume_stalled_planning.name in entries
