"""Content tasks: thin wrappers around the services, scheduled by beat."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="content.tasks.alert_expiring_rights", ignore_result=True)
def alert_expiring_rights() -> int:
    """Beat (daily): warn owners of rights expiring within 14 days; re-queue while full."""
    from content import alerts

    announced = alerts.alert_expiring_rights()
    if announced >= alerts.ALERT_BATCH:
        alert_expiring_rights.delay()
    return announced
