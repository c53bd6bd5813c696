"""Daily rollups: the KPI inputs per unit and day (``DailyFact``), kept current by Celery.

Each row is recomputed from the facts — never incremented — so refreshing a unit-day
twice, or concurrently with a rebuild, gives the same rows. A row counts only what the
unit itself owns; a region's figure is the sum over its subtree, done when reading.

Where the inputs come from (days are local days in the owning unit's time zone):

* opportunities (``analytics.Opportunity``) — ``pipeline_created`` and
  ``opportunities_created`` on the creation day, ``won_amount``, ``won_count``,
  ``closed_count`` and ``cycle_days_sum`` on the close day, ``first_opportunity_accounts``
  on the day of an account's earliest opportunity. Money is converted to the
  organisation's currency at the rate of that day (:class:`analytics.kpis.Converter`);
  an amount without a rate is left out and logged until the rate is entered (entering a
  rate rebuilds the organisation's rollups from that day);
* spend (``campaigns.Spend``) — ``spend``, already converted when it was recorded;
* the target-account selection — ``selected_net``: accounts entering the target stages
  (selected, engaged, opportunity, customer) that day minus those leaving them, from the
  lifecycle changes of the audit trail; accounts inserted in bulk (no creation entry)
  count from their creation day in the stage they were inserted with. "Selected at the
  start of P" is the sum of ``selected_net`` over the days before P;
* engagement — ``engaged_accounts``: a snapshot at the end of the day, the target
  accounts whose score (``accounts.engagement.score_of`` over their events) is above
  the organisation's MQA threshold. The number of open opportunities is not stored:
  it is the opportunities created minus those closed up to the end of P.

Triggers: ``analytics.services.store_opportunity`` (explicitly), the kernel's change
registry (``glocal.changes``) for spend, engagement events, lifecycle moves and FX rates
(analytics registers its listener at start-up), and a nightly beat for the decay of
engagement. ``manage.py rebuild_rollups`` recomputes everything.
"""

from __future__ import annotations

import datetime as dt
import logging
from array import array
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, FloatField, Func, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.engagement import HALF_LIFE_DAYS, HORIZON_DAYS, WEIGHTS
from accounts.handoffs import threshold_for
from accounts.models import Account, EngagementEvent, Lifecycle
from analytics.kpis import Converter, Inputs
from analytics.models import DailyFact, Input, Opportunity, OpportunityStatus
from campaigns.models import FxRate, Spend
from glocal import changes
from glocal.models import Organization, OrgUnit
from governance.models.audit import AuditEntry

log = logging.getLogger(__name__)

#: lifecycle stages of a target account (selected and beyond, until deselected)
TARGET_STAGES = frozenset(
    {Lifecycle.SELECTED, Lifecycle.ENGAGED, Lifecycle.OPPORTUNITY, Lifecycle.CUSTOMER}
)
ACCOUNT_LABEL = Account._meta.label
#: how much later than a refresh request a computation must have started to stand for it
CLOCK_MARGIN = dt.timedelta(seconds=1)
#: how long the cache remembers when a unit-day was computed (a burst is shorter)
STAMP_SECONDS = 6 * 3600
#: days recomputed per pass of a rebuild (bounds the memory a pass holds)
REBUILD_CHUNK_DAYS = 92

Key = tuple[int, dt.date, str]


def _zones(units: Iterable[OrgUnit]) -> dict[int, ZoneInfo]:
    return {u.pk: ZoneInfo(u.timezone) for u in units}


def _local_day(zone: ZoneInfo, when: dt.datetime) -> dt.date:
    return when.astimezone(zone).date()


