"""Analytics tasks: thin wrappers that take ids and call ``analytics.rollups``."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from analytics import rollups
from glocal.models import Organization


@shared_task(name="analytics.tasks.refresh_rollups", ignore_result=True, acks_late=True)
def refresh_rollups(pairs: list[list], queued_at: str | None = None) -> int:
    """Recompute the rollups of these ``[unit id, "YYYY-MM-DD"]`` pairs (idempotent);
    those recomputed since ``queued_at`` are skipped."""
    when = dt.datetime.fromisoformat(queued_at) if queued_at else None
    return rollups.refresh(((unit_id, day) for unit_id, day in pairs), when)


@shared_task(name="analytics.tasks.rebuild_rollups", ignore_result=True, acks_late=True)
def rebuild_rollups(organization_id: int, since: str | None = None) -> int:
    """Recompute an organisation's rollups from ``since`` (e.g. after a late FX rate)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return rollups.rebuild(organization, dt.date.fromisoformat(since) if since else None)


@shared_task(name="analytics.tasks.refresh_recent_rollups", ignore_result=True)
def refresh_recent_rollups() -> int:
    """Beat, nightly: today's and yesterday's rows (engagement decays without events)."""
    return rollups.refresh_recent()
