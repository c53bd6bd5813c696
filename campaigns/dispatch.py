"""Dispatch: claim due touches, send them through their channel's adapter, record it.

DESIGN section 6.3 and 6.7. Two steps, each a Celery task (``campaigns.tasks``):

1. :func:`claim` (periodic, from beat) finds the local units with due touches and, for
   each in turn, locks up to its fair share of due rows with
   ``SELECT … FOR UPDATE SKIP LOCKED`` and marks them ``claimed`` under a fresh claim id
   with a lease (``claimed_until``). One big campaign therefore cannot starve the other
   teams: every unit with due touches gets its share of each round. The claimed rows
   are split into send batches per channel family; the task queues one send task per
   batch on the family's queue, after the claim committed.
2. :func:`send_claimed` takes one batch: re-checks every gate at send time, renders the
   content for each contact, sends through the adapter with the touch's idempotency key
   and records the outcome — a ``SendLedger`` row and ``sent`` in one transaction, or a
   retry time, or ``dead`` after ``CAMPAIGNS_MAX_ATTEMPTS``.

Never twice, never lost:

* a touch is sent only by the task holding its current claim id, under a row lock held
  until the outcome is committed; a re-claim skips locked rows and a stale task finds
  another claim id;
* the ledger's unique key refuses a second record, and is consulted before each send;
* a killed worker's claim expires and the next round claims the touch again (the
  attempt counts); the provider receives the same idempotency key, so a crash between
  its acceptance and our commit is recognised on its side;
* all scheduling state is in the database — nothing waits on the broker.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.handoffs import threshold_for
from accounts.models import Channel, Consent, Contact
from campaigns import budgets, gates, mix, scheduling
from campaigns.adapters import Adapter, Message, Outcome, OutcomeKind, adapter_for, family_of
from campaigns.budgets import OverBudget
from campaigns.models import Campaign, CampaignStatus, SendLedger, Touch, TouchStatus
from campaigns.models.campaigns import LIVE
from campaigns.platform_rules import PlatformState
from content.rendering import render_values
from content.resolve import Resolution, resolve
from glocal.models import OrgUnit

PURPOSE = "marketing"
RETRY_CAP = dt.timedelta(hours=6)


def due(now: dt.datetime) -> Q:
    """Touches the dispatcher should take now: due, due for a retry, or claim expired."""
    return (
        Q(status=TouchStatus.PLANNED, scheduled_at__lte=now)
        | Q(status=TouchStatus.FAILED, retry_at__lte=now)
        | Q(status=TouchStatus.CLAIMED, claimed_until__lt=now)
    )


@dataclass(frozen=True)
class Batch:
    claim_id: uuid.UUID
    channel: str
    size: int


@dataclass
class Round:
    """What one dispatch round did (the task logs it; the benchmark reads it)."""

    batches: list[Batch] = field(default_factory=list)
    units: int = 0
    gave_up: int = 0

    @property
    def claimed(self) -> int:
        return sum(b.size for b in self.batches)


def claim(
    now: dt.datetime | None = None,
    *,
    limit: int | None = None,
    unit_quota: int | None = None,
    batch_size: int | None = None,
) -> Round:
    """Claim due touches, round-robin across units; returns the send batches."""
    now = now or timezone.now()
    limit = limit or settings.CAMPAIGNS_DISPATCH_BATCH
    unit_quota = unit_quota or settings.CAMPAIGNS_UNIT_QUOTA
    batch_size = batch_size or settings.CAMPAIGNS_SEND_BATCH
    units = sorted(
        set(
            Touch.objects.unrestricted()
            .filter(due(now), campaign__status__in=LIVE)
            .order_by()
            .values_list("owner_unit_id", flat=True)
            .distinct()
        )
    )
    result = Round(units=len(units))
    if not units:
        return result
    share = max(1, min(unit_quota, -(-limit // len(units))))
    room = _room(now)
    for unit_id in units:
        _claim_unit(unit_id, share, now, batch_size, result, room)
    return result


def _room(now: dt.datetime) -> dict[str, int]:
    """How many more touches each channel family may have claimed and waiting.

    Back-pressure: claims are leased, so claiming more than the workers send within a
    lease would only make claims expire in the queue and be claimed again.
    """
    waiting: dict[str, int] = defaultdict(int)
    for channel, n in (
        Touch.objects.unrestricted()
        .filter(status=TouchStatus.CLAIMED, claimed_until__gte=now)
        .order_by()
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    ):
        waiting[family_of(channel)] += n
    cap = settings.CAMPAIGNS_MAX_IN_FLIGHT
    return defaultdict(lambda: cap, {f: max(0, cap - n) for f, n in waiting.items()})


@transaction.atomic
def _claim_unit(
    unit_id: int,
    share: int,
    now: dt.datetime,
    batch_size: int,
    result: Round,
    room: dict[str, int],
) -> None:
    rows = list(
        Touch.objects.unrestricted()
        .select_for_update(skip_locked=True, of=("self",))
        .filter(due(now), owner_unit_id=unit_id, campaign__status__in=LIVE)
        .order_by("scheduled_at", "id")
        .values_list("id", "channel", "attempts")[:share]
    )
    exhausted = [
        pk for pk, _channel, attempts in rows if attempts >= settings.CAMPAIGNS_MAX_ATTEMPTS
    ]
    if exhausted:
        # Started this many times without an outcome: the send keeps killing its worker.
        Touch.objects.unrestricted().filter(pk__in=exhausted).update(
            status=TouchStatus.DEAD,
            claim_id=None,
            claimed_until=None,
            reason_code="gave_up",
            reason=gettext("Gave up after %(n)s attempts without an answer.")
            % {"n": settings.CAMPAIGNS_MAX_ATTEMPTS},
            updated_at=now,
        )
        result.gave_up += len(exhausted)
    by_family: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, channel, attempts in rows:
        family = family_of(channel)
        if attempts < settings.CAMPAIGNS_MAX_ATTEMPTS and room[family] > 0:
            room[family] -= 1
            by_family[family].append((pk, channel))
    lease = now + dt.timedelta(seconds=settings.CAMPAIGNS_CLAIM_SECONDS)
    for items in by_family.values():
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            claim_id = uuid.uuid4()
            Touch.objects.unrestricted().filter(pk__in=[pk for pk, _ in chunk]).update(
                status=TouchStatus.CLAIMED,
                claim_id=claim_id,
                claimed_until=lease,
                updated_at=now,
            )
            result.batches.append(Batch(claim_id, chunk[0][1], len(chunk)))


# --- Sending ---------------------------------------------------------------------------


@dataclass
class Sent:
    """Counts of one send batch, by outcome."""

    sent: int = 0
    skipped: int = 0
    retried: int = 0
    dead: int = 0
    held: int = 0  # waiting for a later slot (hours, holiday) or a resumed campaign
    lost_claim: int = 0  # someone else holds the touch now

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Context:
    """Everything the gates and the renderer need for one batch, loaded in bulk."""

    now: dt.datetime
    touches: list[Touch]
    units: dict[int, OrgUnit]
    rules: dict[int, mix.MixRules]
    thresholds: dict[int, float]
    consents: dict[tuple[int, str], Consent]
    resolutions: dict[tuple[str, str, int], Resolution]
    seen: gates.Frequency
    platform: PlatformState
    steps: dict[int, dict[int, dict[str, Any]]]


def _load(claim_id: uuid.UUID, now: dt.datetime) -> _Context | None:
    touches = list(
        Touch.objects.unrestricted()
        .filter(claim_id=claim_id, status=TouchStatus.CLAIMED)
        .select_related("account", "contact")
        .order_by("scheduled_at", "id")
    )
    if not touches:
        return None
    # A batch has a handful of campaigns and units: each is loaded once and shared by
    # its touches, rather than joined (and built again) on every row.
    campaigns = (
        Campaign.objects.unrestricted()
        .select_related("playbook", "owner_unit")
        .in_bulk({t.campaign_id for t in touches})
    )
    unit_ids = {t.owner_unit_id for t in touches}
    units = {
        u.pk: u for u in OrgUnit.objects.filter(pk__in=unit_ids).select_related("parent__parent")
    }
    for t in touches:
        t.campaign = campaigns[t.campaign_id]
        if t.account.owner_unit_id in units:
            t.account.owner_unit = units[t.account.owner_unit_id]
    contacts = {t.contact_id: t.contact for t in touches}
    channels = {t.channel for t in touches}
    consents = {
        (c.contact_id, c.channel): c
        for c in Consent.objects.unrestricted().filter(
            contact_id__in=list(contacts), channel__in=channels, purpose=PURPOSE
        )
    }
    # Content is resolved again for today: rights may have expired, a layer may be retired.
    resolutions: dict[tuple[str, str, int], Resolution] = {}
    groups: dict[tuple[str, str], dict[int, Contact]] = defaultdict(dict)
    for t in touches:
        t.contact.account = t.account  # the renderer reads account tokens without a query
        groups[str(t.content_family), t.channel][t.contact_id] = t.contact
    for (family, channel), members in groups.items():
        for r in resolve(family, contacts=list(members.values()), channel=channel, when=now):
            resolutions[family, channel, r.contact.pk] = r
    seen = gates.Frequency.load(
        {t.account_id for t in touches},
        {t.family_root_id for t in touches},
        now,
        now,
        exclude_ids=[t.pk for t in touches],
        statuses=(TouchStatus.SENT,),
        future=False,
    )
    return _Context(
        now=now,
        touches=touches,
        units=units,
        rules={pk: mix.rules_for(unit) for pk, unit in units.items()},
        thresholds={pk: threshold_for(unit) for pk, unit in units.items()},
        consents=consents,
        resolutions=resolutions,
        seen=seen,
        platform=PlatformState.load(contacts, channels, now),
        steps={
            t.campaign_id: {s["index"]: s for s in t.campaign.effective_steps()} for t in touches
        },
    )


@dataclass(frozen=True)
class _Hold:
    """Not now: wait for ``until`` (local hours, weekend, holiday)."""

    until: dt.datetime
    label: str
    code: str
    message: str


def _slot(touch: Touch, ctx: _Context) -> _Hold | None:
    """Is now an allowed moment for this contact? Otherwise, the next one."""
    unit = ctx.units[touch.owner_unit_id]
    tz = ZoneInfo(unit.timezone)
    hours = ctx.rules[unit.pk].hours
    country = touch.contact.country or touch.account.country or next(iter(unit.countries or ()), "")
    local = ctx.now.astimezone(tz)
    holiday = scheduling.holiday_name(local.date(), country)
    allowed_days = ctx.rules[unit.pk].days
    if holiday is None and local.weekday() in allowed_days:
        if scheduling.in_allowed_hours(ctx.now, tz, hours):
            return None
        code, why = (
            "quiet_hours",
            gettext("outside the allowed hours %(start)02d:00-%(end)02d:00")
            % {
                "start": hours[0],
                "end": hours[1],
            },
        )
    elif holiday is not None:
        code, why = (
            "holiday",
            gettext("public holiday in %(country)s: %(name)s")
            % {
                "country": country,
                "name": holiday,
            },
        )
    else:
        code, why = "day_off", gettext("not a sending day")
    until = scheduling.send_time(
        local.date(), tz, country, hours, not_before=ctx.now, days=allowed_days
    )
    message = gettext("Held until %(when)s (%(why)s).") % {
        "when": scheduling.local_label(until, tz),
        "why": why,
    }
    return _Hold(until, scheduling.local_label(until, tz), code, message)


def _gate(touch: Touch, ctx: _Context) -> gates.Refusal | _Hold | None:
    """The send-time verdict on one touch (same gates as planning, on today's data)."""
    unit = ctx.units[touch.owner_unit_id]
    rules = ctx.rules[unit.pk]
    tz = ZoneInfo(unit.timezone)
    resolution = ctx.resolutions[str(touch.content_family), touch.channel, touch.contact_id]
    condition = ctx.steps[touch.campaign_id].get(touch.step, {}).get("condition", "always")
    refusal = (
        gates.targetable(touch.account, unit.pk)
        or gates.contactable(touch.contact)
        or gates.condition(condition, touch.account, ctx.thresholds[unit.pk])
        or gates.channel_allowed(touch.channel, rules)
        or gates.consent(
            touch.contact, touch.channel, ctx.consents.get((touch.contact_id, touch.channel)), rules
        )
        or gates.content(resolution)
        or gates.window(touch.campaign.ends_on, ctx.now, tz)
        or gates.frequency(ctx.seen, touch.account_id, touch.family_root_id, ctx.now, rules)
        or _platform(touch, resolution, ctx, tz)
        or gates.address(touch.channel, _recipient(touch))
    )
    if refusal is not None:
        return refusal
    return _slot(touch, ctx)


def _platform(
    touch: Touch, resolution: Resolution, ctx: _Context, tz: ZoneInfo
) -> gates.Refusal | None:
    found = None
    if touch.channel == Channel.WECHAT:
        found = ctx.platform.wechat(touch.contact_id, ctx.now, tz)
    elif touch.channel == Channel.WHATSAPP:
        found = ctx.platform.whatsapp(
            touch.contact_id, resolution.asset.kind if resolution.asset else ""
        )
    return gates.Refusal(found.code, found.message) if found else None


def _recipient(touch: Touch) -> str:
    contact = touch.contact
    if touch.channel in (Channel.WHATSAPP, Channel.PHONE, Channel.WECHAT):
        return contact.phone
    return contact.email


def _message(touch: Touch, ctx: _Context) -> Message:
    resolution = ctx.resolutions[str(touch.content_family), touch.channel, touch.contact_id]
    unit = ctx.units[touch.owner_unit_id]
    values = render_values(
        resolution.values, account=touch.account, contact=touch.contact, unit=unit
    )
    parts = [values.get("intro", ""), values.get("body", ""), values.get("personal_text", "")]
    if values.get("cta_url"):
        label = escape(values.get("cta_label") or values["cta_url"])
        parts.append(f'<p><a href="{escape(values["cta_url"])}">{label}</a></p>')
    if values.get("legal_notice"):
        parts.append(f"<p><small>{values['legal_notice']}</small></p>")
    return Message(
        key=touch.idempotency_key,
        channel=touch.channel,
        recipient=_recipient(touch),
        subject=str(values.get("title", "")),
        body="\n".join(p for p in parts if p),
        language=resolution.asset.language if resolution.asset else "",
        unit_id=touch.owner_unit_id,
        meta={
            "campaign": touch.campaign_id,
            "touch": touch.idempotency_key,
            "template": resolution.asset.title if resolution.asset else "",
        },
    )


def _backoff(attempts: int, outcome: Outcome) -> dt.timedelta:
    if outcome.retry_after is not None:
        return dt.timedelta(seconds=outcome.retry_after)
    seconds = settings.CAMPAIGNS_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return min(dt.timedelta(seconds=seconds), RETRY_CAP)


def start_sending(claim_id: uuid.UUID, now: dt.datetime) -> int:
    """A worker took the batch: the attempt counts from here, with a fresh lease.

    Claims waiting in the queue do not count as attempts (an expired one is simply
    claimed again); a send that starts and never reports — its worker killed — does, so
    a touch that keeps killing workers ends as a dead letter.
    """
    return (
        Touch.objects.unrestricted()
        .filter(claim_id=claim_id, status=TouchStatus.CLAIMED)
        .update(
            attempts=F("attempts") + 1,
            claimed_until=now + dt.timedelta(seconds=settings.CAMPAIGNS_CLAIM_SECONDS),
            updated_at=now,
        )
    )


def send_claimed(claim_id: uuid.UUID | str, now: dt.datetime | None = None) -> Sent:
    """Send one claimed batch (see the module notes). Safe to run twice."""
    now = now or timezone.now()
    claim_id = uuid.UUID(str(claim_id))
    counts = Sent()
    start_sending(claim_id, now)
    ctx = _load(claim_id, now)
    if ctx is None:
        return counts
    campaigns = {t.campaign_id: t.campaign for t in ctx.touches}
    waiting = [t for t in ctx.touches if t.campaign.status not in LIVE]
    if waiting:
        counts.held += _release_paused(claim_id, [t.pk for t in waiting], now)
    ready = [t for t in ctx.touches if t.campaign.status in LIVE]
    by_channel: dict[str, list[Touch]] = defaultdict(list)
    for touch in ready:
        by_channel[touch.channel].append(touch)
    for channel, touches in by_channel.items():
        adapter = adapter_for(channel)
        adapter.open()
        try:
            if adapter.transactional:
                _send_together(adapter, touches, claim_id, ctx, counts)
            else:
                for touch in touches:
                    _send_together(adapter, [touch], claim_id, ctx, counts)
        finally:
            adapter.close()
    finish_campaigns(campaigns)
    return counts


def _release_paused(claim_id: uuid.UUID, ids: list[int], now: dt.datetime) -> int:
    """A paused campaign's claimed touches go back to waiting, the attempt uncounted."""
    return (
        Touch.objects.unrestricted()
        .filter(pk__in=ids, claim_id=claim_id, status=TouchStatus.CLAIMED)
        .update(
            status=TouchStatus.PLANNED,
            claim_id=None,
            claimed_until=None,
            attempts=F("attempts") - 1,
            updated_at=now,
        )
    )


def _send_together(
    adapter: Adapter, touches: list[Touch], claim_id: uuid.UUID, ctx: _Context, counts: Sent
) -> None:
    """Lock, gate, send and record ``touches`` in one transaction."""
    with transaction.atomic():
        marks = _Marks(ctx.now)
        _send_locked(adapter, touches, claim_id, ctx, counts, marks)
        # Every outcome is written under the row locks taken above, before the commit.
        marks.write()


def _send_locked(
    adapter: Adapter,
    touches: list[Touch],
    claim_id: uuid.UUID,
    ctx: _Context,
    counts: Sent,
    marks: _Marks,
) -> None:
    now = ctx.now
    mine = set(
        Touch.objects.unrestricted()
        .select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=[t.pk for t in touches], claim_id=claim_id, status=TouchStatus.CLAIMED)
        .values_list("pk", flat=True)
    )
    counts.lost_claim += len(touches) - len(mine)
    touches = [t for t in touches if t.pk in mine]
    if not touches:
        return
    already = set(
        SendLedger.objects.unrestricted()
        .filter(idempotency_key__in=[t.idempotency_key for t in touches])
        .values_list("idempotency_key", flat=True)
    )
    outgoing: list[Touch] = []
    for touch in touches:
        if touch.idempotency_key in already:
            marks.add(touch, TouchStatus.SENT, sent_at=now)
            counts.sent += 1
            continue
        verdict = _gate(touch, ctx)
        if isinstance(verdict, _Hold):
            marks.add(
                touch,
                TouchStatus.PLANNED,
                scheduled_at=verdict.until,
                local_scheduled=verdict.label,
                reason_code=verdict.code,
                reason=verdict.message,
                attempts=max(0, touch.attempts - 1),
            )
            counts.held += 1
        elif verdict is not None:
            marks.add(touch, TouchStatus.SKIPPED, reason_code=verdict.code, reason=verdict.message)
            counts.skipped += 1
        else:
            outgoing.append(touch)
    if not outgoing:
        return
    charged, savepoints = [], {}
    for touch in outgoing:
        if touch.campaign.budget_id is None:
            # No budget, nothing to charge (charge_touch would return None at once): no
            # savepoint to take either.
            charged.append(touch)
            continue
        savepoints[touch.pk] = transaction.savepoint()
        refusal = _charge(touch, ctx)
        if refusal is None:
            charged.append(touch)
            continue
        transaction.savepoint_rollback(savepoints.pop(touch.pk))
        marks.add(touch, TouchStatus.SKIPPED, reason_code=refusal.code, reason=refusal.message)
        counts.skipped += 1
    outcomes = adapter.send_many([_message(t, ctx) for t in charged]) if charged else []
    if len(charged) == 1 and outcomes[0].kind != OutcomeKind.SENT and charged[0].pk in savepoints:
        # Not sent: the touch's charge goes back (a transactional adapter's batch is
        # recorded as a whole, so only the one-touch transactions can get here). The
        # outcomes are written after this (``_Marks``), so only the charge is undone.
        transaction.savepoint_rollback(savepoints[charged[0].pk])
    ledger = []
    for touch, outcome in zip(charged, outcomes, strict=True):
        if outcome.kind == OutcomeKind.SENT:
            ledger.append(
                SendLedger(
                    owner_unit_id=touch.owner_unit_id,
                    idempotency_key=touch.idempotency_key,
                    touch_id=touch.pk,
                    campaign_id=touch.campaign_id,
                    channel=touch.channel,
                    provider=adapter.name,
                    provider_message_id=outcome.provider_message_id[:200],
                    sent_at=now,
                )
            )
            marks.add(
                touch, TouchStatus.SENT, sent_at=now, last_error="", reason_code="", reason=""
            )
            ctx.seen.add(touch.account_id, touch.family_root_id, now)
            if touch.channel == Channel.WECHAT:
                unit = ctx.units[touch.owner_unit_id]
                ctx.platform.count_wechat(touch.contact_id, now, ZoneInfo(unit.timezone))
            counts.sent += 1
        elif outcome.kind == OutcomeKind.RETRY and touch.attempts < settings.CAMPAIGNS_MAX_ATTEMPTS:
            marks.add(
                touch,
                TouchStatus.FAILED,
                retry_at=now + _backoff(touch.attempts, outcome),
                last_error=outcome.error,
            )
            counts.retried += 1
        else:
            marks.add(
                touch,
                TouchStatus.DEAD,
                last_error=outcome.error,
                reason_code="provider_refused"
                if outcome.kind == OutcomeKind.REJECTED
                else "gave_up",
                reason=outcome.error,
            )
            counts.dead += 1
    SendLedger.objects.unrestricted().bulk_create(ledger)


