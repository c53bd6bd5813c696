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


@shared_task(name="glocal.tasks.cascade_layered_change", ignore_result=True, acks_late=True)
def cascade_layered_change(model_label: str, node_id: int, fields: list[str]) -> int:
    """Rebuild materialised values below a changed layered node (idempotent)."""
    from django.apps import apps

    from glocal import layering

    model = apps.get_model(model_label)
    node = model._base_manager.filter(pk=node_id).first()
    if node is None:
        return 0
    return layering.cascade(node, fields)
