"""Ritual use-cases: scheduling occurrences ahead, reminders, agendas, minutes, action items.

Everything here is idempotent and safe to run from several beats or workers at once:

* occurrences are unique per (ritual, start) and created with ``get_or_create``;
* reminders are unique per (occurrence, unit) and claimed with a conditional UPDATE on
  ``sent_at`` — a reminder is sent at most once;
* overdue action items are flagged with a conditional UPDATE on ``overdue_since`` — the
  owner is told once per lapse.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from glocal.models import Membership, OrgUnit
from governance import agenda
from governance.models import ActionItem, Ritual, RitualOccurrence, RitualReminder

logger = logging.getLogger(__name__)

#: How far ahead occurrences exist (days).
HORIZON_DAYS = getattr(settings, "RITUALS_HORIZON_DAYS", 60)
#: Reminders and overdue flags handled per task run; the task re-queues itself for more.
BATCH_SIZE = getattr(settings, "RITUALS_BATCH_SIZE", 100)


@dataclass
class ScheduleResult:
    created: list[dt.datetime] = field(default_factory=list)
    removed: int = 0
    cancelled: int = 0
    agendas_updated: int = 0


# --- participants ---------------------------------------------------------------------


def sync_participants(ritual: Ritual) -> list[int]:
    """Make ``participant_units`` what the mode implies (children/subtree follow the tree as
    units are added, moved or retired); chosen participants always include the organiser."""
    tree = list(
        OrgUnit.objects.filter(organization_id=ritual.owner_unit.organization_id).values(
            "id", "parent_id", "is_active"
        )
    )
    wanted = ritual.derived_participant_ids(tree)
    current = set(ritual.participant_units.values_list("pk", flat=True))
    if wanted is None:
        # Chosen units stay while they are active and below the organiser (it may move).
        subtree = ritual.derived_participant_ids(tree, Ritual.Participants.SUBTREE)
        wanted = (current & subtree) | {ritual.owner_unit_id}
    if wanted != current:
        ritual.participant_units.set(sorted(wanted))
    return sorted(wanted)


# --- scheduling -----------------------------------------------------------------------


def _language_for(unit: OrgUnit) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    for tag in unit.languages or []:
        if tag.split("-")[0] in supported:
            return tag.split("-")[0]
    return settings.LANGUAGE_CODE


def ensure_reminders(ritual: Ritual, occurrences: Iterable[RitualOccurrence]) -> int:
    """One reminder per upcoming occurrence and active participant unit, due at the
    reminder time *in that unit's zone*; unsent ones follow rule changes, and units that
    left the ritual lose theirs. Returns the number of rows created."""
    occurrences = [o for o in occurrences if o.status == RitualOccurrence.Status.SCHEDULED]
    if not occurrences:
        return 0
    units = list(ritual.participant_units.filter(is_active=True).only("pk", "timezone"))
    unit_ids = {u.pk for u in units}
    existing = {
        (r.occurrence_id, r.unit_id): r
        for r in RitualReminder.objects.filter(occurrence__in=occurrences, sent_at__isnull=True)
    }
    RitualReminder.objects.filter(occurrence__in=occurrences, sent_at__isnull=True).exclude(
        unit_id__in=unit_ids
    ).delete()
    missing = []
    for occurrence in occurrences:
        for unit in units:
            due_at = RitualReminder.due_for(occurrence, ritual, unit.timezone)
            reminder = existing.get((occurrence.pk, unit.pk))
            if reminder is None:
                missing.append(RitualReminder(occurrence=occurrence, unit=unit, due_at=due_at))
            elif reminder.due_at != due_at:
                RitualReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
                    due_at=due_at
                )
    # ignore_conflicts: a concurrent run may have created (or sent) the same reminder.
    RitualReminder.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def refresh_agenda(occurrence: RitualOccurrence, now: dt.datetime | None = None) -> bool:
    """Rebuild the agenda snapshot from live data; writes only when it changed."""
    items = [item.as_dict() for item in agenda.build(occurrence)]
    if items == occurrence.agenda and occurrence.agenda_updated_at is not None:
        return False
    occurrence.agenda = items
    occurrence.agenda_updated_at = now or timezone.now()
    occurrence.save(update_fields=["agenda", "agenda_updated_at"])
    return True


def _has_records(occurrence: RitualOccurrence) -> bool:
    return bool(occurrence.minutes) or occurrence.action_items.exists()


def schedule(ritual: Ritual, now: dt.datetime | None = None) -> ScheduleResult:
    """Bring a ritual's future up to date: participants, occurrences over the horizon,
    reminders and agendas. Idempotent; several runs at once create each row once.

    Future occurrences the rule no longer produces (rule edited, ritual paused) are
    deleted, or cancelled when they already carry minutes or action items.
    """
    now = now or timezone.now()
    end = now + dt.timedelta(days=HORIZON_DAYS)
    result = ScheduleResult()
    with transaction.atomic():
        ritual = Ritual.objects.select_related("owner_unit").get(pk=ritual.pk)
        sync_participants(ritual)
        wanted = ritual.starts_between(now, end) if ritual.is_active else []
        duration = dt.timedelta(minutes=ritual.duration_minutes)
        future = {
            o.starts_at: o
            for o in ritual.occurrences.filter(starts_at__gte=now).annotate(
                n_items=Count("action_items")
            )
        }
        for starts_at, occurrence in future.items():
            if starts_at in wanted or occurrence.status == RitualOccurrence.Status.CANCELLED:
                if occurrence.ends_at != starts_at + duration:
                    occurrence.ends_at = starts_at + duration
                    occurrence.save(update_fields=["ends_at"])
                continue
            if occurrence.minutes or occurrence.n_items:
                occurrence.status = RitualOccurrence.Status.CANCELLED
                occurrence.save(update_fields=["status"])
                result.cancelled += 1
            else:
                occurrence.delete()
                result.removed += 1
        for starts_at in wanted:
            if starts_at in future:
                continue
            _occurrence, created = RitualOccurrence.objects.get_or_create(
                ritual=ritual, starts_at=starts_at, defaults={"ends_at": starts_at + duration}
            )
            if created:
                result.created.append(starts_at)
    upcoming = list(
        ritual.occurrences.upcoming(now)
        .select_related("ritual__owner_unit")
        .prefetch_related("ritual__participant_units")
    )
    ensure_reminders(ritual, upcoming)
    for occurrence in upcoming:
        if occurrence.starts_at > now and refresh_agenda(occurrence, now):
            result.agendas_updated += 1
    return result


def schedulable_ritual_ids() -> list[int]:
    """Rituals beat keeps scheduled (internal job: every organisation)."""
    return list(Ritual.objects.unrestricted().active().values_list("pk", flat=True))


def schedule_by_id(ritual_id: int, now: dt.datetime | None = None) -> ScheduleResult | None:
    ritual = Ritual.objects.unrestricted().filter(pk=ritual_id).first()
    return schedule(ritual, now) if ritual is not None else None


# --- delivery -------------------------------------------------------------------------


def _members(unit_ids: Iterable[int]) -> dict[int, list[Any]]:
    by_unit: dict[int, list[Any]] = {}
    memberships = Membership.objects.filter(
        unit_id__in=list(unit_ids), user__is_active=True
    ).select_related("user")
    for membership in memberships:
        by_unit.setdefault(membership.unit_id, []).append(membership.user)
    return by_unit


def _mail(users: Iterable[Any], subject: str, body: str) -> int:
    """One message per recipient (addresses are not disclosed to each other)."""
    messages = [
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        for user in users
        if user.email
    ]
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


def _in_app(users: Iterable[Any], unit: OrgUnit, kind: str, params: dict[str, Any]) -> int:
    """In-app notifications beside the mail (marked mailed: the ritual mail carries more
    than the one-line notification mail would). Tolerates a build without notifications."""
    try:
        Notification = apps.get_model("governance", "Notification")
    except LookupError:
        return 0
    now = timezone.now()
    rows = [
        Notification(recipient=user, owner_unit=unit, kind=kind, params=params, emailed_at=now)
        for user in users
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def occurrence_path(occurrence: RitualOccurrence) -> str:
    return reverse("governance:ritual-occurrence", args=[occurrence.pk])


def deliver_reminder(reminder: RitualReminder, users: list[Any]) -> int:
    """Mail the members of the reminded unit, in the unit's language and time zone."""
    occurrence = reminder.occurrence
    ritual = occurrence.ritual
    unit = reminder.unit
    with translation.override(_language_for(unit)), timezone.override(unit.timezone):
        context = {
            "ritual": ritual,
            "occurrence": occurrence,
            "unit": unit,
            "items": [agenda.AgendaItem.from_dict(i) for i in occurrence.agenda],
            "path": occurrence_path(occurrence),
        }
        subject = _("Reminder: %(ritual)s on %(when)s (%(zone)s)") % {
            "ritual": ritual.name,
            "when": occurrence.local_start(unit.timezone).strftime("%Y-%m-%d %H:%M"),
            "zone": unit.timezone,
        }
        body = render_to_string("governance/ritual_reminder_email.txt", context)
    _in_app(
        users,
        unit,
        "ritual_reminder",
        {
            "title": subject,
            "ritual": ritual.name,
            "starts_at": occurrence.starts_at.isoformat(),
            "path": context["path"],
        },
    )
    return _mail(users, subject, body)


