"""The engine end to end with real processes: a Celery worker and beat, the configured
broker and database (Redis and PostgreSQL in CI), a real SMTP server and a real HTTP
gateway standing in for the remote providers.

* launch → approval → planning (in the worker) → dispatch (beat) → sends over SMTP and
  HTTP → signed webhook events → progress 100 %;
* SIGKILL of the worker while it dispatches 5,000 touches, then a restart: every touch
  sent exactly once, none lost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from accounts.models import Account, Consent, Contact, EngagementEvent, Lifecycle
from accounts.models.contacts import residency_zone_for
from campaigns import mix, planning, scheduling, services, webhooks
from campaigns.launch import launch_campaign
from campaigns.models import Campaign, CampaignStatus, SendLedger, Touch, TouchStatus
from content import services as content_services
from glocal.models import WorkerHeartbeat
from governance import approvals
from tests.conftest import Tenants, ensure_demo_organizations
from tests.fakes.gateway import FakeGateway
from tests.fakes.smtp import FakeSmtp
from tests.services import REQUIRED, require_postgres, require_redis
from tests.test_worker import ROOT, database_url, wait_for

from .conftest import make_playbook, publish

pytestmark = pytest.mark.services
SECRET = "relay-webhook-secret"


class Engine:
    """A worker (own process group, so SIGKILL takes its pool too) and a beat."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.queue = env["GLOCAL_TEST_QUEUE"]
        self.env = env
        self.log_path = tmp_path / "celery.log"
        self.log = open(self.log_path, "a+")  # noqa: SIM115
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.nodes = 0

    def start_worker(self) -> None:
        self.nodes += 1
        node = f"{self.queue}-{self.nodes}@localhost"
        # Its own queue (beat's tasks), this test process's queue (tasks published here,
        # such as planning after an approval) and its private campaign family queues.
        prefix = self.env["CAMPAIGNS_QUEUE_PREFIX"]
        queues = ",".join(
            [self.queue, settings.CELERY_TASK_DEFAULT_QUEUE]
            + [f"{prefix}.{family}" for family in settings.CAMPAIGNS_QUEUE_FAMILIES]
        )
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "glocal",
                "worker",
                "-Q",
                queues,
                "-n",
                node,
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=node).exists(), 60):
            pytest.fail(f"worker did not start:\n{self.tail()}")

    def start_beat(self) -> None:
        self.beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "glocal",
                "beat",
                "--schedule",
                str(self.tmp_path / "celerybeat-schedule"),
                "--pidfile",
                str(self.tmp_path / "celerybeat.pid"),
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool: no shutdown, no acknowledgement, nothing."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-8000:]

    def stop(self) -> None:
        for process in (self.worker, self.beat):
            if process is None or process.poll() is not None:
                continue
            try:
                if process is self.worker:
                    os.killpg(process.pid, signal.SIGTERM)
                else:
                    process.terminate()
                process.wait(timeout=20)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                process.kill()
        self.log.close()


@pytest.fixture
def stand_ins():
    with FakeSmtp() as smtp, FakeGateway(token="li-token") as gateway:
        yield smtp, gateway


@pytest.fixture
def engine(transactional_db, tmp_path, stand_ins):
    if REQUIRED:
        require_postgres()
        require_redis()
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    smtp, gateway = stand_ins
    queue = f"engine-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "GLOCAL_TEST_QUEUE": queue,
        "CAMPAIGNS_QUEUE_PREFIX": f"{queue}.campaigns",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        "CAMPAIGNS_DISPATCH_INTERVAL": "1",
        # Long enough for a batch to wait its turn in the queue (the filesystem broker of a
        # bare machine is slow), short enough to recover quickly from the kill.
        "CAMPAIGNS_CLAIM_SECONDS": "20",
        "CAMPAIGNS_SEND_BATCH": "50",
        "CAMPAIGNS_MAX_IN_FLIGHT": "200",
        "CAMPAIGNS_PROVIDERS": "email=email,linkedin=http",
        "CAMPAIGNS_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "CAMPAIGNS_LINKEDIN_URL": gateway.url,
        "CAMPAIGNS_LINKEDIN_TOKEN": "li-token",
        # Rituals and other beat jobs stay out of the way.
        "RITUALS_BEAT_INTERVAL": "3600",
        "RITUALS_REMINDER_INTERVAL": "3600",
    }
    ensure_demo_organizations()
    running = Engine(tmp_path, env)
    try:
        yield running
    finally:
        running.stop()


