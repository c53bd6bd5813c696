"""Coordination rituals in the isolation matrix: API, dashboard and admin routes.

The targets are a ritual organised by ``fr`` (France is its only participant), one of its
occurrences, an action item and a reminder — so the sibling and the other organisation
must not learn they exist, while France's region and the global root see them.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from governance import rituals
from governance.models import Ritual
from tests.isolation.outcomes import (
    BAD,
    CREATED,
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    UNAUTHENTICATED,
    Outcome,
)
from tests.isolation.routes import (
    ADMIN_404,
    ADMIN_LIST,
    ADMIN_READ,
    ALL_STAFF,
    API_DELETE,
    API_LIST,
    API_READ,
    PAGE_LIST,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
    everyone,
)

SEE_OTHER = Outcome("redirect", (303,))
NOT_ALLOWED = Outcome("method not allowed", (405,))
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
PAGE_WRITE = each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN)
API_PARTICIPATE = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED)
API_PARTICIPATE_CREATE = each(CREATED, NOT_FOUND, CREATED, CREATED, NOT_FOUND, UNAUTHENTICATED)
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)

RITUAL_NAME = "France: matrix ritual"


def extend_ctx(ctx) -> None:
    fr = ctx["fr"]
    today = timezone.localdate()
    ritual = Ritual(
        owner_unit=fr,
        name=RITUAL_NAME,
        recurrence="FREQ=WEEKLY",
        starts_on=today,
        time_of_day=dt.time(10, 0),
        reminder_days_before=0,
        participant_mode="chosen",
    )
    ritual.full_clean()
    ritual.save()
    rituals.schedule(ritual)
    occurrence = ritual.occurrences.order_by("starts_at").first()
    marketer = get_user_model().objects.get(username="fr-marketer")
    ctx["ritual"] = ritual
    ctx["ritual_occurrence"] = occurrence
    ctx["ritual_month"] = occurrence.local_start(fr.timezone).strftime("%Y-%m")
    ctx["ritual_reminder"] = occurrence.reminders.get(unit=fr)
    ctx["action_item"] = rituals.add_action_item(
        occurrence,
        marketer,
        title="France: matrix action",
        owner_unit=fr,
        assignee=marketer,
        due_on=today + dt.timedelta(days=7),
    )


def _ritual_payload(c) -> dict:
    return {
        "name": "For France",
        "owner_unit": c["fr"].pk,
        "recurrence": "FREQ=MONTHLY;BYDAY=+1TU",
        "starts_on": timezone.localdate().isoformat(),
        "time_of_day": "15:00",
    }


def _item_payload(c) -> dict:
    return {
        "title": "Follow up",
        "owner_unit": c["fr"].pk,
        "assignee": "fr-marketer",
        "due_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    }


RITUAL = "api/v1/^rituals/(?P<pk>[^/.]+)/$"
OCCURRENCE = "api/v1/^ritual-occurrences/(?P<pk>[^/.]+)/$"
ITEM = "api/v1/^action-items/(?P<pk>[^/.]+)/$"

API_PROBES = [
    Probe(
        "api/v1/^rituals/$",
        lambda c: "/api/v1/rituals/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["ritual"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^rituals/$",
        lambda c: "/api/v1/rituals/",
        each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=_ritual_payload,
        api=True,
        label="(organised by fr)",
    ),
    Probe(RITUAL, lambda c: f"/api/v1/rituals/{c['ritual'].pk}/", API_READ, api=True),
    Probe(
        RITUAL,
        lambda c: f"/api/v1/rituals/{c['ritual'].pk}/",
        API_READ,
        method="patch",
        data=lambda c: {"name": "Renamed"},
        api=True,
    ),
    Probe(
        RITUAL,
        lambda c: f"/api/v1/rituals/{c['ritual'].pk}/",
        API_DELETE,
        method="delete",
        api=True,
    ),
    Probe(
        "api/v1/^ritual-occurrences/$",
        lambda c: "/api/v1/ritual-occurrences/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["ritual_occurrence"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^ritual-occurrences/$",
        lambda c: "/api/v1/ritual-occurrences/",
        everyone(NOT_ALLOWED, UNAUTHENTICATED),  # occurrences come from the schedule
        method="post",
        data=lambda c: {"ritual": c["ritual"].pk},
        api=True,
    ),
    Probe(
        OCCURRENCE,
        lambda c: f"/api/v1/ritual-occurrences/{c['ritual_occurrence'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        OCCURRENCE,
        lambda c: f"/api/v1/ritual-occurrences/{c['ritual_occurrence'].pk}/",
        API_READ,
        method="patch",
        data=lambda c: {"status": "cancelled"},
        api=True,
    ),
    Probe(
        "api/v1/^ritual-occurrences/(?P<pk>[^/.]+)/minutes/$",
        lambda c: f"/api/v1/ritual-occurrences/{c['ritual_occurrence'].pk}/minutes/",
        API_PARTICIPATE,
        method="post",
        data=lambda c: {"minutes": "Discussed the shortlist."},
        api=True,
    ),
    Probe(
        "api/v1/^ritual-occurrences/(?P<pk>[^/.]+)/action-items/$",
        lambda c: f"/api/v1/ritual-occurrences/{c['ritual_occurrence'].pk}/action-items/",
        API_PARTICIPATE_CREATE,
        method="post",
        data=_item_payload,
        api=True,
    ),
    Probe(
        "api/v1/^action-items/$",
        lambda c: "/api/v1/action-items/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["action_item"].pk},',
        api=True,
    ),
    Probe(ITEM, lambda c: f"/api/v1/action-items/{c['action_item'].pk}/", API_READ, api=True),
    Probe(
        ITEM,
        lambda c: f"/api/v1/action-items/{c['action_item'].pk}/",
        API_READ,
        method="patch",
        data=lambda c: {"status": "done"},
        api=True,
    ),
    Probe(
        ITEM,
        lambda c: f"/api/v1/action-items/{c['action_item'].pk}/",
        API_DELETE,
        method="delete",
        api=True,
    ),
]

OCCURRENCE_PAGE = "governance/rituals/occurrences/<int:pk>/"

PAGE_PROBES = [
    Probe(
        "governance/rituals/",
        lambda c: f"/governance/rituals/?month={c['ritual_month']}",
        PAGE_LIST,
        marker=lambda c: RITUAL_NAME,
    ),
    Probe(
        OCCURRENCE_PAGE,
        lambda c: f"/governance/rituals/occurrences/{c['ritual_occurrence'].pk}/",
        PAGE_DETAIL,
    ),
    Probe(
        OCCURRENCE_PAGE,
        lambda c: f"/governance/rituals/occurrences/{c['ritual_occurrence'].pk}/",
        PAGE_WRITE,
        method="post",
        data=lambda c: {"form": "minutes", "minutes": "Agreed next steps."},
        label="(minutes)",
    ),
]

ADMIN_PROBES = [
    *admin_model_probes(
        "governance/ritual",
        "ritual",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "governance/ritualoccurrence",
        "ritual_occurrence",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,  # occurrences come from the schedule
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "governance/actionitem",
        "action_item",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "governance/ritualreminder",
        "ritual_reminder",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
]

PROBES = API_PROBES + PAGE_PROBES + ADMIN_PROBES