def send_due_reminders(
    now: dt.datetime | None = None, limit: int | None = None
) -> tuple[int, bool]:
    """Send reminders that are due, at most ``limit``; returns (sent, more_waiting).

    Each row is claimed by ``UPDATE ... SET sent_at WHERE sent_at IS NULL`` before it is
    mailed, so two workers never both send it (a crash after the claim loses that one
    reminder rather than sending it twice).
    """
    now, limit = now or timezone.now(), limit or BATCH_SIZE
    candidates = list(
        RitualReminder.objects.due(now)
        .select_related("unit", "occurrence__ritual__owner_unit")
        .order_by("due_at", "pk")[: limit + 1]
    )
    more, candidates = len(candidates) > limit, candidates[:limit]
    members = _members({r.unit_id for r in candidates})
    sent = 0
    for reminder in candidates:
        users = members.get(reminder.unit_id, [])
        mailed = sum(1 for user in users if user.email)
        claim = RitualReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True)
        if claim.update(sent_at=now, recipients=mailed) != 1:
            continue  # another worker got it first
        sent += 1
        try:
            deliver_reminder(reminder, users)
        except Exception:  # a mail outage must not unclaim (and later resend) the batch
            logger.exception("ritual reminder %s could not be mailed", reminder.pk)
    return sent, more


