"""Dashboard of coordination rituals: a month calendar and each meeting's page (agenda,
minutes and action items, editable by participants)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import rituals
from governance.agenda import AgendaItem
from governance.forms_rituals import ActionItemForm, ActionItemStatusForm, MinutesForm
from governance.models import ActionItem, Ritual, RitualOccurrence


def _viewer_zone(request: HttpRequest) -> str:
    """Times are shown in the zone of the unit the user acts for."""
    unit = getattr(request, "unit", None)
    return unit.timezone if unit is not None else "UTC"


def _month(value: str | None, today: dt.date) -> dt.date:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)


@login_required
def ritual_calendar(request: HttpRequest) -> HttpResponse:
    """Occurrences of the rituals I organise or take part in, one month at a time."""
    zone = _viewer_zone(request)
    tz = ZoneInfo(zone)
    first = _month(request.GET.get("month"), timezone.now().astimezone(tz).date())
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(following, dt.time(), tzinfo=tz)
    occurrences = rituals.calendar_occurrences(
        RitualOccurrence.objects.restrict(request.user, "view"), start, end
    )
    by_day: dict[dt.date, list[RitualOccurrence]] = defaultdict(list)
    for occurrence in occurrences:
        by_day[occurrence.starts_at.astimezone(tz).date()].append(occurrence)
    weeks = [
        [
            {"date": day, "in_month": day.month == first.month, "items": by_day.get(day, [])}
            for day in week
        ]
        for week in calendar.Calendar().monthdatescalendar(first.year, first.month)
    ]
    my_items = (
        ActionItem.objects.restrict(request.user, "view")
        .open()
        .filter(assignee=request.user)
        .select_related("owner_unit", "occurrence__ritual")
    )
    context = {
        "zone": zone,
        "month": first,
        "previous": (first - dt.timedelta(days=1)).replace(day=1),
        "next": following,
        "weekdays": [cell["date"] for cell in weeks[0]],
        "weeks": weeks,
        "rituals": Ritual.objects.restrict(request.user, "view")
        .filter(is_active=True)
        .select_related("owner_unit"),
        "my_items": my_items,
    }
    return render(request, "governance/ritual_calendar.html", context)


def _occurrence_page(request, occurrence, can_participate, status=200, **forms) -> HttpResponse:
    items = list(occurrence.action_items.all())
    context = {
        "zone": _viewer_zone(request),
        "occurrence": occurrence,
        "ritual": occurrence.ritual,
        "agenda": [AgendaItem.from_dict(item) for item in occurrence.agenda],
        "items": [(item, item.is_overdue()) for item in items],
        "can_participate": can_participate,
        "minutes_form": forms.get("minutes_form")
        or MinutesForm(initial={"minutes": occurrence.minutes}),
        "item_form": forms.get("item_form")
        or (ActionItemForm(occurrence=occurrence, user=request.user) if can_participate else None),
        "statuses": ActionItem.Status.choices,
    }
    return render(request, "governance/ritual_occurrence.html", context, status=status)


@login_required
def ritual_occurrence(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting: agenda from live data, minutes and action items (participants edit)."""
    visible = RitualOccurrence.objects.restrict(request.user, "view").select_related(
        "ritual__owner_unit", "minutes_updated_by"
    )
    occurrence = get_object_or_404(
        visible.prefetch_related(
            "ritual__participant_units",
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner_unit", "assignee"),
            ),
        ),
        pk=pk,
    )
    can_participate = (
        RitualOccurrence.objects.restrict(request.user, "participate").filter(pk=pk).exists()
    )
    if request.method != "POST":
        return _occurrence_page(request, occurrence, can_participate)
    if not can_participate:
        raise PermissionDenied
    here = reverse("governance:ritual-occurrence", args=[occurrence.pk])
    form_name = request.POST.get("form")
    try:
        if form_name == "action-item":
            form = ActionItemForm(request.POST, occurrence=occurrence, user=request.user)
            if not form.is_valid():
                return _occurrence_page(request, occurrence, True, 400, item_form=form)
            rituals.add_action_item(occurrence, request.user, **form.cleaned_data)
            messages.success(request, _("Action item added."))
        elif form_name == "item-status":
            form = ActionItemStatusForm(request.POST)
            if not form.is_valid():
                return _occurrence_page(request, occurrence, True, 400)
            item = get_object_or_404(
                ActionItem.objects.restrict(request.user, "change").filter(occurrence=occurrence),
                pk=form.cleaned_data["item"],
            )
            rituals.set_action_item_status(item, form.cleaned_data["status"])
            messages.success(request, _("Action item updated."))
        else:
            form = MinutesForm(request.POST)
            if not form.is_valid():
                return _occurrence_page(request, occurrence, True, 400, minutes_form=form)
            rituals.record_minutes(occurrence, form.cleaned_data["minutes"], request.user)
            messages.success(request, _("Minutes saved."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return HttpResponseRedirect(here, status=303)
