"""Campaign tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task

from campaigns import dispatch, planning
from campaigns.adapters import queue_for

log = logging.getLogger(__name__)


@shared_task(name="campaigns.tasks.plan_campaign", ignore_result=True, acks_late=True)
def plan_campaign(campaign_id: int, after: int = 0) -> None:
    """Plan one chunk of accounts, then queue the next chunk (state lives in the row)."""
    cursor = planning.plan_chunk(campaign_id, after)
    if cursor is not None:
        plan_campaign.delay(campaign_id, cursor)


@shared_task(name="campaigns.tasks.resume_stalled_planning", ignore_result=True)
def resume_stalled_planning() -> int:
    """Beat: queue again the next chunk of planning that stopped moving (lost message)."""
    resumed = planning.resume_stalled()
    if resumed:
        log.warning("planning: %s stalled campaigns queued again", resumed)
    return resumed


@shared_task(name="campaigns.tasks.dispatch_due", ignore_result=True)
def dispatch_due() -> dict[str, int]:
    """Beat: claim due touches (fair share across units) and queue their send batches.

    Expired claims are part of "due", so a killed worker's touches come back here.
    """
    round_ = dispatch.claim()
    for batch in round_.batches:
        send_touches.apply_async((str(batch.claim_id),), queue=queue_for(batch.channel))
    completed = dispatch.finish_campaigns()
    if round_.claimed or round_.gave_up or completed:
        log.info(
            "dispatch: %s touches claimed in %s batches over %s units; %s gave up; "
            "%s campaigns completed",
            round_.claimed,
            len(round_.batches),
            round_.units,
            round_.gave_up,
            completed,
        )
    return {"claimed": round_.claimed, "batches": len(round_.batches), "completed": completed}


@shared_task(name="campaigns.tasks.send_touches", ignore_result=True, acks_late=True)
def send_touches(claim_id: str) -> dict[str, int]:
    """Send one claimed batch; routed to its channel family's queue by the dispatcher."""
    return dispatch.send_claimed(claim_id).as_dict()
