"""The planner: turns a launched campaign into touches, a chunk of accounts at a time.

For each account of the chunk, each effective step and each contact, one touch row:
its send time (``campaigns.scheduling``: local unit time zone, business days, the
contact's public holidays, allowed hours), the resolved content and the gates' verdict
(``campaigns.gates``) — ``planned``, or ``skipped`` with its reason.

**Chunks.** :func:`plan_chunk` handles up to ``CHUNK`` accounts after a cursor (account
id) and returns the next cursor; the Celery task re-enqueues itself with it. The
campaign row is locked for the chunk and the stored cursor must match, so a redelivered
task never plans a chunk twice; touches are inserted with ``ignore_conflicts`` on their
deterministic idempotency key, so even a replay inserts nothing twice. Planning that has
not moved for ``CAMPAIGNS_PLANNING_STALL_SECONDS`` (its next message lost) is queued again
from its cursor by a beat sweep, :func:`resume_stalled`.

**Cost.** A constant number of queries per chunk whatever its size: the accounts (with
their family parents), contacts, consents, this campaign's existing keys, the recent
touches for frequency caps, the unit's bounds, and one resolver call per step for all
contacts of the chunk. Content is resolved for the step's nominal day; the dispatcher
checks rights again at send time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from accounts.handoffs import threshold_for
from accounts.models import Account, Consent, Contact
from campaigns import gates, mix, scheduling
from campaigns.models import Campaign, CampaignStatus, Touch, TouchStatus, idempotency_key
from content.resolve import resolve
from glocal.models import OrgUnit

CHUNK = 200
PURPOSE = "marketing"


def family_root_id(account: Account) -> int:
    """The id of the account's family root (parents preloaded: families are shallow)."""
    node, seen = account, {account.pk}
    while node.parent_id is not None and node.parent_id not in seen:
        seen.add(node.parent_id)
        node = node.parent
    return node.pk


def step_days(campaign: Campaign, steps: list[dict[str, Any]]) -> dict[int, dt.date]:
    """Nominal local day of each step: the window's first day plus cumulative delays."""
    days, offset = {}, 0
    for step in steps:
        offset += step["delay_days"]
        days[step["index"]] = campaign.starts_on + dt.timedelta(days=offset)
    return days


@transaction.atomic
def start(campaign: Campaign) -> Campaign:
    """Hand a launched campaign to the planner (called when the launch is approved)."""
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.PLANNING,
        accounts_total=campaign.accounts.count(),
        accounts_planned=0,
        planning_cursor=0,
        planned_at=None,
        updated_at=timezone.now(),  # planning's clock for the stall sweep
    )
    from campaigns.tasks import plan_campaign

    plan_campaign.delay_on_commit(campaign.pk)
    campaign.refresh_from_db()
    return campaign


def _untracked() -> models.QuerySet:
    """Progress counters are bookkeeping, not decisions: keep them out of the audit trail."""
    return models.QuerySet(model=Campaign)


