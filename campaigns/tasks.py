"""Campaign tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from campaigns import planning


@shared_task(name="campaigns.tasks.plan_campaign", ignore_result=True, acks_late=True)
def plan_campaign(campaign_id: int, after: int = 0) -> None:
    """Plan one chunk of accounts, then queue the next chunk (state lives in the row)."""
    cursor = planning.plan_chunk(campaign_id, after)
    if cursor is not None:
        plan_campaign.delay(campaign_id, cursor)
