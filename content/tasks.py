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


#: retries of a retryable engine failure (timeouts, 429, 5xx) before people take over
MACHINE_RETRIES = 3


@shared_task(
    bind=True,
    name="content.tasks.machine_translate",
    ignore_result=True,
    max_retries=MACHINE_RETRIES,
)
def machine_translate(self, task_id: int) -> None:
    """Draft one translation task by machine; back off on retryable engine failures."""
    from content import workflow
    from content.translation import TranslationError

    try:
        workflow.machine_translate(task_id, last_attempt=self.request.retries >= self.max_retries)
    except TranslationError as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