def sending_any_time(tenants: Tenants, unit_code: str) -> None:
    """The unit sends at any hour on any day, so the test does not depend on the clock."""
    admin, unit = tenants.user(f"{unit_code}-admin"), tenants.unit(unit_code)
    mix.set_rule(admin, unit, "campaigns.hours.start", 0)
    mix.set_rule(admin, unit, "campaigns.hours.end", 24)
    mix.set_rule(admin, unit, "campaigns.days.allowed", list(mix.DAY_NAMES))


def working_country(tz: ZoneInfo) -> str:
    """A country without a public holiday today (holidays still hold touches back)."""
    today = timezone.now().astimezone(tz).date()
    return next(c for c in ("FR", "DE", "GB", "US", "JP") if not scheduling.holiday_name(today, c))


def build_accounts(unit, country: str, accounts: int, contacts: int) -> list[Account]:
    """Selected accounts whose contacts granted email and LinkedIn consent (in bulk)."""
    made = Account.objects.bulk_create(
        Account(owner_unit=unit, name=f"Engine {uuid.uuid4().hex[:10]}", country=country,
                lifecycle=Lifecycle.SELECTED)
        for _ in range(accounts)
    )  # fmt: skip
    people = Contact.objects.bulk_create(
        Contact(owner_unit=unit, account=a, first_name=f"P{i}", last_name=a.name, country=country,
                residency_zone=residency_zone_for(country), email=f"p{i}.{a.pk}@engine.example")
        for a in made
        for i in range(contacts)
    )  # fmt: skip
    now = timezone.now()
    Consent.objects.bulk_create(
        Consent(owner_unit=unit, contact=c, channel=channel, status=Consent.Status.GRANTED,
                lawful_basis="consent", recorded_at=now)
        for c in people
        for channel in ("email", "linkedin")
    )  # fmt: skip
    return made


def email_and_linkedin_playbook(tenants: Tenants):
    asset = content_services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="email", language="en",
        values={"title": "Grid resilience", "body": "<p>Hello {{ contact.first_name }}</p>"},
    )  # fmt: skip
    publish(asset)
    return make_playbook(tenants, asset.family, [("email", 0, "always"), ("linkedin", 0, "always")])


