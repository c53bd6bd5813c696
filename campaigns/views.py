"""Dashboard: campaign list, campaign page (actions, live progress, touches).

Lookups go through ``restrict``: a campaign outside the user's scope is a 404, one they
see but may not change a 403 on the write route. Launch, pause, resume and cancel call
the services and report their refusals as messages. Contacts on touch rows are shown
by id, with their name masked where the residency zone forbids it (PIPL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import privacy
from accounts.models import Account, Channel
from campaigns import reports, services
from campaigns.launch import LAUNCH_CAMPAIGN, LAUNCHABLE, launch_campaign
from campaigns.models import Campaign, CampaignStatus, Condition, Touch, TouchStatus
from campaigns.models.campaigns import FINISHED, LIVE
from governance.api.approvals import explicit_unit
from governance.models import ApprovalRequest

PER_PAGE = 50
#: touches listed on the campaign page (the status filter narrows them)
TOUCHES_SHOWN = 50


def visible_campaigns(user: Any, action: str = "view"):
    return Campaign.objects.restrict(user, action).select_related("owner_unit", "playbook")


def access_campaign(request: HttpRequest, pk: int) -> Campaign:
    """The campaign if the user may see it, else 404."""
    return get_object_or_404(visible_campaigns(request.user), pk=pk)


def may_change(user: Any, campaign: Campaign) -> bool:
    return Campaign.objects.restrict(user, "change").filter(pk=campaign.pk).exists()


def report(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    """A service's refusal as error messages (each sentence names the rule)."""
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("You may not do this."))
    elif hasattr(exc, "error_dict"):
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        for problem in exc.messages:
            messages.error(request, problem)


def attempt(request: HttpRequest, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The service's result, or None after reporting its refusal."""
    try:
        return call(*args, **kwargs)
    except (ValidationError, PermissionDenied) as exc:
        report(request, exc)
        return None


def protect_contacts(user: Any, touches: list[Touch]) -> list[Touch]:
    """Mask the personal data of contacts outside the reader's residency zone, and the
    provider's error text with it (it may quote an address)."""
    contacts = privacy.protect(user, [t.contact for t in touches])
    masked = {c.pk for c in contacts if getattr(c, "personal_data_masked", False)}
    for touch in touches:
        touch.contact_masked = touch.contact_id in masked
        if touch.contact_masked and touch.last_error:
            touch.last_error = privacy.MASK
    return touches


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Campaigns of my units (and below), newest first, optionally by status."""
    campaigns = visible_campaigns(request.user)
    status = request.GET.get("status", "")
    if status in CampaignStatus.values:
        campaigns = campaigns.filter(status=status)
    page = Paginator(campaigns.order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "statuses": CampaignStatus.choices,
            "subnav": "campaigns",
        },
    )


def pending_launch(user: Any, campaign: Campaign) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.restrict(user, "view")
        .filter(
            action_type=LAUNCH_CAMPAIGN,
            target_id=str(campaign.pk),
            status=ApprovalRequest.Status.PENDING,
        )
        .select_related("owner_unit")
        .first()
    )


def available_actions(campaign: Campaign) -> list[str]:
    """The buttons the campaign's state allows (the services decide again on POST)."""
    actions = []
    if campaign.status in LAUNCHABLE:
        actions.append("launch")
    if campaign.status in LIVE:
        actions.append("pause")
    if campaign.status == CampaignStatus.PAUSED:
        actions.append("resume")
    if campaign.status not in FINISHED:
        actions.append("cancel")
    return actions


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """State, steps, accounts, actions, live progress and the campaign's touches."""
    campaign = access_campaign(request, pk)
    changeable = may_change(request.user, campaign)
    touch_status = request.GET.get("touches", "")
    touches = (
        Touch.objects.restrict(request.user, "view")
        .filter(campaign=campaign)
        .select_related("account", "contact")
        .order_by("scheduled_at", "pk")
    )
    if touch_status in TouchStatus.values:
        touches = touches.filter(status=touch_status)
    shown = protect_contacts(request.user, list(touches[:TOUCHES_SHOWN]))
    accounts = Account.objects.restrict(request.user, "view").filter(campaigns=campaign)
    accounts = accounts.order_by("name")
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "steps": [
                {
                    **step,
                    "number": step["index"] + 1,
                    "channel_label": Channel(step["channel"]).label,
                    "condition_label": Condition(step["condition"]).label,
                }
                for step in campaign.effective_steps()
            ],
            "skipped_steps": [i + 1 for i in campaign.overrides.get("skip_steps", [])],
            "accounts": accounts[:PER_PAGE],
            "accounts_count": accounts.count(),
            "progress": reports.live_progress(campaign),
            "touch_statuses": TouchStatus.choices,
            "touch_status": touch_status,
            "touches": shown,
            "can_change": changeable,
            "actions": available_actions(campaign) if changeable else [],
            "pending": pending_launch(request.user, campaign),
            "subnav": "campaigns",
        },
    )


@login_required
@require_GET
def campaign_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The figures the campaign page polls every few seconds."""
    return JsonResponse(reports.live_progress(access_campaign(request, pk)))


ACTIONS = {"launch", "pause", "resume", "cancel"}


@login_required
@require_POST
def campaign_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Launch (possibly as an approval request), pause, resume or cancel."""
    operation = request.POST.get("operation", "")
    if operation not in ACTIONS:
        raise Http404
    campaign = access_campaign(request, pk)
    if not may_change(request.user, campaign):
        raise PermissionDenied
    user = request.user
    if operation == "launch":
        result = attempt(
            request,
            launch_campaign,
            user,
            campaign,
            comment=request.POST.get("comment", ""),
            acting_unit=explicit_unit(request),
        )
        if result is not None and result.is_pending:
            messages.info(
                request,
                _("Sent for approval: the launch waits for the managers of %(unit)s.")
                % {"unit": result.owner_unit.name},
            )
        elif result is not None:
            messages.success(request, _("Launched: the touches are being planned."))
    else:
        service = {
            "pause": services.pause_campaign,
            "resume": services.resume_campaign,
            "cancel": services.cancel_campaign,
        }[operation]
        done = attempt(request, service, user, campaign)
        if done is not None:
            messages.success(
                request,
                _("The campaign is now %(status)s.")
                % {"status": done.get_status_display().lower()},
            )
    return HttpResponseRedirect(reverse("campaigns:campaign", args=[campaign.pk]), status=303)
