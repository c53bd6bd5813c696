"""Dashboard: playbooks I can see (mine, those below me, and those published above me).

The detail page shows each layered field's effective value and the layer it comes from
(this playbook, or the regional/global playbook it adapts), who may override it, and
the steps with their channel, content, delay and condition.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.models import Channel
from campaigns.forms import is_local, unit_path
from campaigns.models import Campaign, Condition, Playbook, PlaybookStatus
from content.models import Asset
from glocal.layering.overview import field_overview
from glocal.models import OrgUnit

PER_PAGE = 50
CAMPAIGNS_SHOWN = 20


def visible_playbooks(user: Any):
    return Playbook.objects.restrict(user, "view").select_related("owner_unit", "parent")


def content_titles(user: Any, families: set[str]) -> dict[str, Asset]:
    """The core asset of each content family the user can see, by family key."""
    cores = Asset.objects.restrict(user, "view").filter(
        family__in=families, parent__isnull=True, translation_of__isnull=True
    )
    return {str(asset.family): asset for asset in cores}


@login_required
def playbook_list(request: HttpRequest) -> HttpResponse:
    playbooks = visible_playbooks(request.user)
    status = request.GET.get("status", "")
    if status in PlaybookStatus.values:
        playbooks = playbooks.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        playbooks = playbooks.filter(Q(name__icontains=query) | Q(description__icontains=query))
    page = Paginator(playbooks.order_by("name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    for playbook in page.object_list:
        playbook.channel_labels = sorted(
            {str(Channel(s["channel"]).label) for s in playbook.steps if "channel" in s}
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "campaigns/playbook_list.html",
        {
            "page": page,
            "query": params.urlencode(),
            "status": status,
            "q": query,
            "statuses": PlaybookStatus.choices,
            "subnav": "playbooks",
        },
    )


@login_required
def playbook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    playbook = get_object_or_404(
        visible_playbooks(request.user).select_related(
            "parent__owner_unit", "parent__parent__owner_unit"
        ),
        pk=pk,
    )
    chain = {playbook.owner_unit.code: playbook.owner_unit.name}
    node = playbook.parent
    while node is not None:
        chain[node.owner_unit.code] = node.owner_unit.name
        node = node.parent
    fields = [
        {**row, "inherited_from_name": chain.get(row["inherited_from"], row["inherited_from"])}
        for row in field_overview(playbook)
    ]
    titles = content_titles(request.user, {str(s.get("content")) for s in playbook.steps})
    steps, day = [], 0
    for index, step in enumerate(playbook.steps):
        day += step.get("delay_days", 0)
        steps.append(
            {
                "number": index + 1,
                "channel": Channel(step["channel"]).label,
                "content": titles.get(str(step.get("content"))),
                "content_key": step.get("content"),
                "delay_days": step.get("delay_days", 0),
                "day": day,
                "condition": Condition(step.get("condition", Condition.ALWAYS)).label,
            }
        )
    unit = getattr(request, "unit", None)
    unit = OrgUnit.objects.select_related("parent__parent").get(pk=unit.pk) if unit else None
    can_build = (
        is_local(unit)
        and playbook.status == PlaybookStatus.PUBLISHED
        and playbook.owner_unit_id in unit_path(unit)
        and OrgUnit.objects.restrict(request.user, "own").filter(pk=unit.pk).exists()
    )
    campaigns = (
        Campaign.objects.restrict(request.user, "view")
        .filter(playbook=playbook)
        .select_related("owner_unit")
        .order_by("-created_at")
    )
    return render(
        request,
        "campaigns/playbook_detail.html",
        {
            "playbook": playbook,
            "fields": fields,
            "steps": steps,
            "kpis": sorted(playbook.kpis.items()) if isinstance(playbook.kpis, dict) else [],
            "adaptations": visible_playbooks(request.user)
            .filter(parent=playbook)
            .order_by("owner_unit__name"),
            "campaigns": campaigns[:CAMPAIGNS_SHOWN],
            "can_build": can_build,
            "unit": unit,
            "subnav": "playbooks",
        },
    )
