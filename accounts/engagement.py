"""Engagement score: weighted engagement events, decayed over 30 days (DESIGN section 7).

Decay model — **exponential with a 30-day half-life**: an event of weight ``w`` that
happened ``d`` days before the scoring instant contributes ``w * 0.5 ** (d / 30)``. We
chose a half-life over a hard 30-day window because a window makes scores (and hence
hand-offs) jump on the day an event falls out of it; a half-life fades it smoothly while
still meaning "a month ago counts half".

Events older than ``HORIZON_DAYS`` (six half-lives: under 1.6 % of their weight) are
ignored, so a recomputation reads a bounded slice of history. Events after the scoring
instant are ignored (a score "as of" a date never sees the future).

``Account.engagement_score`` is a materialisation of this function, refreshed when an
event is recorded and every day by Celery beat (decay moves scores without new events).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from accounts.models.engagement import EngagementEvent, EventKind
from glocal.models import OrgUnit

HALF_LIFE_DAYS = 30.0
HORIZON_DAYS = 180
#: Points per event kind. Delivery measures our sending, not the account's interest,
#: so it scores nothing; a meeting is the strongest signal short of an opportunity.
WEIGHTS: dict[str, float] = {
    EventKind.DELIVERED: 0.0,
    EventKind.OPENED: 1.0,
    EventKind.CLICKED: 3.0,
    EventKind.REPLIED: 8.0,
    EventKind.REGISTERED: 5.0,
    EventKind.ATTENDED: 10.0,
    EventKind.MEETING: 20.0,
    EventKind.INTENT_SIGNAL: 4.0,
}
#: Accounts rescored per batch in a bulk recomputation.
BATCH = 1000


def _untracked() -> models.QuerySet:
    """A derived score is not a decision: keep daily rescoring out of the audit trail."""
    return models.QuerySet(model=Account)


def decay(age: datetime.timedelta) -> float:
    """Share of an event's weight left after ``age`` (1.0 now, 0.5 after 30 days)."""
    days = age.total_seconds() / 86400
    if days < 0 or days > HORIZON_DAYS:
        return 0.0
    return 0.5 ** (days / HALF_LIFE_DAYS)


def score_of(events: Iterable[tuple[str, datetime.datetime]], at: datetime.datetime) -> float:
    """Σ weight * decay over ``(kind, occurred_at)`` pairs, rounded to 2 decimals."""
    return round(sum(WEIGHTS.get(kind, 0.0) * decay(at - when) for kind, when in events), 2)


def _window(at: datetime.datetime) -> dict[str, Any]:
    return {
        "occurred_at__gt": at - datetime.timedelta(days=HORIZON_DAYS),
        "occurred_at__lte": at,
    }


def engagement_score(account: Account | int, at: datetime.datetime | None = None) -> float:
    """The account's engagement score as of ``at`` (now by default)."""
    at = at or timezone.now()
    account_id = getattr(account, "pk", account)
    rows = (
        EngagementEvent.objects.unrestricted()
        .filter(account_id=account_id, **_window(at))
        .values_list("kind", "occurred_at")
    )
    return score_of(rows, at)


@dataclass(frozen=True)
class Recorded:
    event: EngagementEvent
    created: bool


def record_event(
    *,
    account: Account,
    kind: str,
    occurred_at: datetime.datetime,
    external_id: str,
    contact: Contact | None = None,
    source: str = "",
    rescore: bool = True,
) -> Recorded:
    """Record one engagement event; recording the same ``external_id`` again is a no-op.

    Idempotency rests on the unique ``external_id``: a webhook redelivered concurrently
    hits the constraint and we return the row the other delivery wrote. The account is
    rescored (and, above the threshold, handed off) after the event is stored.
    """
    existing = EngagementEvent.objects.unrestricted().filter(external_id=external_id).first()
    if existing is not None:
        return _replay(existing, account)
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": _("Give the time zone of the event.")})
    event = EngagementEvent(
        owner_unit_id=account.owner_unit_id,
        account=account,
        contact=contact,
        kind=kind,
        occurred_at=occurred_at,
        source=source,
        external_id=external_id,
    )
    event.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        existing = EngagementEvent.objects.unrestricted().filter(external_id=external_id).first()
        if existing is None:
            raise
        return _replay(existing, account)
    if rescore:
        refresh_account(account)
    return Recorded(event, True)


def _replay(existing: EngagementEvent, account: Account) -> Recorded:
    """A redelivery returns the stored event — but only to the same account, so an
    external id never reveals another account's (or organisation's) event."""
    if existing.account_id != account.pk:
        raise ValidationError(
            {"external_id": _("This id was already recorded for another account.")}
        )
    return Recorded(existing, False)


def refresh_account(account: Account, at: datetime.datetime | None = None) -> float:
    """Recompute and store one account's score, then hand it off if it crossed."""
    from accounts import handoffs

    previous = account.engagement_score
    score = engagement_score(account, at)
    if score != previous:
        account.engagement_score = score
        _untracked().filter(pk=account.pk).update(engagement_score=score)
    handoffs.qualify([(account, previous)], at)
    return score


def _subtree(unit_ids: Iterable[int]) -> set[int]:
    """The units and all their descendants (the tree is at most three deep)."""
    found = set(unit_ids)
    frontier = set(found)
    while frontier:
        frontier = (
            set(OrgUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


def recompute(
    unit_ids: Iterable[int],
    at: datetime.datetime | None = None,
    after_pk: int = 0,
    batch: int = BATCH,
) -> int | None:
    """Rescore one batch of accounts owned in the subtrees of ``unit_ids``.

    One query reads the batch's accounts, one reads all their events in the horizon; only
    changed scores are written. Returns the last account id handled when there may be
    more (the caller re-queues from there), or None when done. Idempotent.
    """
    from accounts import handoffs

    at = at or timezone.now()
    units = _subtree(unit_ids)
    accounts = list(
        Account.objects.unrestricted()
        .filter(owner_unit_id__in=units, pk__gt=after_pk)
        .select_related("owner_unit")
        .order_by("pk")[:batch]
    )
    if not accounts:
        return None
    events: dict[int, list[tuple[str, datetime.datetime]]] = defaultdict(list)
    rows = (
        EngagementEvent.objects.unrestricted()
        .filter(account_id__in=[a.pk for a in accounts], **_window(at))
        .values_list("account_id", "kind", "occurred_at")
    )
    for account_id, kind, when in rows:
        events[account_id].append((kind, when))
    changed = []
    pairs = []
    for account in accounts:
        previous = account.engagement_score
        score = score_of(events.get(account.pk, ()), at)
        if score != previous:
            account.engagement_score = score
            changed.append(account)
        pairs.append((account, previous))
    if changed:
        _untracked().bulk_update(changed, ["engagement_score"])
    handoffs.qualify(pairs, at)
    return accounts[-1].pk if len(accounts) == batch else None
