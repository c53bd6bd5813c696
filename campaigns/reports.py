"""Read-side figures for the dashboard: live progress, skip reasons, dead letters.

Only reads; callers authorise the campaign (``restrict``) before asking. Counts are
grouped in the database (one query each), never computed by loading touches.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, QuerySet

from campaigns import services
from campaigns.models import Campaign, Touch, TouchStatus
from campaigns.models.campaigns import FINISHED, CampaignStatus

#: touches a user should look at: gave up, or failed and waiting for another attempt
DEAD_LETTERS = (TouchStatus.DEAD, TouchStatus.FAILED)
#: states in which the campaign page keeps refreshing its figures
MOVING = (
    CampaignStatus.PENDING_APPROVAL,
    CampaignStatus.APPROVED,
    CampaignStatus.PLANNING,
    CampaignStatus.RUNNING,
    CampaignStatus.PAUSED,
)


def skipped_reasons(campaign: Campaign) -> list[dict[str, Any]]:
    """Skipped touches grouped by reason code: how many, and one message as an example."""
    rows = (
        Touch.objects.unrestricted()
        .filter(campaign_id=campaign.pk, status=TouchStatus.SKIPPED)
        .values("reason_code")
        .annotate(count=Count("pk"), example=Min("reason"))
        .order_by("-count", "reason_code")
    )
    return [
        {"code": row["reason_code"] or "-", "count": row["count"], "example": row["example"]}
        for row in rows
    ]


def live_progress(campaign: Campaign) -> dict[str, Any]:
    """What the campaign page shows and refreshes: state, planning and touch counts."""
    figures = services.progress(campaign)
    total = figures["accounts_total"]
    return {
        "id": campaign.pk,
        "status": campaign.status,
        "status_label": str(campaign.get_status_display()),
        "finished": campaign.status in FINISHED,
        "refresh": campaign.status in MOVING,
        "accounts_planned": figures["accounts_planned"],
        "accounts_total": total,
        "percent": round(100 * figures["accounts_planned"] / total) if total else 0,
        "planning_done": figures["planning_done"],
        "done_percent": figures["percent"],
        "touches": figures["touches"],
        "touches_total": sum(figures["touches"].values()),
        "skipped_reasons": skipped_reasons(campaign),
    }


def dead_letters(user: Any) -> QuerySet[Touch]:
    """Touches that gave up or wait for a retry, in campaigns ``user`` can see."""
    return (
        Touch.objects.restrict(user, "view")
        .filter(
            status__in=DEAD_LETTERS,
            campaign__in=Campaign.objects.restrict(user, "view").values("pk"),
        )
        .select_related("campaign", "owner_unit", "account", "contact")
        .order_by("-updated_at", "-pk")
    )
