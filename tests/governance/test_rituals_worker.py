"""Rituals end to end: a real ``celery beat`` and a real worker create occurrences ahead,
with agendas built from live data, send due reminders and flag overdue action items.

Runs on the configured stack: SQLite and the filesystem broker on a bare machine,
PostgreSQL and Redis in CI (REQUIRE_SERVICES=1 insists on them). The beat intervals are
shortened through RITUALS_BEAT_INTERVAL / RITUALS_REMINDER_INTERVAL, and beat keeps its
schedule file in a temporary directory.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from glocal import layering
from glocal.layering.models import StaleOverride
from glocal.models import WorkerHeartbeat
from governance.models import ActionItem, Directive, Ritual, RitualOccurrence, RitualReminder
from tests.conftest import ensure_demo_organizations
from tests.services import REQUIRED, require_postgres, require_redis
from tests.test_worker import ROOT, database_url, wait_for


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def beat_and_worker(transactional_db, tmp_path):
    """Start a worker and beat on a private queue; yields a function that starts them
    (so the test can commit its data first) and stops both at teardown."""
    if REQUIRED:
        require_postgres()
        require_redis()
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    queue = f"rituals-{uuid.uuid4().hex[:8]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        # tests.settings sends every task (beat's included) to this queue: a private one,
        # so no other worker on a shared broker takes them.
        "GLOCAL_TEST_QUEUE": queue,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        "RITUALS_BEAT_INTERVAL": "1",
        "RITUALS_REMINDER_INTERVAL": "1",
    }
    log_path = tmp_path / "celery.log"
    log = open(log_path, "w+")  # noqa: SIM115
    processes: list[subprocess.Popen] = []

    def start() -> dict:
        celery = [sys.executable, "-m", "celery", "-A", "glocal"]
        processes.append(
            subprocess.Popen(
                [
                    *celery,
                    "worker",
                    "-Q",
                    queue,
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
        )
        processes.append(
            subprocess.Popen(
                [
                    *celery,
                    "beat",
                    "--schedule",
                    str(tmp_path / "celerybeat-schedule"),
                    "--pidfile",
                    str(tmp_path / "celerybeat.pid"),
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        if not wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=node).exists(), 60):
            pytest.fail(f"worker did not start:\n{log_tail()}")
        return {"queue": queue, "node": node}

    def log_tail() -> str:
        log.flush()
        return Path(log_path).read_text()[-6000:]

    start.log_tail = log_tail
    try:
        yield start
    finally:
        for process in reversed(processes):
            _stop(process)
        log.close()


def _pending_approval(unit) -> bool:
    try:
        ApprovalRequest = apps.get_model("governance", "ApprovalRequest")
    except LookupError:
        return False
    activity = ApprovalRequest._meta.get_field("activity").choices[0][0]
    ApprovalRequest.objects.create(
        owner_unit=unit,
        activity=activity,
        scope=unit,
        requesting_unit=unit,
        action_type="test.ritual-worker",
        title="Approve the Paris event budget",
        status="pending",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    return True


def test_beat_creates_occurrences_with_agendas_reminders_and_overdue_flags(beat_and_worker):
    from django.contrib.auth import get_user_model

    from glocal.models import OrgUnit

    ensure_demo_organizations()
    acme = OrgUnit.objects.filter(organization__slug="acme-industrial")
    world, emea, fr = (acme.get(code=c) for c in ("global", "emea", "fr"))
    # Live data the agenda must pick up: a stale French adaptation, a pending approval.
    core = Directive.objects.create(owner_unit=world, title="Core", body="b", status="published")
    adaptation = layering.adapt(core, fr, {"title": "Adaptation FR"})
    layering.set_fields(core, {"title": "Core v2"})
    layering.cascade(Directive.objects.get(pk=core.pk), ["title"])
    assert StaleOverride.objects.filter(object_id=adaptation.pk).exists()
    has_approvals = _pending_approval(fr)
    # A weekly EMEA sync, not scheduled yet: beat must do it. Reminders 14 days ahead, so
    # the first meeting's reminders are due as soon as it exists.
    ritual = Ritual(
        owner_unit=emea,
        name="EMEA weekly (worker test)",
        recurrence="FREQ=WEEKLY",
        starts_on=timezone.localdate(),
        time_of_day=dt.time(10),
        reminder_days_before=14,
    )
    ritual.full_clean()
    ritual.save()
    # Last week's meeting left an action item that is now overdue.
    past = RitualOccurrence.objects.create(
        ritual=ritual,
        starts_at=timezone.now() - dt.timedelta(days=7),
        ends_at=timezone.now() - dt.timedelta(days=7, hours=-1),
    )
    owner = get_user_model().objects.get(username="fr-marketer")
    late = ActionItem.objects.create(
        occurrence=past,
        owner_unit=fr,
        assignee=owner,
        title="Send the Q1 shortlist",
        due_on=timezone.localdate() - dt.timedelta(days=3),
    )
    assert not ritual.occurrences.filter(starts_at__gt=timezone.now()).exists()

    beat_and_worker()

    def scheduled() -> bool:
        upcoming = ritual.occurrences.filter(starts_at__gt=timezone.now())
        return upcoming.count() >= 8 and all(o.agenda_updated_at for o in upcoming)

    assert wait_for(scheduled, timeout=90), beat_and_worker.log_tail()
    first = ritual.occurrences.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    topics = {item["topic"]: item for item in first.agenda}
    assert topics["stale_overrides"]["count"] == 1
    assert topics["stale_overrides"]["entries"][0]["unit"] == "fr"
    assert topics["open_action_items"]["entries"][0]["label"] == "Send the Q1 shortlist"
    if has_approvals:
        assert topics["pending_approvals"]["entries"][0]["label"] == (
            "Approve the Paris event budget"
        )
    assert set(ritual.participant_units.values_list("code", flat=True)) == {
        "emea",
        "fr",
        "de",
        "uk",
        "pl",
    }

    def reminded() -> bool:
        return (
            RitualReminder.objects.filter(
                occurrence=first, sent_at__isnull=False, recipients=4
            ).count()
            == 5
        )

    assert wait_for(reminded, timeout=60), beat_and_worker.log_tail()
    assert wait_for(
        lambda: ActionItem.objects.filter(pk=late.pk, overdue_since__isnull=False).exists(), 60
    ), beat_and_worker.log_tail()
    # Beat keeps firing: nothing is created or sent twice.
    count = ritual.occurrences.count()
    sent = list(RitualReminder.objects.filter(sent_at__isnull=False).values_list("pk", "sent_at"))
    time.sleep(3)
    assert ritual.occurrences.count() == count
    assert (
        list(
            RitualReminder.objects.filter(pk__in=[pk for pk, _ in sent]).values_list(
                "pk", "sent_at"
            )
        )
        == sent
    )
