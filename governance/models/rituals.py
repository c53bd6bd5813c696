"""Coordination rituals: recurring meetings between tiers, their occurrences and follow-up.

* a :class:`Ritual` is organised by one unit (``owner_unit``) and recurs by an RFC 5545
  rule evaluated in the organiser's time zone;
* :class:`RitualOccurrence` rows are created ahead by beat (``governance.rituals``), one per
  ritual and start instant, each with an agenda snapshot built from live data;
* :class:`RitualReminder` rows are the reminder work queue: one per occurrence and
  participant unit, due at a local time of *that* unit;
* :class:`ActionItem` rows come out of the minutes, with an owner, a unit and a due date.

Participants see a ritual even when it is organised above them (the tree rule alone would
hide an ancestor's rows): visibility is "organiser in my subtree, or one of the participant
units in my subtree" — never a sibling's ritual they do not take part in.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil import rrule
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from glocal.tenancy import (
    DEFAULT_ACTION_ROLES,
    RestrictedQuerySet,
    Role,
    Scope,
    TenantOwnedModel,
    TenantQuerySet,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

#: "participate": write minutes and action items of an occurrence one takes part in.
RITUAL_ACTION_ROLES = {**DEFAULT_ACTION_ROLES, "participate": Role.MARKETER}
#: Actions that participants (not only the organiser's subtree) may perform.
PARTICIPANT_ACTIONS = {"view", "participate"}

#: Sub-daily rules would flood the calendar and the reminder queue.
ALLOWED_FREQUENCIES = {rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY}


def local_datetime(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """``day`` at wall-clock ``at`` in ``tz``, as an aware UTC datetime.

    A wall time that does not exist (spring-forward gap) moves forward by the gap, as a
    clock would; an ambiguous one (fall-back) is its first occurrence (``fold=0``).
    """
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


_UTC_UNTIL = re.compile(r"(UNTIL=\d{8}(?:T\d{6})?)Z", re.IGNORECASE)


def parse_recurrence(value: str, dtstart: dt.datetime) -> rrule.rrule:
    """The rule of an RRULE body, anchored at a naive local ``dtstart``.

    ``UNTIL`` is read as a wall time of the organiser (a trailing ``Z`` is dropped) because
    the rule is evaluated in local time.
    """
    body = (value or "").strip()
    body = body[len("RRULE:") :] if body.upper().startswith("RRULE:") else body
    return rrule.rrulestr(_UTC_UNTIL.sub(r"\1", body), dtstart=dtstart)


def check_recurrence(value: str) -> rrule.rrule:
    """Validate an RRULE body (``FREQ=WEEKLY;BYDAY=MO``); raises ValidationError saying why."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Enter a recurrence rule such as FREQ=WEEKLY;BYDAY=MO."))
    if "DTSTART" in text.upper() or "\n" in text:
        raise ValidationError(
            _("Give only the rule (FREQ=...); the first date is the ritual's first date.")
        )
    names = {part.partition("=")[0].strip().upper() for part in text.split(";")}
    if {"COUNT", "UNTIL"} <= names:
        raise ValidationError(_("Use COUNT or UNTIL, not both."))
    try:
        rule = parse_recurrence(text, dt.datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            _("Invalid recurrence rule: %(error)s"), params={"error": str(exc)}
        ) from None
    if not isinstance(rule, rrule.rrule) or rule._freq not in ALLOWED_FREQUENCIES:
        raise ValidationError(_("A ritual recurs at most daily (FREQ=DAILY, WEEKLY, MONTHLY…)."))
    # dateutil walks to year 9999 looking for a rule that never matches (e.g. 30 February):
    # probe from year 9992 (a leap year) so that an impossible rule fails fast, here.
    probe_start = dt.datetime(9992, 1, 1)
    probe = rule.replace(dtstart=probe_start, until=None, count=None)
    if probe.after(probe_start, inc=True) is None:
        raise ValidationError(_("This rule never matches a date (e.g. 30 February)."))
    return rule


class RitualQuerySet(TenantQuerySet):
    """Rituals: the organiser's subtree, plus the units taking part, for viewing and
    participating; only the organiser's subtree may change the ritual itself."""

    action_roles = RITUAL_ACTION_ROLES

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        q = super().scope_filter(scope, action, user)
        if action in PARTICIPANT_ACTIONS:
            q |= Q(participant_units__in=scope.down)
        return q

    def active(self) -> RitualQuerySet:
        return self.filter(is_active=True, owner_unit__is_active=True)


