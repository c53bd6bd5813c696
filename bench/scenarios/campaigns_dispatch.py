"""Dispatch of 100,000 touches through a real Celery worker, Redis and PostgreSQL.

Needs PostgreSQL (``DATABASE_URL``) and Redis (``REDIS_URL=redis://127.0.0.1:6379/<db>``);
skipped with the reason otherwise. The scenario commits its rows (the worker is another
process): the harness runs it after the others, and the bench database is dropped at
the end as always.

Data: four LOCAL units, each a campaign of 1,250 selected accounts x 5 contacts x a
4-step playbook (email, LinkedIn, email, LinkedIn) = 100,000 touches, planned in this
process with ``campaigns.planning.plan_all`` (the real planner: send times, gates,
resolved content), then all made due now. The region allows every hour and day, the
contacts' country has no public holiday today, every contact granted consent: each
touch must be sent. Provider: the sandbox (the default), which records the message in
the outbox in the send's transaction.

A real ``celery -A glocal worker --concurrency=2`` on this run's private queues (like
the test workers) does all the work. Figure: this process sends
``campaigns.tasks.dispatch_due`` every 0.5 s (when none is waiting) — the claim round,
fair share across the units, which queues the send batches on the channel-family
queues — and the clock runs until the claimed touches are sent; seconds per touch
sent. Baseline, same worker: the raw Celery task rate — 20,000 no-op tasks (Celery's
built-in ``celery.accumulate``) already waiting on a queue the worker is then told to
consume, timed until a marker task queued behind them has run; seconds per task. The
two take turns (5 no-op slices around 4 dispatch segments of ~25,000 touches), so a
neighbour's load lands on both. Throughput ratio (touches/s ÷ no-op tasks/s) above 1
is batching at work: one send task carries ``CAMPAIGNS_SEND_BATCH`` touches.

Worker settings (environment, shown in the output): ``CAMPAIGNS_SEND_BATCH``,
``CAMPAIGNS_DISPATCH_BATCH``, ``CAMPAIGNS_UNIT_QUOTA``, ``CAMPAIGNS_MAX_IN_FLIGHT``;
set any of them to try other values. Sizes: ``BENCH_DISPATCH_ACCOUNTS`` (per unit),
``BENCH_DISPATCH_NOOPS``.
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
from random import Random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bench import campaign_data
from campaigns import planning, scheduling
from campaigns.models import SendLedger, Touch, TouchStatus
from glocal.models import WorkerHeartbeat

NAME = "campaigns_dispatch"
DESCRIPTION = (
    "dispatch of 100,000 touches through a real Celery worker (Redis, PostgreSQL, "
    "sandbox provider) vs the same worker's no-op task rate"
)
COMMITS = True

ROOT = Path(__file__).resolve().parent.parent.parent
UNITS = 4
ACCOUNTS = int(os.environ.get("BENCH_DISPATCH_ACCOUNTS", "1250"))  # per unit
CONTACTS = 5
STEPS = [
    ("email", 0, "always"),
    ("linkedin", 0, "always"),
    ("email", 0, "always"),
    ("linkedin", 0, "always"),
]
NOOPS = int(os.environ.get("BENCH_DISPATCH_NOOPS", "20000"))
TIMEZONE = "Europe/Paris"
#: the worker's batching settings: the environment's values, else these
TUNING = {
    "CAMPAIGNS_SEND_BATCH": "500",
    "CAMPAIGNS_DISPATCH_BATCH": "10000",
    "CAMPAIGNS_UNIT_QUOTA": "2500",
    "CAMPAIGNS_MAX_IN_FLIGHT": "10000",
}
DISPATCH_EVERY = 0.5  # seconds between dispatch_due tasks (one waits at most)
SEGMENTS = 4  # dispatch runs in 4 segments of ~25,000 touches, between 5 no-op slices
TIMEOUT = float(os.environ.get("BENCH_DISPATCH_TIMEOUT", "1800"))


def requires() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/<db>"
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/<db>"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {settings.REDIS_URL} is unreachable: {exc}"
    return None


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def tuning() -> dict[str, str]:
    return {name: os.environ.get(name, default) for name, default in TUNING.items()}


def working_country() -> str:
    """A country without a public holiday today (a holiday would hold the touches)."""
    today = timezone.now().astimezone(ZoneInfo(TIMEZONE)).date()
    return next(c for c in ("FR", "DE", "GB", "NL", "US") if not scheduling.holiday_name(today, c))


def build() -> tuple[list[int], float]:
    """The campaigns, planned and due now; returns their ids and the planning time."""
    rng = Random(2026)
    country = working_country()
    setup = campaign_data.organisation("dispatch", [country] * UNITS, TIMEZONE)
    campaign_data.playbook(setup, STEPS)
    campaign_data.send_any_time(setup)
    today = timezone.now().astimezone(ZoneInfo(TIMEZONE)).date()
    started = time.perf_counter()
    ids = []
    for unit in setup.locals:
        targets = campaign_data.accounts(
            unit, ACCOUNTS, CONTACTS, countries=[country], channels=("email", "linkedin"), rng=rng
        )
        made = campaign_data.campaign(setup, unit, targets, today, name=f"Dispatch {unit.code}")
        planning.plan_all(made.pk)
        ids.append(made.pk)
    planned_s = time.perf_counter() - started
    touches = Touch.objects.unrestricted().filter(campaign_id__in=ids)
    expected = UNITS * ACCOUNTS * CONTACTS * len(STEPS)
    planned = touches.filter(status=TouchStatus.PLANNED).count()
    if planned != expected:
        raise RuntimeError(f"{planned:,} touches planned, expected {expected:,}")
    touches.update(scheduled_at=timezone.now() - dt.timedelta(seconds=1))
    return ids, planned_s


class Worker:
    """``celery -A glocal worker`` on this run's private queues (own process group)."""

    def __init__(self, workdir: Path) -> None:
        self.node = f"bench-{uuid.uuid4().hex[:8]}@localhost"
        self.default_queue = settings.CELERY_TASK_DEFAULT_QUEUE  # private: bench/tests settings
        self.queues = [self.default_queue] + [
            f"{settings.CAMPAIGNS_QUEUE_PREFIX}.{family}"
            for family in settings.CAMPAIGNS_QUEUE_FAMILIES
        ]
        self.noop_queue = f"{self.default_queue}.noop"
        self.log_path = workdir / "worker.log"
        self.log = open(self.log_path, "a+")  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            **tuning(),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url(),
            "PYTHONPATH": str(ROOT),
            "CAMPAIGNS_PROVIDERS": "",  # the sandbox for every channel
        }
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "glocal", "worker",
                "-Q", ",".join(self.queues), "-n", self.node,
                "--concurrency=2", "--loglevel=WARNING",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        if not wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=self.node).exists(), 90):
            raise RuntimeError(f"the worker did not start:\n{self.tail()}")

    def alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the worker died:\n{self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-6000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.log.close()


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def run_marker(worker: Worker, queue: str) -> None:
    """Queue the heartbeat task on ``queue`` and wait until it ran: everything queued
    there before it has been taken by the worker."""
    from glocal.tasks import heartbeat

    WorkerHeartbeat.objects.filter(hostname=worker.node).delete()
    heartbeat.apply_async(queue=queue)

    def done() -> bool:
        worker.alive()
        return WorkerHeartbeat.objects.filter(hostname=worker.node).exists()

    if not wait_for(done, TIMEOUT, interval=0.05):
        raise RuntimeError(f"the marker task on {queue} did not run:\n{worker.tail()}")


def noop_slice(worker: Worker, count: int, broker) -> float:
    """Seconds for the worker to run ``count`` no-op tasks already waiting on a queue.

    The tasks (and the marker behind them) are queued first on a queue the worker does
    not consume; the clock starts when it is told to consume it and stops when the
    marker has run.
    """
    from glocal.celery import app

    with app.producer_or_acquire() as producer:
        for _ in range(count):
            app.send_task("celery.accumulate", args=(), queue=worker.noop_queue, producer=producer)
    WorkerHeartbeat.objects.filter(hostname=worker.node).delete()
    from glocal.tasks import heartbeat

    heartbeat.apply_async(queue=worker.noop_queue)
    waiting = broker.llen(worker.noop_queue)
    if waiting != count + 1:
        raise RuntimeError(f"{waiting} messages on {worker.noop_queue}, expected {count + 1}")
    started = time.perf_counter()
    if not app.control.add_consumer(
        worker.noop_queue, destination=[worker.node], reply=True, timeout=10
    ):
        raise RuntimeError(f"the worker did not answer add_consumer:\n{worker.tail()}")

    def done() -> bool:
        worker.alive()
        return WorkerHeartbeat.objects.filter(hostname=worker.node).exists()

    if not wait_for(done, TIMEOUT, interval=0.05):
        raise RuntimeError(f"no-op tasks not done after {TIMEOUT} s:\n{worker.tail()}")
    elapsed = time.perf_counter() - started
    app.control.cancel_consumer(
        worker.noop_queue, destination=[worker.node], reply=True, timeout=10
    )
    left = broker.llen(worker.noop_queue)
    if left:
        raise RuntimeError(f"{left} no-op tasks still queued after the marker ran")
    return elapsed


def dispatch_segment(
    worker: Worker, campaign_ids: list[int], broker, planned_left: int
) -> tuple[float, int]:
    """Dispatch until at most ``planned_left`` touches wait to be claimed, then let the
    claimed ones be sent; seconds and ``dispatch_due`` tasks sent.

    ``dispatch_due`` goes out every ``DISPATCH_EVERY`` seconds when none is waiting.
    """
    from campaigns.tasks import dispatch_due

    touches = Touch.objects.unrestricted().filter(campaign_id__in=campaign_ids)
    rounds, last_round, last_count = 0, -DISPATCH_EVERY, 0.0
    started = time.perf_counter()
    while True:
        now = time.perf_counter()
        if now - last_count >= 0.5:
            last_count = now
            if touches.filter(status=TouchStatus.PLANNED).count() <= planned_left:
                break
        if now - last_round >= DISPATCH_EVERY and broker.llen(worker.default_queue) == 0:
            dispatch_due.apply_async(queue=worker.default_queue)
            rounds += 1
            last_round = now
        worker.alive()
        if now - started > TIMEOUT:
            raise RuntimeError(f"dispatch not done after {TIMEOUT} s:\n{worker.tail()}")
        time.sleep(0.05)
    # No more rounds: once the last dispatch_due was taken, wait for the claimed batches.
    run_marker(worker, worker.default_queue)
    claimed = touches.filter(status=TouchStatus.CLAIMED)
    if not wait_for(lambda: worker.alive() or not claimed.exists(), TIMEOUT, interval=0.05):
        raise RuntimeError(f"claimed touches not sent after {TIMEOUT} s:\n{worker.tail()}")
    return time.perf_counter() - started, rounds


def cleanup(broker, worker: Worker) -> None:
    """Our private queues leave nothing behind on the shared Redis."""
    for queue in [*worker.queues, worker.noop_queue]:
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def run() -> dict:
    import redis

    broker = redis.Redis.from_url(settings.REDIS_URL)
    campaign_ids, planned_s = build()
    total = Touch.objects.unrestricted().filter(campaign_id__in=campaign_ids).count()
    # The harness's temporary directory (removed at the end): the worker's log goes there.
    workdir = Path(settings.VAR_DIR)
    workdir.mkdir(parents=True, exist_ok=True)
    worker = Worker(workdir)
    sent_table = SendLedger.objects.unrestricted().filter(campaign_id__in=campaign_ids)
    slice_size = NOOPS // (SEGMENTS + 1)
    noops: list[tuple[int, float]] = []  # (tasks, seconds) per slice
    segments: list[tuple[int, float]] = []  # (touches sent, seconds) per segment
    rounds = 0
    try:
        worker.start()
        # Taking turns, so a neighbour's load or a warming cache lands on both sides:
        # no-op slice, dispatch segment, no-op slice, ..., no-op slice.
        for index in range(SEGMENTS + 1):
            size = slice_size if index < SEGMENTS else NOOPS - SEGMENTS * slice_size
            noops.append((size, noop_slice(worker, size, broker)))
            if index == SEGMENTS:
                break
            before = sent_table.count()
            left = total * (SEGMENTS - 1 - index) // SEGMENTS
            if before == total:  # small runs: an earlier round claimed it all
                continue
            seconds, sent_rounds = dispatch_segment(worker, campaign_ids, broker, left)
            segments.append((sent_table.count() - before, seconds))
            rounds += sent_rounds
            print(
                f"   … segment {index + 1}/{SEGMENTS}: {segments[-1][0]:,} touches in "
                f"{seconds:.1f} s; no-op slice before it {size / noops[-1][1]:,.0f} tasks/s",
                file=sys.stderr,
                flush=True,
            )
    finally:
        worker.stop()
        cleanup(broker, worker)

    touches = Touch.objects.unrestricted().filter(campaign_id__in=campaign_ids)
    outcome = dict(
        touches.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    sent = outcome.get(TouchStatus.SENT, 0)
    ledger = sent_table.count()
    attempts = dict(
        touches.order_by()
        .values_list("attempts")
        .annotate(n=Count("pk"))
        .values_list("attempts", "n")
    )
    if sent != total or ledger != total:
        raise RuntimeError(f"sent {sent:,} of {total:,} (ledger {ledger:,}): {outcome}")
    dispatch_s = sum(seconds for _n, seconds in segments)
    noop_s = sum(seconds for _n, seconds in noops)
    touch_rate, noop_rate_ = sent / dispatch_s, NOOPS / noop_s
    return {
        "figure": dispatch_s / sent,
        "baseline": noop_s / NOOPS,
        "figure_label": f"dispatch, per touch sent ({sent:,})",
        "baseline_label": f"no-op Celery task ({NOOPS:,})",
        "details": {
            "dispatch": f"{touch_rate:,.0f} touches/s ({dispatch_s:.1f} s, {rounds} dispatch_due "
            "tasks)",
            "no-op tasks": f"{noop_rate_:,.0f} tasks/s ({noop_s:.1f} s; celery.accumulate in "
            f"{SEGMENTS + 1} slices taking turns with {SEGMENTS} dispatch segments)",
            "throughput ratio (touches/s / no-op tasks/s)": f"{touch_rate / noop_rate_:.2f}",
            "per segment (touches/s)": ", ".join(f"{n / t:,.0f}" for n, t in segments),
            "per no-op slice (tasks/s)": ", ".join(f"{n / t:,.0f}" for n, t in noops),
            "worker": "celery -A glocal worker --concurrency=2 (prefork, acks late, "
            "prefetch 1), loglevel WARNING",
            "worker settings": ", ".join(f"{k}={v}" for k, v in tuning().items()),
            "outcome": ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.items()))
            + f"; attempts per touch {dict(sorted(attempts.items()))}; {ledger:,} ledger rows",
            "setup": f"{total:,} touches planned in this process with planning.plan_all in "
            f"{planned_s:.1f} s ({UNITS} units x {ACCOUNTS:,} accounts x {CONTACTS} contacts x "
            f"{len(STEPS)} steps), then made due now",
            "services": f"PostgreSQL database {connection.settings_dict['NAME']}, "
            f"Redis {settings.REDIS_URL}",
        },
    }