def flag_overdue_action_items(
    now: dt.datetime | None = None, limit: int | None = None
) -> tuple[int, bool]:
    """Flag open items past their due date (in the owning unit's zone) and tell each
    owner once; returns (flagged, more_waiting)."""
    now, limit = now or timezone.now(), limit or BATCH_SIZE
    ids = list(
        ActionItem.objects.overdue(now)
        .filter(overdue_since__isnull=True)
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)[: limit + 1]
    )
    more, ids = len(ids) > limit, ids[:limit]
    claimed = [
        pk
        for pk in ids
        if ActionItem.objects.filter(pk=pk, overdue_since__isnull=True).update(overdue_since=now)
        == 1
    ]
    items = ActionItem.objects.filter(pk__in=claimed).select_related(
        "assignee", "owner_unit", "occurrence__ritual"
    )
    for item in items:
        try:
            _notify_overdue(item)
        except Exception:
            logger.exception("overdue notice for action item %s could not be mailed", item.pk)
    return len(claimed), more


def _notify_overdue(item: ActionItem) -> None:
    unit = item.owner_unit
    with translation.override(_language_for(unit)), timezone.override(unit.timezone):
        subject = _("Overdue action item: %(title)s") % {"title": item.title}
        body = render_to_string(
            "governance/ritual_action_overdue_email.txt",
            {"item": item, "unit": unit, "path": occurrence_path(item.occurrence)},
        )
    _in_app(
        [item.assignee],
        unit,
        "action_item_overdue",
        {
            "title": subject,
            "due_on": item.due_on.isoformat(),
            "path": occurrence_path(item.occurrence),
        },
    )
    _mail([item.assignee], subject, body)


# --- minutes and action items -----------------------------------------------------------


def _check_not_cancelled(occurrence: RitualOccurrence, field_name: str) -> None:
    if occurrence.status == RitualOccurrence.Status.CANCELLED:
        raise ValidationError({field_name: _("This meeting was cancelled.")})


@transaction.atomic
def record_minutes(occurrence: RitualOccurrence, minutes: str, user) -> RitualOccurrence:
    """Replace the minutes of a meeting (participants write them together)."""
    occurrence = RitualOccurrence.objects.select_for_update().get(pk=occurrence.pk)
    _check_not_cancelled(occurrence, "minutes")
    occurrence.minutes = minutes
    occurrence.minutes_updated_at = timezone.now()
    occurrence.minutes_updated_by = user
    occurrence.save(update_fields=["minutes", "minutes_updated_at", "minutes_updated_by"])
    return occurrence


@transaction.atomic
def add_action_item(occurrence: RitualOccurrence, user, **fields: Any) -> ActionItem:
    """Record an action item agreed in a meeting; validated like every other write."""
    _check_not_cancelled(occurrence, "occurrence")
    item = ActionItem(occurrence=occurrence, created_by=user, **fields)
    item.full_clean()
    item.save()
    return item


def calendar_occurrences(queryset, start: dt.datetime, end: dt.datetime):
    """Occurrences in ``[start, end)`` for a calendar page (no N+1 on ritual or units)."""
    return (
        queryset.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("ritual__owner_unit")
        .annotate(
            open_items=Count("action_items", filter=Q(action_items__status="open"), distinct=True)
        )
        .order_by("starts_at", "pk")
    )


def upcoming_prefetch(limit: int = 5) -> Prefetch:
    """The next ``limit`` scheduled occurrences of each ritual, as ``ritual.upcoming``."""
    from django.db.models.functions import Now

    return Prefetch(
        "occurrences",
        queryset=RitualOccurrence.objects.filter(
            status=RitualOccurrence.Status.SCHEDULED, ends_at__gt=Now()
        ).order_by("starts_at")[:limit],
        to_attr="upcoming",
    )


def assignable_users(user, units: Iterable[int]):
    """Users the requester may name as owners: members of ``units`` whose membership the
    requester can see (a local team does not learn a sibling's staff)."""
    visible = Membership.objects.restrict(user, "view").filter(unit_id__in=list(units))
    return get_user_model().objects.filter(is_active=True, memberships__in=visible).distinct()


@transaction.atomic
def set_action_item_status(item: ActionItem, status: str) -> ActionItem:
    """Mark an action item done, cancelled or open again (completion time follows)."""
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    # Only the status is validated: closing an item must not fail because, say, its
    # owner has left the unit since.
    try:
        item.status = ActionItem._meta.get_field("status").clean(status, item)
    except ValidationError as exc:
        raise ValidationError({"status": exc.messages}) from None
    item.save()
    return item
