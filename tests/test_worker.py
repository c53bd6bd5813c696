"""A real Celery worker process consumes our tasks end to end.

Runs against whatever broker the settings configure: Redis in CI (REQUIRE_SERVICES=1
insists on it), the embedded filesystem broker on a bare machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from glocal.models import WorkerHeartbeat
from glocal.tasks import heartbeat
from tests.services import REQUIRED, require_postgres, require_redis

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def worker(transactional_db):
    if REQUIRED:
        require_postgres()
        require_redis()
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
    }
    log = open(Path(settings.VAR_DIR) / f"{queue}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "glocal",
            "worker",
            "-Q",
            f"{queue},{settings.CELERY_TASK_DEFAULT_QUEUE}",
            "-n",
            node,
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        started = wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=node).exists(), 60)
        if not started:
            log.seek(0)
            pytest.fail(f"worker did not start:\n{log.read()[-4000:]}")
        yield {"queue": queue, "node": node, "log": log}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_a_real_worker_runs_a_task_published_on_commit(worker):
    WorkerHeartbeat.objects.filter(hostname=worker["node"]).delete()
    with transaction.atomic():
        heartbeat.apply_async_on_commit(queue=worker["queue"])
        # Still inside the transaction: nothing may have been published yet.
        time.sleep(1.5)
        assert not WorkerHeartbeat.objects.filter(hostname=worker["node"]).exists()
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=worker["node"]).exists())


def test_a_rolled_back_transaction_publishes_nothing(worker):
    WorkerHeartbeat.objects.filter(hostname=worker["node"]).delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        heartbeat.apply_async_on_commit(queue=worker["queue"])
        raise RuntimeError("roll back")
    assert not wait_for(
        lambda: WorkerHeartbeat.objects.filter(hostname=worker["node"]).exists(), timeout=3
    )


def test_readyz_reports_the_live_worker(worker, client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "worker": "ok"}


def test_a_real_worker_cascades_a_layered_change_down_the_tree(worker):
    from glocal import layering
    from governance.models import Directive
    from tests.conftest import Tenants, ensure_demo_organizations

    ensure_demo_organizations()
    tenants = Tenants()
    core = Directive.objects.create(
        owner_unit=tenants.unit("global"), title="Core", summary="v1", status="published"
    )
    regional = layering.adapt(core, tenants.unit("emea"), {}, status="published")
    local = layering.adapt(regional, tenants.unit("fr"), {"title": "Local"})
    layering.set_fields(core, {"summary": "v2", "title": "Core 2"})  # commits: task published
    cascaded = wait_for(lambda: Directive.objects.get(pk=local.pk).summary == "v2")
    worker["log"].seek(0)
    assert cascaded, worker["log"].read()[-3000:]
    assert Directive.objects.get(pk=regional.pk).title == "Core 2"
    assert Directive.objects.get(pk=local.pk).title == "Local"
    from glocal.layering.models import StaleOverride

    assert StaleOverride.objects.filter(object_id=local.pk, field="title").exists()