def post_events(client, events: list[dict]) -> dict:
    body = json.dumps({"events": events}).encode()
    response = client.post(
        "/api/v1/events/webhook/relay/",
        data=body,
        content_type="application/json",
        HTTP_X_GLOCAL_SIGNATURE=webhooks.sign(SECRET, body),
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_launch_approval_planning_dispatch_webhooks_to_100_percent(engine, stand_ins, client):
    smtp, gateway = stand_ins
    tenants = Tenants()
    sending_any_time(tenants, "fr")
    fr = tenants.unit("fr")
    country = working_country(ZoneInfo(fr.timezone))
    accounts = build_accounts(fr, country, accounts=3, contacts=2)
    today = timezone.now().astimezone(ZoneInfo(fr.timezone)).date()
    campaign = services.create_campaign(
        tenants.user("fr-marketer"), fr, playbook=email_and_linkedin_playbook(tenants),
        name="Engine end to end", starts_on=today, ends_on=today + dt.timedelta(days=30),
        accounts=accounts,
    )  # fmt: skip
    engine.start_worker()
    engine.start_beat()

    request = launch_campaign(tenants.user("fr-marketer"), campaign)
    assert request.is_pending  # local marketer is R, the region is A
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PENDING_APPROVAL
    approvals.decide(request, tenants.user("emea-manager"), approve=True)

    def sent() -> int:
        return Touch.objects.filter(campaign=campaign, status=TouchStatus.SENT).count()

    assert wait_for(lambda: sent() == 12, 150), (
        f"{services.progress(Campaign.objects.get(pk=campaign.pk))}\n{engine.tail()}"
    )
    emails = set(
        Touch.objects.filter(campaign=campaign, channel="email").values_list(
            "idempotency_key", flat=True
        )
    )
    posts = set(
        Touch.objects.filter(campaign=campaign, channel="linkedin").values_list(
            "idempotency_key", flat=True
        )
    )
    assert smtp.delivered == emails and smtp.calls == 6
    assert set(gateway.accepted) == posts and sum(gateway.calls.values()) == 6
    assert all(m["html"].startswith("<p>Hello P") for m in smtp.messages)  # personalised

    with override_settings(CAMPAIGNS_WEBHOOK_SECRETS={"relay": SECRET}):
        at = timezone.now().isoformat()
        events = [
            {"id": f"open-{key}", "type": "opened", "touch": key, "occurred_at": at}
            for key in sorted(emails)
        ] + [
            {"id": f"click-{gid}", "type": "clicked", "message_id": gid, "occurred_at": at}
            for gid in sorted(gateway.accepted.values())
        ]
        assert post_events(client, events) == {"recorded": 12, "duplicates": 0, "unknown": []}
        assert post_events(client, events[:3])["duplicates"] == 3  # redelivery counted once
    assert EngagementEvent.objects.filter(account__in=accounts).count() == 12
    assert all(
        a.engagement_score > 0 for a in Account.objects.filter(pk__in=[a.pk for a in accounts])
    )

    def completed() -> bool:
        return Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.COMPLETED

    assert wait_for(completed, 30), engine.tail()
    progress = services.progress(Campaign.objects.get(pk=campaign.pk))
    assert progress["percent"] == 100
    assert progress["touches"]["sent"] == 12


def test_sigkill_during_dispatch_loses_and_duplicates_nothing(engine, stand_ins):
    smtp, gateway = stand_ins
    tenants = Tenants()
    sending_any_time(tenants, "fr")
    fr = tenants.unit("fr")
    country = working_country(ZoneInfo(fr.timezone))
    accounts = build_accounts(fr, country, accounts=500, contacts=5)
    today = timezone.now().astimezone(ZoneInfo(fr.timezone)).date()
    campaign = services.create_campaign(
        tenants.user("fr-marketer"), fr, playbook=email_and_linkedin_playbook(tenants),
        name="Engine fault", starts_on=today, ends_on=today + dt.timedelta(days=30),
        accounts=accounts,
    )  # fmt: skip
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.APPROVED)
    planning.start(campaign)  # queues planning for the worker; we plan here instead
    planning.plan_all(campaign.pk)
    touches = Touch.objects.filter(campaign=campaign)
    assert touches.filter(status=TouchStatus.PLANNED).count() == 5000
    touches.update(scheduled_at=timezone.now())  # all due at once: the test is dispatch

    engine.start_worker()
    engine.start_beat()
    assert wait_for(lambda: SendLedger.objects.count() >= 1200, 180), engine.tail()
    engine.kill_worker()
    killed_at = SendLedger.objects.count()
    assert killed_at < 5000, "the kill came too late to test anything"
    engine.start_worker()

    assert wait_for(lambda: touches.filter(status=TouchStatus.SENT).count() == 5000, 300), (
        f"{services.progress(Campaign.objects.get(pk=campaign.pk))}\n{engine.tail()}"
    )
    assert touches.exclude(status=TouchStatus.SENT).count() == 0
    assert SendLedger.objects.filter(campaign=campaign).count() == 5000
    emails = set(touches.filter(channel="email").values_list("idempotency_key", flat=True))
    posts = set(touches.filter(channel="linkedin").values_list("idempotency_key", flat=True))
    # None lost: every touch reached its provider.
    assert smtp.delivered == emails
    assert set(gateway.accepted) == posts
    # Never twice: one mailbox message per touch, one accepted post per touch. A send cut
    # off between the provider's acceptance and our commit is repeated with the same
    # Message-ID / Idempotency-Key (at most one per pool process at the kill).
    assert len(smtp.by_message_id) == 2500
    repeated_mail = sum(n - 1 for n in smtp.by_message_id.values())
    repeated_posts = sum(n - 1 for n in gateway.calls.values())
    assert repeated_mail + repeated_posts <= 2, (repeated_mail, repeated_posts)
    print(  # the figures for the closing note (pytest -s)
        f"killed after {killed_at} sends; smtp DATA calls {smtp.calls} for 2500 messages; "
        f"gateway calls {sum(gateway.calls.values())} for 2500 posts"
    )
