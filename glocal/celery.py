"""Celery application: JSON only, late acks, tasks published on commit, beat in code."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glocal.settings")

app = Celery("glocal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "worker-heartbeat": {
        "task": "glocal.tasks.heartbeat",
        "schedule": float(os.environ.get("CELERY_HEARTBEAT_INTERVAL", "15")),
        "options": {"expires": 60},
    },
    # Approvals (governance): expire overdue requests; mail notifications a worker missed.
    "approvals-expire": {
        "task": "governance.tasks.expire_approvals",
        "schedule": 300.0,
        "options": {"expires": 600},
    },
    "notifications-email-sweep": {
        "task": "governance.tasks.deliver_notification_emails",
        "schedule": 120.0,
        "options": {"expires": 300},
    },
    # Coordination rituals (governance): occurrences, agendas and overdue flags every
    # RITUALS_BEAT_INTERVAL seconds, reminders every RITUALS_REMINDER_INTERVAL seconds.
    "rituals-schedule": {
        "task": "governance.tasks.schedule_rituals",
        "schedule": float(os.environ.get("RITUALS_BEAT_INTERVAL", "900")),
    },
    "rituals-overdue-action-items": {
        "task": "governance.tasks.flag_overdue_action_items",
        "schedule": float(os.environ.get("RITUALS_BEAT_INTERVAL", "900")),
    },
    "rituals-reminders": {
        "task": "governance.tasks.send_ritual_reminders",
        "schedule": float(os.environ.get("RITUALS_REMINDER_INTERVAL", "60")),
        "options": {"expires": 300},
    },
    # Accounts: engagement decays without new events, so rescore daily; flag hand-offs
    # past their SLA every HANDOFF_BEAT_INTERVAL seconds.
    "accounts-engagement-daily": {
        "task": "accounts.tasks.recompute_engagement_scores",
        "schedule": crontab(hour=2, minute=30),
    },
    "accounts-handoffs-overdue": {
        "task": "accounts.tasks.flag_overdue_handoffs",
        "schedule": float(os.environ.get("HANDOFF_BEAT_INTERVAL", "900")),
    },
    "accounts-retention-purge": {
        "task": "accounts.tasks.purge_expired_contacts",
        "schedule": crontab(hour=3, minute=15),
    },
    "accounts-duplicates-nightly": {
        "task": "accounts.tasks.detect_duplicates_everywhere",
        "schedule": crontab(hour=1, minute=45),
    },
    # Campaigns: claim due touches (and expired claims) and complete finished campaigns.
    "campaigns-dispatch": {
        "task": "campaigns.tasks.dispatch_due",
        "schedule": float(os.environ.get("CAMPAIGNS_DISPATCH_INTERVAL", "10")),
        "options": {"expires": 60},
    },
    # Campaigns: planning whose next chunk was lost with its message is queued again.
    "campaigns-planning-stalled": {
        "task": "campaigns.tasks.resume_stalled_planning",
        "schedule": 120.0,
        "options": {"expires": 240},
    },
    # Analytics: engagement decays without new events, so refresh today's and yesterday's
    # rollups after the nightly rescoring.
    "analytics-rollups-nightly": {
        "task": "analytics.tasks.refresh_recent_rollups",
        "schedule": crontab(hour=2, minute=50),
    },
    # Content: warn owners of usage rights expiring within 14 days (once per expiry).
    "content-rights-expiring": {
        "task": "content.tasks.alert_expiring_rights",
        "schedule": crontab(hour=6, minute=0),
    },
}


@worker_ready.connect
def _announce_worker(sender=None, **kwargs) -> None:
    """Record a heartbeat as soon as a worker is up, before beat's first tick."""
    from glocal.tasks import record_heartbeat

    record_heartbeat(getattr(sender, "hostname", None) or "worker")