def _day_start(zone: ZoneInfo, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


# --- computing from the facts ---------------------------------------------------------------


def _opportunity_inputs(
    units: list[OrgUnit], start: dt.date, end: dt.date, out: dict[Key, Decimal]
) -> None:
    unit_ids = [u.pk for u in units]
    convert = Converter(units[0])
    rows = (
        Opportunity.objects.unrestricted()
        .filter(owner_unit_id__in=unit_ids)
        .filter(Q(created_on__range=(start, end)) | Q(closed_on__range=(start, end)))
        .values_list(
            "pk", "owner_unit_id", "amount", "currency", "created_on", "closed_on", "status"
        )
    )

    def money(pk: int, amount: Decimal, currency: str, day: dt.date) -> Decimal:
        try:
            return convert(amount, currency, day)
        except ValidationError:
            log.warning("rollups: no %s rate on %s; opportunity %s left out", currency, day, pk)
            return Decimal(0)

    for pk, unit_id, amount, currency, created_on, closed_on, status in rows:
        if start <= created_on <= end:
            out[(unit_id, created_on, Input.PIPELINE_CREATED)] += money(
                pk, amount, currency, created_on
            )
            out[(unit_id, created_on, Input.OPPORTUNITIES_CREATED)] += 1
        if closed_on is not None and start <= closed_on <= end:
            out[(unit_id, closed_on, Input.CLOSED_COUNT)] += 1
            out[(unit_id, closed_on, Input.CYCLE_DAYS_SUM)] += (closed_on - created_on).days
            if status == OpportunityStatus.WON:
                out[(unit_id, closed_on, Input.WON_COUNT)] += 1
                out[(unit_id, closed_on, Input.WON_AMOUNT)] += money(
                    pk, amount, currency, closed_on
                )
    firsts = (
        Opportunity.objects.unrestricted()
        .filter(owner_unit_id__in=unit_ids)
        .values("account_id", "owner_unit_id")
        .annotate(first=Min("created_on"))
        .filter(first__range=(start, end))
        .values_list("owner_unit_id", "first")
    )
    for unit_id, first in firsts:
        out[(unit_id, first, Input.FIRST_OPPORTUNITY_ACCOUNTS)] += 1


def _spend_inputs(
    units: list[OrgUnit], start: dt.date, end: dt.date, out: dict[Key, Decimal]
) -> None:
    rows = (
        Spend.objects.unrestricted()
        .filter(owner_unit_id__in=[u.pk for u in units], spent_on__range=(start, end))
        .values("owner_unit_id", "spent_on")
        .annotate(total=Sum("amount"))
        .values_list("owner_unit_id", "spent_on", "total")
    )
    for unit_id, day, total in rows:
        out[(unit_id, day, Input.SPEND)] += Decimal(total)


def _window(units: list[OrgUnit], start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A UTC window surely covering [start, end] in every unit's zone (trimmed later)."""
    return (
        dt.datetime.combine(start - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC),
        dt.datetime.combine(end + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC),
    )


def _selection_inputs(
    units: list[OrgUnit], start: dt.date, end: dt.date, out: dict[Key, Decimal]
) -> None:
    zones = _zones(units)
    low, high = _window(units, start, end)
    entries = AuditEntry.objects.filter(
        target_type=ACCOUNT_LABEL,
        owner_unit_id__in=list(zones),
        at__gte=low,
        at__lt=high,
        action__in=["create", "update", "delete"],
    ).values_list("owner_unit_id", "at", "before", "after")
    for unit_id, at, before, after in entries:
        day = _local_day(zones[unit_id], at)
        if not start <= day <= end:
            continue
        was = (before or {}).get("lifecycle") in TARGET_STAGES
        now = (after or {}).get("lifecycle") in TARGET_STAGES
        if was != now:
            out[(unit_id, day, Input.SELECTED_NET)] += 1 if now else -1
    # Accounts inserted in bulk have no creation entry: they count from their creation
    # day, in the stage they were inserted with (the "before" of their first move, or
    # their stage now when they never moved).
    created = AuditEntry.objects.filter(
        target_type=ACCOUNT_LABEL,
        action="create",
        target_id=Cast(OuterRef("pk"), CharField()),
    )
    silent = list(
        Account.objects.unrestricted()
        .filter(owner_unit_id__in=list(zones), created_at__gte=low, created_at__lt=high)
        .filter(~Exists(created))
        .values_list("pk", "owner_unit_id", "created_at", "lifecycle")
    )
    if not silent:
        return
    first_before: dict[str, str] = {}
    moves = (
        AuditEntry.objects.filter(
            target_type=ACCOUNT_LABEL,
            action="update",
            target_id__in=[str(pk) for pk, *_ in silent],
        )
        .order_by("at", "id")
        .values_list("target_id", "before")
    )
    for target_id, before in moves:
        if target_id not in first_before and "lifecycle" in (before or {}):
            first_before[target_id] = before["lifecycle"]
    for pk, unit_id, created_at, lifecycle in silent:
        day = _local_day(zones[unit_id], created_at)
        if start <= day <= end and first_before.get(str(pk), lifecycle) in TARGET_STAGES:
            out[(unit_id, day, Input.SELECTED_NET)] += 1


class EpochSeconds(Func):
    """A timestamp as Unix seconds (a float), computed by the database: reading millions
    of events as numbers is several times faster than as aware datetimes."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Whole seconds exactly (a day boundary stays on its side), then the fraction.
        seconds = "CAST(strftime('%%%%s', %(expressions)s) AS REAL)"
        fraction = (
            "CAST(strftime('%%%%f', %(expressions)s) AS REAL)"
            " - CAST(strftime('%%%%S', %(expressions)s) AS REAL)"
        )
        return self.as_sql(compiler, connection, template=f"({seconds} + {fraction})", **extra)


def _engagement_inputs(
    units: list[OrgUnit], start: dt.date, end: dt.date, out: dict[Key, Decimal]
) -> None:
    """End-of-day snapshots of engaged target accounts, up to today (never the future)."""
    zones = _zones(units)
    today = max(timezone.localdate(timezone.now(), zone) for zone in zones.values())
    end = min(end, today)
    if end < start:
        return
    root = OrgUnit.objects.get(organization_id=units[0].organization_id, parent__isnull=True)
    threshold = threshold_for(root)
    accounts = dict(
        Account.objects.unrestricted()
        .filter(owner_unit_id__in=list(zones), lifecycle__in=TARGET_STAGES)
        .values_list("pk", "owner_unit_id")
    )
    low = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC) - dt.timedelta(
        days=HORIZON_DAYS + 1
    )
    high = dt.datetime.combine(end + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC)
    events = (
        EngagementEvent.objects.unrestricted()
        .filter(account_id__in=list(accounts), occurred_at__gte=low, occurred_at__lt=high)
        .values_list("account_id", "kind", EpochSeconds("occurred_at"))
    )
    for (unit_id, day), count in _engaged_counts(events, accounts, zones, start, end, threshold):
        out[(unit_id, day, Input.ENGAGED_ACCOUNTS)] += count


def _engaged_counts(
    events: Iterable[tuple[int, str, float]],
    accounts: dict[int, int],
    zones: dict[int, ZoneInfo],
    start: dt.date,
    end: dt.date,
    threshold: float,
) -> Iterable[tuple[tuple[int, dt.date], int]]:
    """For each unit and day, the accounts whose score at the end of the (local) day is
    above the threshold: ``accounts.engagement.score_of`` for all accounts at once with
    numpy, so a year of millions of events takes seconds instead of hours.

    Events (account id, kind, Unix time) are streamed into flat arrays, then sorted by time:
    each day's scoring window (the horizon) is one slice, and each account's events are
    summed oldest first, as ``score_of`` does.
    """
    unit_ids = list(zones)
    position = {unit_id: i for i, unit_id in enumerate(unit_ids)}
    index = {account_id: i for i, account_id in enumerate(accounts)}
    unit_of = np.fromiter((position[u] for u in accounts.values()), np.int64, len(accounts))
    who_buf, weight_buf, seconds_buf = array("q"), array("d"), array("d")
    rows = events.iterator(chunk_size=20_000) if hasattr(events, "iterator") else events
    for account_id, kind, seconds in rows:
        who_buf.append(index[account_id])
        weight_buf.append(WEIGHTS.get(kind, 0.0))
        seconds_buf.append(seconds)
    if not who_buf:
        return
    seconds = np.frombuffer(seconds_buf, dtype=float)
    order = np.argsort(seconds, kind="stable")
    who = np.frombuffer(who_buf, dtype=np.int64)[order]
    weight = np.frombuffer(weight_buf, dtype=float)[order]
    seconds = seconds[order]
    horizon = HORIZON_DAYS * 86400
    by_zone: dict[str, list[int]] = defaultdict(list)
    for unit_id, zone in zones.items():
        by_zone[zone.key].append(position[unit_id])
    for positions in by_zone.values():
        zone = zones[unit_ids[positions[0]]]
        in_zone = np.isin(unit_of, positions)
        for day in _days(start, end):
            at = _day_start(zone, day + dt.timedelta(days=1)).timestamp()
            lo = np.searchsorted(seconds, at - horizon, side="left")
            hi = np.searchsorted(seconds, at, side="left")  # the next day starts at `at`
            age = (at - seconds[lo:hi]) / 86400
            scores = np.bincount(
                who[lo:hi],
                weights=weight[lo:hi] * 0.5 ** (age / HALF_LIFE_DAYS),
                minlength=len(accounts),
            )
            engaged = (np.round(scores, 2) > threshold) & in_zone
            counts = np.bincount(unit_of[engaged], minlength=len(unit_ids))
            for i in positions:
                if counts[i]:
                    yield (unit_ids[i], day), int(counts[i])


def compute(units: list[OrgUnit], start: dt.date, end: dt.date) -> dict[Key, Decimal]:
    """Every input of ``units`` (one organisation) for the days ``start``..``end``."""
    out: dict[Key, Decimal] = defaultdict(Decimal)
    if not units or end < start:
        return out
    for part in (_opportunity_inputs, _spend_inputs, _selection_inputs, _engagement_inputs):
        part(units, start, end, out)
    return out


def _replace(units: list[OrgUnit], start: dt.date, end: dt.date) -> int:
    """Recompute and replace the rows of ``units`` on ``start``..``end``; zero rows go.

    The units' rows are locked first, in id order: two workers refreshing the same
    unit-day take turns (each would otherwise delete, then both insert the same keys),
    and the second computes from the facts the first already saw, or newer ones.
    """
    with transaction.atomic():
        list(
            OrgUnit.objects.select_for_update()
            .filter(pk__in=[u.pk for u in units])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        started = timezone.now()  # what a row's facts are as of (see ``refresh``)
        values = compute(units, start, end)
        rows = [
            DailyFact(owner_unit_id=unit_id, day=day, name=name, value=value, computed_at=started)
            for (unit_id, day, name), value in sorted(values.items())
            if value
        ]
        DailyFact.objects.unrestricted().filter(
            owner_unit_id__in=[u.pk for u in units], day__range=(start, end)
        ).delete()
        DailyFact.objects.bulk_create(rows, batch_size=1000)
        at = started.timestamp()
        stamps = {_stamp_key(u.pk, d): at for u in units for d in _days(start, end)}
        transaction.on_commit(partial(cache.set_many, stamps, STAMP_SECONDS))
    return len(rows)


def _stamp_key(unit_id: int, day: dt.date) -> str:
    """Cache key of when the figures of a unit-day were last computed (see ``refresh``)."""
    return f"analytics:computed:{unit_id}:{day.isoformat()}"


def refresh(pairs: Iterable[tuple[int, dt.date]], queued_at: dt.datetime | None = None) -> int:
    """Recompute the given (unit id, day) rollups from the facts; returns rows written.

    With ``queued_at`` (when the request was queued, after its facts were committed),
    unit-days whose rows a later computation already wrote are left as they are. Later
    by ``CLOCK_MARGIN`` at least: the web and worker machines' clocks may differ a little.
    """
    by_unit: dict[int, set[dt.date]] = defaultdict(set)
    for unit_id, day in pairs:
        by_unit[int(unit_id)].add(day if isinstance(day, dt.date) else dt.date.fromisoformat(day))
    if queued_at is not None and by_unit:
        fresh = (
            DailyFact.objects.unrestricted()
            .filter(
                owner_unit_id__in=list(by_unit),
                day__in=set().union(*by_unit.values()),
                computed_at__gte=queued_at + CLOCK_MARGIN,
            )
            .values_list("owner_unit_id", "day")
            .distinct()
        )
        for unit_id, day in fresh:
            by_unit[unit_id].discard(day)
        # Unit-days whose figures are all zero have no rows: their stamp tells instead.
        keys = {_stamp_key(u, d): (u, d) for u, days in by_unit.items() for d in days}
        after = (queued_at + CLOCK_MARGIN).timestamp()
        for key, stamp in cache.get_many(list(keys)).items():
            if stamp >= after:
                unit_id, day = keys[key]
                by_unit[unit_id].discard(day)
    written = 0
    units = OrgUnit.objects.select_related("organization").in_bulk(list(by_unit))
    for unit_id, days in sorted(by_unit.items()):
        unit = units.get(unit_id)
        if unit is None:
            continue
        for start, end in _runs(sorted(days)):
            written += _replace([unit], start, end)
    return written


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days: one computation per run, which reads its
    facts (and the engagement horizon) once."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and day == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _fact_span(organization_id: int) -> tuple[dt.date | None, dt.date | None]:
    """The first and last days any fact of the organisation falls on."""
    opportunities = Opportunity.objects.unrestricted().filter(organization_id=organization_id)
    spend = Spend.objects.unrestricted().filter(owner_unit__organization_id=organization_id)
    accounts = Account.objects.unrestricted().filter(owner_unit__organization_id=organization_id)
    o = opportunities.aggregate(a=Min("created_on"), b=Max("created_on"), c=Max("closed_on"))
    p = spend.aggregate(a=Min("spent_on"), b=Max("spent_on"))
    first_account = accounts.aggregate(a=Min("created_at"))["a"]
    firsts = [o["a"], p["a"]]
    if first_account is not None:
        firsts.append(first_account.date() - dt.timedelta(days=1))
    firsts = [d for d in firsts if d is not None]
    lasts = [d for d in (o["b"], o["c"], p["b"]) if d is not None]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def rebuild(organization: Organization | None = None, since: dt.date | None = None) -> int:
    """Recompute every rollup (of one organisation, from ``since``) up to today."""
    organizations = [organization] if organization else list(Organization.objects.all())
    written = 0
    for org in organizations:
        units = list(OrgUnit.objects.filter(organization=org).select_related("organization"))
        first, last = _fact_span(org.pk)
        start = since or first
        if not units or start is None:
            continue
        today = max(timezone.localdate(timezone.now(), ZoneInfo(u.timezone)) for u in units)
        end = max(today, last or today)
        if since is None:
            DailyFact.objects.unrestricted().filter(
                owner_unit__organization=org, day__lt=start
            ).delete()
        chunk_start = start
        while chunk_start <= end:
            chunk_end = min(end, chunk_start + dt.timedelta(days=REBUILD_CHUNK_DAYS - 1))
            written += _replace(units, chunk_start, chunk_end)
            chunk_start = chunk_end + dt.timedelta(days=1)
    return written


def refresh_recent() -> int:
    """Today's and yesterday's rows of every active unit (engagement decays nightly)."""
    pairs = []
    for unit in OrgUnit.objects.filter(is_active=True):
        today = timezone.localdate(timezone.now(), ZoneInfo(unit.timezone))
        pairs += [(unit.pk, today), (unit.pk, today - dt.timedelta(days=1))]
    return refresh(pairs)


# --- scheduling ---------------------------------------------------------------------------


def _enqueue(pairs: list[list]) -> None:
    from analytics import tasks

    tasks.refresh_rollups.delay(pairs, timezone.now().isoformat())


def schedule_refresh(pairs: Iterable[tuple[int, dt.date]]) -> None:
    """Refresh these unit-days in a worker once the current transaction commits.

    The task carries the time it was queued: a unit-day another refresh recomputed
    since then is skipped, so a burst of events (a delivery of a thousand) costs one
    computation per unit-day, not one per event.
    """
    payload = sorted({(int(u), d.isoformat()) for u, d in pairs if u and d})
    if payload:
        transaction.on_commit(partial(_enqueue, [list(p) for p in payload]))


def first_opportunity_days(account_ids: Iterable[int]) -> set[tuple[int, dt.date]]:
    """(unit id, day) of each account's earliest opportunity (it may move on a change)."""
    ids = [a for a in account_ids if a]
    if not ids:
        return set()
    return set(
        Opportunity.objects.unrestricted()
        .filter(account_id__in=ids)
        .values("account_id", "owner_unit_id")
        .annotate(first=Min("created_on"))
        .values_list("owner_unit_id", "first")
    )


def _today(unit_id: int) -> dt.date:
    unit = OrgUnit.objects.filter(pk=unit_id).values_list("timezone", flat=True).first()
    return timezone.localdate(timezone.now(), ZoneInfo(unit or "UTC"))


def on_change(change: changes.Change) -> None:
    """Kernel change listener: schedule the unit-days a change of a fact touches."""
    values = [change.before, change.after]
    instance = change.instance
    if change.model is Spend:
        rows = [*values, instance.__dict__ if instance is not None else {}]
        schedule_refresh(
            (row.get("owner_unit_id"), row.get("spent_on"))
            for row in rows
            if row.get("owner_unit_id") and row.get("spent_on")
        )
    elif change.model is EngagementEvent and change.action == "create" and instance:
        # An event counts in the engagement snapshots from its day to the end of the
        # scoring horizon: a late (backdated) event refreshes every day since, in one run.
        zone = ZoneInfo(instance.owner_unit.timezone)
        today = _today(instance.owner_unit_id)
        first = max(_local_day(zone, instance.occurred_at), today - dt.timedelta(HORIZON_DAYS))
        schedule_refresh(
            (instance.owner_unit_id, first + dt.timedelta(days=n))
            for n in range((today - first).days + 1)
        )
    elif change.model is Account and ("lifecycle" in change.before or "lifecycle" in change.after):
        unit_id = (instance.owner_unit_id if instance is not None else None) or next(
            (v["owner_unit_id"] for v in values if v.get("owner_unit_id")), None
        )
        if unit_id is None:  # a bulk update reports only the changed columns
            unit_id = (
                Account.objects.unrestricted()
                .filter(pk=change.pk)
                .values_list("owner_unit_id", flat=True)
                .first()
            )
        if unit_id:
            schedule_refresh([(unit_id, _today(unit_id))])
    elif (
        change.model in (Opportunity, EngagementEvent)
        and change.action == "update"
        and change.after.get("owner_unit_id")
    ):
        # Moved to another unit (its account changed hands or was merged): both units'
        # days since the fact's own day are wrong now.
        day = _fact_day(change.model, change.pk)
        if day is not None:
            unit = OrgUnit.objects.get(pk=change.after["owner_unit_id"])
            _rebuild_on_commit(unit.organization_id, day)
    elif change.model is FxRate:
        row = {**change.before, **change.after}
        unit_id = row.get("owner_unit_id") or getattr(instance, "owner_unit_id", None)
        day = row.get("day") or getattr(instance, "day", None)
        if unit_id and day:
            organization_id = OrgUnit.objects.get(pk=unit_id).organization_id
            _rebuild_on_commit(organization_id, day)


def _fact_day(model: type, pk: int) -> dt.date | None:
    """The day a fact counts from: an opportunity's creation, an event's occurrence."""
    if model is Opportunity:
        rows = Opportunity.objects.unrestricted().filter(pk=pk).values_list("created_on")
        return next((day for (day,) in rows), None)
    moment = (
        EngagementEvent.objects.unrestricted()
        .filter(pk=pk)
        .values_list("occurred_at", flat=True)
        .first()
    )
    # A day early: the unit's local day may begin before the UTC one.
    return moment.astimezone(dt.UTC).date() - dt.timedelta(days=1) if moment else None


class _Rebuild:
    """The commit callback that rebuilds an organisation's rollups from ``since``."""

    def __init__(self, organization_id: int, since: dt.date) -> None:
        self.organization_id, self.since = organization_id, since

    def __call__(self) -> None:
        from analytics import tasks

        tasks.rebuild_rollups.delay(self.organization_id, self.since.isoformat())


def _rebuild_on_commit(organization_id: int, day: dt.date) -> None:
    """One rebuild per organisation and transaction, from the earliest day changed: an
    import of a year of rates asks for one rebuild, not one per rate."""
    # The callbacks waiting for this transaction's commit: add to ours if it is there.
    for _savepoints, callback, *_robust in transaction.get_connection().run_on_commit:
        if isinstance(callback, _Rebuild) and callback.organization_id == organization_id:
            callback.since = min(callback.since, day)
            return
    transaction.on_commit(_Rebuild(organization_id, day))


def register() -> None:
    """Start-up: listen to the facts that live in lower apps (spend, engagement,
    lifecycle moves, FX rates) through the kernel's change registry, and to owner moves
    of opportunities (those follow their account's unit)."""
    for model in (Spend, EngagementEvent, Account, FxRate, Opportunity):
        changes.track(model)
    changes.add_listener(on_change)


# --- reading -------------------------------------------------------------------------------

FLOWS = [name for name in Input.values if name not in (Input.ENGAGED_ACCOUNTS, Input.SELECTED_NET)]


def read_inputs(
    facts, groups: dict[object, set[int]], start: dt.date, end: dt.date, today: dt.date
) -> dict[object, Inputs]:
    """KPI inputs of each group of units (a unit's subtree) over ``start``..``end``.

    ``facts`` is the caller's (restricted) ``DailyFact`` queryset. Four queries whatever
    the number of groups: flows in the period, selections before it, opportunities
    created and closed up to its end (open at its end), engagement on its last day.
    """
    all_ids = set().union(*groups.values()) if groups else set()
    facts = facts.filter(owner_unit_id__in=all_ids)
    per_unit: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for unit_id, name, total in (
        facts.filter(day__range=(start, end), name__in=FLOWS)
        .values("owner_unit_id", "name")
        .annotate(total=Sum("value"))
        .values_list("owner_unit_id", "name", "total")
    ):
        per_unit[unit_id][name] += total
    for unit_id, total in (
        facts.filter(day__lt=start, name=Input.SELECTED_NET)
        .values("owner_unit_id")
        .annotate(total=Sum("value"))
        .values_list("owner_unit_id", "total")
    ):
        per_unit[unit_id]["selected_at_start"] += total
    for unit_id, name, total in (
        facts.filter(day__lte=end, name__in=[Input.OPPORTUNITIES_CREATED, Input.CLOSED_COUNT])
        .values("owner_unit_id", "name")
        .annotate(total=Sum("value"))
        .values_list("owner_unit_id", "name", "total")
    ):
        per_unit[unit_id]["open_count"] += total if name == Input.OPPORTUNITIES_CREATED else -total
    for unit_id, value in facts.filter(
        day=min(end, today), name=Input.ENGAGED_ACCOUNTS
    ).values_list("owner_unit_id", "value"):
        per_unit[unit_id]["engaged_accounts"] += value
    result = {}
    for key, unit_ids in groups.items():
        summed: dict[str, Decimal] = defaultdict(Decimal)
        for unit_id in unit_ids:
            for name, value in per_unit.get(unit_id, {}).items():
                summed[name] += value
        result[key] = Inputs.from_mapping(summed)
    return result