class Ritual(TenantOwnedModel):
    """A recurring coordination meeting organised by ``owner_unit``."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("Global ↔ regional review")
        SYNC = "sync", _("Regional ↔ local sync")
        WORKSHOP = "workshop", _("All-tier workshop")
        OTHER = "other", _("Other")

    class Participants(models.TextChoices):
        CHILDREN = "children", _("The organiser and its child units")
        SUBTREE = "subtree", _("The organiser and every unit below it")
        CHOSEN = "chosen", _("The organiser and chosen units")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("description"), blank=True)
    recurrence = models.CharField(
        _("recurrence rule"),
        max_length=300,
        help_text=_("An RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO or FREQ=MONTHLY;BYDAY=+1TU."),
    )
    starts_on = models.DateField(_("first date"))
    time_of_day = models.TimeField(_("time of day (organiser's time zone)"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    participant_mode = models.CharField(
        _("participants"), max_length=10, choices=Participants.choices, default="children"
    )
    participant_units = models.ManyToManyField(
        "glocal.OrgUnit", blank=True, related_name="+", verbose_name=_("participant units")
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder days before"), default=1, validators=[MaxValueValidator(14)]
    )
    reminder_time = models.TimeField(
        _("reminder time (each participant's time zone)"), default=dt.time(9, 0)
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RitualQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("ritual")
        verbose_name_plural = _("rituals")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.recurrence:
            try:
                check_recurrence(self.recurrence)
            except ValidationError as exc:
                raise ValidationError({"recurrence": exc.messages}) from None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.owner_unit.timezone)

    def rule(self) -> rrule.rrule:
        return parse_recurrence(
            self.recurrence, dt.datetime.combine(self.starts_on, self.time_of_day)
        )

    def starts_between(self, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        """Start instants (UTC) in ``[start, end)``, at ``time_of_day`` in the organiser's
        zone — so a 10:00 Paris meeting stays at 10:00 across daylight-saving changes."""
        tz = self.tz
        # One day of slack each side: local wall times are compared, UTC is filtered below.
        after = start.astimezone(tz).replace(tzinfo=None) - dt.timedelta(days=1)
        before = end.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=1)
        found = []
        for local in self.rule().between(after, before, inc=True):
            instant = local_datetime(local.date(), local.time(), tz)
            if start <= instant < end:
                found.append(instant)
        return sorted(set(found))

    def derived_participant_ids(
        self, units: list[dict[str, Any]], mode: str | None = None
    ) -> set[int] | None:
        """Participants implied by ``mode`` (default: the ritual's), from ``units`` (id,
        parent_id, is_active of the organisation); ``None`` when they are chosen by hand."""
        mode = mode or self.participant_mode
        if mode == self.Participants.CHOSEN:
            return None
        children: dict[int | None, list[int]] = {}
        active = {u["id"] for u in units if u["is_active"]}
        for unit in units:
            children.setdefault(unit["parent_id"], []).append(unit["id"])
        found = {self.owner_unit_id}
        frontier = [self.owner_unit_id]
        while frontier:
            below = [c for p in frontier for c in children.get(p, ()) if c in active]
            found.update(below)
            frontier = below if mode == self.Participants.SUBTREE else []
        return found

    def check_participants(self, units) -> None:
        """Chosen participants must be the organiser's own units: itself or below it."""
        if self.owner_unit_id is None:
            return
        from glocal.models import OrgUnit

        tree = list(
            OrgUnit.objects.filter(organization_id=self.owner_unit.organization_id).values(
                "id", "parent_id", "is_active"
            )
        )
        allowed = self.derived_participant_ids(tree, self.Participants.SUBTREE)
        outside = [u for u in units if u.pk not in allowed]
        if outside:
            raise ValidationError(
                {
                    "participant_units": _(
                        "Participants must be %(organiser)s or active units below it, "
                        "not %(units)s."
                    )
                    % {
                        "organiser": self.owner_unit.name,
                        "units": ", ".join(u.name for u in outside),
                    }
                }
            )


class RitualOccurrenceQuerySet(RestrictedQuerySet):
    """Occurrences follow their ritual: participants view and participate; the
    organiser's subtree changes them (e.g. cancels one)."""

    action_roles = RITUAL_ACTION_ROLES
    organization_lookup = "ritual__owner_unit__organization_id"

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        q = Q(ritual__owner_unit_id__in=scope.down)
        if action in PARTICIPANT_ACTIONS:
            q |= Q(ritual__participant_units__in=scope.down)
        return q

    def upcoming(self, now: dt.datetime | None = None) -> RitualOccurrenceQuerySet:
        return self.filter(
            status=RitualOccurrence.Status.SCHEDULED, ends_at__gt=now or timezone.now()
        )


class RitualOccurrence(models.Model):
    """One meeting of a ritual; created ahead, idempotently (one per ritual and start)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    ritual = models.ForeignKey(
        Ritual, on_delete=models.CASCADE, related_name="occurrences", verbose_name=_("ritual")
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    agenda = models.JSONField(_("agenda"), default=list, blank=True)
    agenda_updated_at = models.DateTimeField(_("agenda updated at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_updated_at = models.DateTimeField(_("minutes updated at"), null=True, blank=True)
    minutes_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes updated by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RitualOccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("ritual occurrence")
        verbose_name_plural = _("ritual occurrences")
        constraints = [
            models.UniqueConstraint(
                fields=["ritual", "starts_at"], name="ritual_occurrence_unique_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ritual} — {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    def local_start(self, tz_name: str) -> dt.datetime:
        return self.starts_at.astimezone(ZoneInfo(tz_name))

    def participant_unit_ids(self) -> list[int]:
        """The ritual's participant units (memoised; uses a prefetch when there is one)."""
        cached = self.__dict__.get("_participant_ids")
        if cached is None:
            cached = sorted(unit.pk for unit in self.ritual.participant_units.all())
            self.__dict__["_participant_ids"] = cached
        return cached


