from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from glocal.models import WorkerHeartbeat


def test_healthz_answers_without_touching_services(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


def test_readyz_is_unavailable_without_a_worker_heartbeat(db, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"
    assert "no worker heartbeat" in body["checks"]["worker"]


def test_readyz_is_unavailable_when_the_heartbeat_is_stale(db, client, settings):
    WorkerHeartbeat.objects.create(
        hostname="old",
        beat_at=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 5),
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "ago" in response.json()["checks"]["worker"]


def test_readyz_is_ready_with_a_fresh_heartbeat(db, client):
    WorkerHeartbeat.objects.create(hostname="w1", beat_at=timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_reports_an_unreachable_broker(db, client, settings, monkeypatch):
    from glocal.celery import app

    WorkerHeartbeat.objects.create(hostname="w1", beat_at=timezone.now())
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] != "ok"
