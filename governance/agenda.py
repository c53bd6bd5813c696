"""Ritual agendas built from live data through a registry of providers.

A provider is ``provider(occurrence) -> list[AgendaItem]``. Governance registers its own
(pending approvals, stale overrides, open action items) at start-up; apps above it (KPI
movements, new insights from analytics) call :func:`register` from their ``ready()`` —
governance never imports them.

The agenda is stored on the occurrence as a snapshot (refreshed by beat until the meeting
starts, then frozen as the record of what was on the table). Titles are stored as message
ids marked with ``gettext_noop`` and translated when displayed, so a snapshot built by a
worker in English reads in French for a French user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils.translation import gettext, gettext_noop

if TYPE_CHECKING:
    from governance.models import RitualOccurrence

logger = logging.getLogger(__name__)

#: How many objects an item lists by name; the count always covers them all.
MAX_ENTRIES = 10


@dataclass(frozen=True)
class AgendaItem:
    topic: str  # stable key of the provider's topic, e.g. "pending_approvals"
    title: str  # a message id (gettext_noop), translated when displayed
    count: int
    entries: list[dict[str, Any]] = field(default_factory=list)  # {"label", "unit", "ref"}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgendaItem:
        return cls(
            topic=str(data.get("topic", "")),
            title=str(data.get("title", "")),
            count=int(data.get("count", 0)),
            entries=list(data.get("entries", [])),
        )

    @property
    def display_title(self) -> str:
        return gettext(self.title)


Provider = Callable[["RitualOccurrence"], list[AgendaItem]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (idempotent; usable as a decorator). Order of registration is the
    order on the agenda."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def providers() -> list[Provider]:
    return list(_providers)


def build(occurrence: RitualOccurrence) -> list[AgendaItem]:
    """Run every provider. A failing provider is logged and skipped: one broken topic
    (e.g. an app whose tables are migrating) must not leave the meeting without agenda."""
    items: list[AgendaItem] = []
    for provider in providers():
        try:
            items.extend(provider(occurrence))
        except Exception:
            logger.exception("agenda provider %r failed for occurrence %s", provider, occurrence.pk)
    return items


def _entries(rows: Iterable[Any]) -> list[dict[str, Any]]:
    entries = []
    for row in rows:
        unit = getattr(row, "owner_unit", None)
        entries.append(
            {
                "label": str(row)[:200],
                "unit": getattr(unit, "code", ""),
                "ref": f"{row._meta.label_lower}:{row.pk}",
            }
        )
    return entries


def _item(topic: str, title: str, queryset) -> list[AgendaItem]:
    count = queryset.count()
    if not count:
        return []
    sample = queryset.select_related("owner_unit").order_by("pk")[:MAX_ENTRIES]
    return [AgendaItem(topic=topic, title=title, count=count, entries=_entries(sample))]


# --- built-in providers ---------------------------------------------------------------


def pending_approvals(occurrence: RitualOccurrence) -> list[AgendaItem]:
    """Approval requests still pending in the participating units."""
    try:
        ApprovalRequest = apps.get_model("governance", "ApprovalRequest")
    except LookupError:  # the approvals workflow is not installed in this build
        return []
    pending = ApprovalRequest.objects.filter(
        status="pending", owner_unit_id__in=occurrence.participant_unit_ids()
    )
    return _item("pending_approvals", gettext_noop("Pending approvals"), pending)


def stale_overrides(occurrence: RitualOccurrence) -> list[AgendaItem]:
    """Local adaptations whose source changed since, awaiting review in the participants."""
    try:
        from glocal import layering

        find = layering.stale_overrides
    except (ImportError, AttributeError):  # no layering engine in this build
        return []
    return _item(
        "stale_overrides",
        gettext_noop("Stale overrides to review"),
        find(occurrence.participant_unit_ids()),
    )


def open_action_items(occurrence: RitualOccurrence) -> list[AgendaItem]:
    """Open action items from earlier meetings of the same ritual (overdue ones first)."""
    from governance.models import ActionItem

    earlier = ActionItem.objects.open().filter(
        occurrence__ritual_id=occurrence.ritual_id,
        occurrence__starts_at__lt=occurrence.starts_at,
    )
    count = earlier.count()
    if not count:
        return []
    overdue_ids = set(earlier.overdue().values_list("pk", flat=True))
    sample = sorted(
        earlier.select_related("owner_unit", "assignee").order_by("due_on", "pk")[:MAX_ENTRIES],
        key=lambda a: (a.pk not in overdue_ids, a.due_on, a.pk),
    )
    entries = [
        {
            **entry,
            "owner": item.assignee.get_username(),
            "due_on": item.due_on.isoformat(),
            "overdue": item.pk in overdue_ids,
        }
        for entry, item in zip(_entries(sample), sample, strict=True)
    ]
    return [
        AgendaItem(
            topic="open_action_items",
            title=gettext_noop("Open action items from earlier meetings"),
            count=count,
            entries=entries,
        )
    ]


BUILTIN_PROVIDERS: tuple[Provider, ...] = (open_action_items, pending_approvals, stale_overrides)


def register_builtin_providers() -> None:
    for provider in BUILTIN_PROVIDERS:
        register(provider)
