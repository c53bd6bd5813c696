"""Governance tasks: thin wrappers around the services, scheduled by beat."""

from __future__ import annotations

from celery import shared_task

# --- Approvals and notifications ----------------------------------------------------


@shared_task(name="governance.tasks.expire_approvals", ignore_result=True)
def expire_approvals() -> int:
    """Expire pending requests past their deadline; re-queue while a batch was full."""
    from governance import approvals

    expired = approvals.expire_due()
    if expired >= approvals.EXPIRY_BATCH:
        expire_approvals.delay()
    return expired


@shared_task(name="governance.tasks.deliver_notification_emails", ignore_result=True)
def deliver_notification_emails(ids: list[int] | None = None) -> int:
    """Mail notifications: the given ids right after a commit, or every unsent one."""
    from governance import notify

    return notify.deliver_emails(ids)


# --- Coordination rituals -------------------------------------------------------------


@shared_task(name="governance.tasks.schedule_rituals", ignore_result=True)
def schedule_rituals() -> int:
    """Beat: fan out one scheduling task per active ritual (each in its own transaction,
    so one ritual's failure does not hold back the others)."""
    from governance import rituals

    ids = rituals.schedulable_ritual_ids()
    for ritual_id in ids:
        schedule_ritual.delay(ritual_id)
    return len(ids)


@shared_task(name="governance.tasks.schedule_ritual", ignore_result=True)
def schedule_ritual(ritual_id: int) -> int:
    """Create the ritual's occurrences ahead, its reminders and fresh agendas (idempotent)."""
    from governance import rituals

    result = rituals.schedule_by_id(ritual_id)
    return len(result.created) if result else 0


@shared_task(name="governance.tasks.send_ritual_reminders", ignore_result=True)
def send_ritual_reminders() -> int:
    """Beat: send due reminders in bounded batches; re-queue while more are waiting."""
    from governance import rituals

    sent, more = rituals.send_due_reminders()
    if more:
        send_ritual_reminders.delay()
    return sent


@shared_task(name="governance.tasks.flag_overdue_action_items", ignore_result=True)
def flag_overdue_action_items() -> int:
    """Beat: flag overdue action items and notify their owners once."""
    from governance import rituals

    flagged, more = rituals.flag_overdue_action_items()
    if more:
        flag_overdue_action_items.delay()
    return flagged