class RitualReminderQuerySet(RestrictedQuerySet):
    """A reminder is the business of the unit it reminds (and the units above it)."""

    organization_lookup = "unit__organization_id"

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        return Q(unit_id__in=scope.down)

    def due(self, now: dt.datetime) -> RitualReminderQuerySet:
        """Unsent reminders whose time has come, for meetings that still lie ahead."""
        return self.filter(
            sent_at__isnull=True,
            due_at__lte=now,
            occurrence__starts_at__gt=now,
            occurrence__status=RitualOccurrence.Status.SCHEDULED,
            unit__is_active=True,
        )


class RitualReminder(models.Model):
    """The reminder of one occurrence for one participant unit, at that unit's local time.

    A row is claimed by setting ``sent_at`` with a conditional UPDATE, so it is sent at most
    once even when two workers or two beats race.
    """

    occurrence = models.ForeignKey(
        RitualOccurrence,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("occurrence"),
    )
    unit = models.ForeignKey(
        "glocal.OrgUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    due_at = models.DateTimeField(_("due at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    objects = RitualReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("ritual reminder")
        verbose_name_plural = _("ritual reminders")
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "unit"], name="ritual_reminder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.occurrence} → {self.unit_id}"

    @staticmethod
    def due_for(occurrence: RitualOccurrence, ritual: Ritual, tz_name: str) -> dt.datetime:
        """``reminder_time`` on the local day ``reminder_days_before`` the meeting, in the
        participant's zone (a 09:00 reminder is 09:00 in Tokyo and in New York)."""
        tz = ZoneInfo(tz_name)
        local_day = occurrence.starts_at.astimezone(tz).date()
        due = local_datetime(
            local_day - dt.timedelta(days=ritual.reminder_days_before), ritual.reminder_time, tz
        )
        # A same-day reminder set after the meeting's start would never be useful.
        return min(due, occurrence.starts_at - dt.timedelta(minutes=15))


class ActionItemQuerySet(TenantQuerySet):
    """Action items: the owning unit's subtree, and the participants of the meeting that
    agreed them (minutes are shared by everyone in the room)."""

    action_roles = RITUAL_ACTION_ROLES

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        return (
            super().scope_filter(scope, action, user)
            | Q(occurrence__ritual__owner_unit_id__in=scope.down)
            | Q(occurrence__ritual__participant_units__in=scope.down)
        )

    def open(self) -> ActionItemQuerySet:
        return self.filter(status=ActionItem.Status.OPEN)

    def overdue(self, now: dt.datetime | None = None) -> ActionItemQuerySet:
        """Open items whose due date has passed in the owning unit's time zone."""
        from glocal.models import OrgUnit

        now = now or timezone.now()
        zones = set(OrgUnit.objects.values_list("timezone", flat=True).distinct())
        if not zones:
            return self.none()
        past_due = reduce(
            or_,
            (
                Q(owner_unit__timezone=zone, due_on__lt=now.astimezone(ZoneInfo(zone)).date())
                for zone in sorted(zones)
            ),
        )
        return self.open().filter(past_due)


class ActionItem(TenantOwnedModel):
    """A follow-up agreed in a meeting: what, who (``assignee``), which unit, by when."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("action item status", "Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    occurrence = models.ForeignKey(
        RitualOccurrence,
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("meeting"),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    overdue_since = models.DateTimeField(
        _("flagged overdue at"),
        null=True,
        blank=True,
        help_text=_("Set once by the overdue check, which notifies the owner."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        if self.status != self.Status.OPEN or not self.owner_unit_id or not self.due_on:
            return False
        today = (now or timezone.now()).astimezone(ZoneInfo(self.owner_unit.timezone)).date()
        return self.due_on < today

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.occurrence_id and self.owner_unit_id:
            participants = set(self.occurrence.participant_unit_ids())
            participants.add(self.occurrence.ritual.owner_unit_id)
            if self.owner_unit_id not in participants:
                errors["owner_unit"] = _("The owning unit must take part in %(ritual)s.") % {
                    "ritual": self.occurrence.ritual.name
                }
        if self.assignee_id and self.owner_unit_id:
            from glocal.models import Membership

            member = Membership.objects.filter(
                user_id=self.assignee_id, unit_id=self.owner_unit_id
            ).exists()
            if not member:
                errors["assignee"] = _("The owner must be a member of %(unit)s.") % {
                    "unit": self.owner_unit.name
                }
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        # Completing an item or moving its due date clears the overdue flag, so a new
        # lapse notifies the owner again.
        if self.status != self.Status.OPEN:
            self.completed_at = self.completed_at or timezone.now()
        else:
            self.completed_at = None
        if self.overdue_since is not None and not self.is_overdue():
            self.overdue_since = None
        super().save(*args, **kwargs)