def _charge(touch: Touch, ctx: _Context) -> gates.Refusal | None:
    """Budget gate: charge the touch's price to its campaign's budget, in the send's
    transaction — so the spend and the ledger entry commit together or not at all."""
    try:
        budgets.charge_touch(touch.campaign, touch.channel, touch.idempotency_key, ctx.now)
    except OverBudget as exc:
        return gates.Refusal(exc.code, exc.reason)
    except ValidationError as exc:  # no exchange rate for the unit's currency
        return gates.Refusal("budget_no_rate", " ".join(exc.messages))
    return None


class _Marks:
    """The outcomes of one send transaction, written together: one ``UPDATE`` per
    distinct set of values (a batch of sent touches is one statement, not one per row).

    The touch objects take their new values at once (later steps read them); the rows
    are written by :meth:`write` inside the same transaction, under the row locks it
    holds, before it commits — nothing else can see or claim them in between.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.groups: dict[tuple[tuple[str, Any], ...], list[int]] = defaultdict(list)

    def add(self, touch: Touch, status: str, **changes: Any) -> None:
        values = {
            "status": status,
            "claim_id": None,
            "claimed_until": None,
            "updated_at": self.now,
            **changes,
        }
        for name, value in values.items():
            setattr(touch, name, value)
        self.groups[tuple(sorted(values.items()))].append(touch.pk)

    def write(self) -> None:
        for values, pks in self.groups.items():
            Touch.objects.unrestricted().filter(pk__in=pks).update(**dict(values))
        self.groups.clear()


def finish_campaigns(campaigns: dict[int, Campaign] | None = None) -> int:
    """Running campaigns whose planning is done and with nothing left to send complete.

    Without ``campaigns``: every running campaign (the periodic sweep, which also
    catches campaigns whose touches were all skipped at planning).
    """
    from campaigns.models.touches import UNSENT

    running = Campaign.objects.unrestricted().filter(
        status=CampaignStatus.RUNNING, planned_at__isnull=False
    )
    if campaigns is not None:
        running = running.filter(pk__in=list(campaigns))
    unsent = Touch.objects.unrestricted().filter(campaign_id=OuterRef("pk"), status__in=UNSENT)
    return running.exclude(Exists(unsent)).update(status=CampaignStatus.COMPLETED)
