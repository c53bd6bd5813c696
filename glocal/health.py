"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from glocal.celery import app as celery_app
from glocal.models import WorkerHeartbeat


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_broker() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_worker() -> str | None:
    max_age = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
    try:
        latest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True)[:1]
        latest = list(latest)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    if not latest:
        return "no worker heartbeat recorded yet"
    age = timezone.now() - latest[0]
    if age > max_age:
        return f"last worker heartbeat {int(age.total_seconds())}s ago (limit {max_age.seconds}s)"
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    checks["worker"] = _check_worker() if checks["database"] is None else "database unavailable"
    ready = all(error is None for error in checks.values())
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {name: error or "ok" for name, error in checks.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)
