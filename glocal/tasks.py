"""Kernel tasks: thin wrappers around services."""

from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone

from glocal.models import WorkerHeartbeat


def record_heartbeat(hostname: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"beat_at": timezone.now()}
    )


@shared_task(name="glocal.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Periodic proof that a worker consumes the queue (read by /readyz)."""
    hostname = getattr(heartbeat.request, "hostname", None) or socket.gethostname()
    record_heartbeat(hostname)
