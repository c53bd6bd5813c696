"""The ritual-agenda topic of analytics: insights of the ritual's subtree to discuss.

Registered with ``governance.agenda`` at start-up (governance never imports analytics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_noop

from analytics.models import Insight, InsightStatus
from governance.agenda import MAX_ENTRIES, AgendaItem

if TYPE_CHECKING:
    from governance.models import RitualOccurrence


def _since(occurrence: RitualOccurrence):
    """Start of the previous held meeting of the same ritual (None: the first one)."""
    from governance.models import RitualOccurrence

    previous = (
        RitualOccurrence.objects.filter(
            ritual_id=occurrence.ritual_id, starts_at__lt=occurrence.starts_at
        )
        .exclude(status=RitualOccurrence.Status.CANCELLED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return previous


def new_insights(occurrence: RitualOccurrence) -> list[AgendaItem]:
    """Insights endorsed in the organiser's subtree since the last meeting, and the
    organiser's own new ones: what the teams below have learnt, for the meeting to act on.

    A ritual gathers sibling teams (a regional sync), so a team's raw feedback waits
    for its region's endorsement before it is shown to the others: siblings never see
    each other's data unless it is shared. Until then it sits in the curators' feed.
    """
    unit_id = occurrence.ritual.owner_unit_id
    # The subtree as joins (the tree is at most three deep), not a query per level: the
    # scheduler builds many agendas in one go and its cost must not grow with the tree.
    in_subtree = (
        Q(owner_unit_id=unit_id)
        | Q(owner_unit__parent_id=unit_id)
        | Q(owner_unit__parent__parent_id=unit_id)
    )
    insights = Insight.objects.unrestricted().filter(
        in_subtree,
        Q(status=InsightStatus.ENDORSED) | Q(status=InsightStatus.SUBMITTED, owner_unit_id=unit_id),
        created_at__lt=occurrence.starts_at,
    )
    since = _since(occurrence)
    if since is not None:
        insights = insights.filter(Q(created_at__gte=since) | Q(endorsed_at__gte=since))
    count = insights.count()
    if not count:
        return []
    sample = insights.select_related("owner_unit").order_by("status", "created_at", "pk")
    entries = [
        {
            "label": str(insight)[:200],
            "unit": insight.owner_unit.code,
            "ref": f"{insight._meta.label_lower}:{insight.pk}",
            "status": insight.status,
            "sentiment": insight.sentiment,
            "tags": insight.tags,
        }
        for insight in sample[:MAX_ENTRIES]
    ]
    return [
        AgendaItem(
            topic="new_insights",
            title=gettext_noop("Endorsed insights from the field"),
            count=count,
            entries=entries,
        )
    ]