def plan_chunk(
    campaign_id: int, after: int = 0, *, limit: int = CHUNK, now: dt.datetime | None = None
) -> int | None:
    """Plan the next ``limit`` accounts after ``after``; the next cursor, or None when done."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = (
            Campaign.objects.unrestricted()
            .select_for_update()
            .filter(pk=campaign_id, planned_at__isnull=True, planning_cursor=after)
            .filter(status__in=(CampaignStatus.PLANNING, CampaignStatus.PAUSED))
            .select_related("playbook")
            .first()
        )
        if campaign is None:  # cancelled, finished, or this chunk was already planned
            return None
        unit = OrgUnit.objects.select_related("parent__parent").get(pk=campaign.owner_unit_id)
        accounts = list(
            campaign.accounts.filter(pk__gt=after)
            .select_related("parent__parent__parent")
            .order_by("pk")[:limit]
        )
        if accounts:
            touches = build_touches(campaign, unit, accounts, now)
            Touch.objects.bulk_create(touches, ignore_conflicts=True, batch_size=1000)
        done = len(accounts) < limit
        changes: dict[str, Any] = {
            "accounts_planned": F("accounts_planned") + len(accounts),
            "planning_cursor": accounts[-1].pk if accounts else after,
            "updated_at": timezone.now(),  # progress, for the stall sweep
        }
        if done:
            changes["planned_at"] = now
        _untracked().filter(pk=campaign.pk).update(**changes)
        if done:
            Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.PLANNING).update(
                status=CampaignStatus.RUNNING
            )
        return None if done else changes["planning_cursor"]


def resume_stalled() -> int:
    """Queue again the next chunk of every planning that has not moved for
    ``CAMPAIGNS_PLANNING_STALL_SECONDS``; returns how many.

    Each chunk's task queues the next one, so a message lost by the broker (or a task
    dropped before it could queue its successor) would leave a campaign in planning until
    the broker redelivers it, an hour on Redis by default. Queuing the same cursor twice
    is harmless: a chunk runs only while the campaign's cursor still equals it, under the
    row lock, so a late duplicate finds the cursor moved on and does nothing.
    """
    from campaigns.tasks import plan_campaign

    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.CAMPAIGNS_PLANNING_STALL_SECONDS)
    stalled = list(
        Campaign.objects.unrestricted()
        .filter(status__in=(CampaignStatus.PLANNING, CampaignStatus.PAUSED))
        .filter(planned_at__isnull=True, updated_at__lt=cutoff)
        .values_list("pk", "planning_cursor")
    )
    resumed = 0
    for pk, cursor in stalled:
        # The sweep's own mark: the next sweep waits a whole stall period again.
        if _untracked().filter(pk=pk, planning_cursor=cursor).update(updated_at=now):
            plan_campaign.delay_on_commit(pk, cursor)
            resumed += 1
    return resumed


def plan_all(campaign_id: int, *, limit: int = CHUNK, now: dt.datetime | None = None) -> None:
    """Plan every chunk in this process (tests, demos, management commands)."""
    cursor: int | None = 0
    while cursor is not None:
        cursor = plan_chunk(campaign_id, cursor, limit=limit, now=now)


def build_touches(
    campaign: Campaign, unit: OrgUnit, accounts: list[Account], now: dt.datetime
) -> list[Touch]:
    """Touches (planned or skipped) for every contact of ``accounts`` and every step."""
    steps = campaign.effective_steps()
    rules = mix.rules_for(unit)
    threshold = threshold_for(unit)
    tz = ZoneInfo(unit.timezone)
    by_account: dict[int, list[Contact]] = {a.pk: [] for a in accounts}
    for contact in Contact.objects.unrestricted().filter(account_id__in=by_account).order_by("pk"):
        by_account[contact.account_id].append(contact)
    contacts = [c for a in accounts for c in by_account[a.pk]]
    if not contacts:
        return []
    consents = {
        (c.contact_id, c.channel): c
        for c in Consent.objects.unrestricted().filter(
            contact_id__in=[c.pk for c in contacts],
            channel__in={s["channel"] for s in steps},
            purpose=PURPOSE,
        )
    }
    existing = set(
        Touch.objects.unrestricted()
        .filter(campaign_id=campaign.pk, contact_id__in=[c.pk for c in contacts])
        .values_list("idempotency_key", flat=True)
    )
    roots = {a.pk: family_root_id(a) for a in accounts}
    days = step_days(campaign, steps)
    fallback_country = next(iter(unit.countries or ()), "")
    accounts_by_id = {a.pk: a for a in accounts}
    times: dict[tuple[int, int], dt.datetime] = {}
    for contact in contacts:
        country = contact.country or accounts_by_id[contact.account_id].country or fallback_country
        for step in steps:
            times[step["index"], contact.pk] = scheduling.send_time(
                days[step["index"]], tz, country, rules.hours, not_before=now, days=rules.days
            )
    seen = gates.Frequency.load(
        by_account, set(roots.values()), min(times.values()), max(times.values())
    )
    resolutions = {
        step["index"]: {
            r.contact.pk: r
            for r in resolve(
                step["content"],
                contacts=contacts,
                channel=step["channel"],
                when=scheduling.localize(days[step["index"]], rules.hours[0], tz),
            )
        }
        for step in steps
    }
    touches = []
    for account in accounts:
        for step in steps:
            for contact in by_account[account.pk]:
                key = idempotency_key(campaign.pk, step["index"], contact.pk)
                if key in existing:
                    continue
                when = times[step["index"], contact.pk]
                resolution = resolutions[step["index"]][contact.pk]
                refusal = (
                    gates.targetable(account, unit.pk)
                    or gates.contactable(contact)
                    or gates.condition(step["condition"], account, threshold)
                    or gates.channel_allowed(step["channel"], rules)
                    or gates.consent(
                        contact, step["channel"], consents.get((contact.pk, step["channel"])), rules
                    )
                    or gates.content(resolution)
                    or gates.window(campaign.ends_on, when, tz)
                    or gates.frequency(seen, account.pk, roots[account.pk], when, rules)
                )
                if refusal is None:
                    seen.add(account.pk, roots[account.pk], when)
                touches.append(
                    Touch(
                        owner_unit_id=unit.pk,
                        campaign_id=campaign.pk,
                        step=step["index"],
                        account_id=account.pk,
                        family_root_id=roots[account.pk],
                        contact_id=contact.pk,
                        channel=step["channel"],
                        content_family=step["content"],
                        content_asset=resolution.asset,
                        scheduled_at=when,
                        local_scheduled=scheduling.local_label(when, tz),
                        status=TouchStatus.PLANNED if refusal is None else TouchStatus.SKIPPED,
                        reason_code=refusal.code if refusal else "",
                        reason=refusal.message if refusal else "",
                        idempotency_key=key,
                    )
                )
    return touches
