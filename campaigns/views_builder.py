"""Dashboard: the campaign builder (create, edit while draft) and the schedule preview.

A campaign belongs to the current unit, which must be a local team the user may create
rows for. Building is two steps without JavaScript: choose a published playbook the
unit may run, then name, window, accounts (filtered like the account list) and the
per-step overrides. The services validate everything; their refusals become field
errors. The preview computes send times per country without writing any touch.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.api.filters import AccountFilterSet
from campaigns import schedule_preview, services
from campaigns.forms import (
    CampaignForm,
    PlaybookChoiceForm,
    is_local,
    targetable_accounts,
    usable_playbooks,
)
from campaigns.models import Campaign, CampaignStatus, Playbook
from campaigns.views import access_campaign, may_change
from glocal.models import OrgUnit

#: accounts offered at once in the builder (filters narrow the list)
ACCOUNT_CHOICES = 300
ACCOUNT_FILTERS = ("q", "country", "tier", "industry", "min_fit")


def _current_unit(request: HttpRequest) -> OrgUnit | None:
    unit = getattr(request, "unit", None)
    return OrgUnit.objects.select_related("parent__parent").get(pk=unit.pk) if unit else None


def _may_build(user: Any, unit: OrgUnit | None) -> bool:
    return is_local(unit) and OrgUnit.objects.restrict(user, "own").filter(pk=unit.pk).exists()


def _apply(form: CampaignForm, exc: ValidationError) -> None:
    problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, texts in problems.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


def _account_picker(request: HttpRequest, form: CampaignForm, unit: OrgUnit) -> dict[str, Any]:
    """Accounts shown as checkboxes: the filtered ones, plus every one already chosen (so
    a filter never drops a choice)."""
    base = targetable_accounts(request.user, unit)
    filterset = AccountFilterSet(
        {k: v for k, v in request.GET.items() if k in ACCOUNT_FILTERS}, queryset=base
    )
    matched = filterset.qs if filterset.is_valid() else base
    shown = list(matched.order_by("name", "pk")[:ACCOUNT_CHOICES])
    if form.is_bound:
        chosen = {int(v) for v in form.data.getlist("accounts") if str(v).isdigit()}
    else:
        chosen = set(form.initial.get("accounts", []))
    missing = chosen - {a.pk for a in shown}
    dropped = 0
    if missing:
        still = list(base.filter(pk__in=missing).order_by("name"))
        shown = still + shown
        dropped = len(missing) - len(still)  # deselected (or moved) since they were chosen
    return {
        "dropped": dropped,
        "filter": filterset,
        "shown_accounts": shown,
        "chosen": chosen,
        "matched_count": matched.count(),
        "accounts_capped": len(shown) >= ACCOUNT_CHOICES,
        "total_targetable": base.count(),
    }


def _chosen_playbook(request: HttpRequest, unit: OrgUnit) -> Playbook | None:
    ref = request.POST.get("playbook") or request.GET.get("playbook")
    if not ref or not str(ref).isdigit():
        return None
    return usable_playbooks(request.user, unit).filter(pk=ref).first()


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    """Build a draft campaign for the current local unit."""
    unit = _current_unit(request)
    context: dict[str, Any] = {"unit": unit, "subnav": "new"}
    if not _may_build(request.user, unit):
        context["not_local"] = True
        status = 400 if request.method == "POST" else 200
        return render(request, "campaigns/campaign_form.html", context, status=status)
    playbook = _chosen_playbook(request, unit)
    if playbook is None:
        context["choice"] = PlaybookChoiceForm(user=request.user, unit=unit)
        status = 400 if request.method == "POST" else 200
        return render(request, "campaigns/campaign_form.html", context, status=status)
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(data, user=request.user, unit=unit, playbook=playbook)
    if form.is_bound and form.is_valid():
        try:
            campaign = services.create_campaign(
                request.user,
                unit,
                playbook=playbook,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                overrides=form.overrides(),
                accounts=form.cleaned_data["accounts"],
            )
        except ValidationError as exc:
            _apply(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
        else:
            messages.success(
                request,
                _("Draft campaign “%(name)s” created. Check the schedule, then launch it.")
                % {"name": campaign.name},
            )
            return HttpResponseRedirect(
                reverse("campaigns:campaign", args=[campaign.pk]), status=303
            )
    context.update(form=form, playbook=playbook, **_account_picker(request, form, unit))
    return render(
        request, "campaigns/campaign_form.html", context, status=400 if form.is_bound else 200
    )


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft: name, window, accounts, overrides (the playbook stays)."""
    campaign = access_campaign(request, pk)
    if not may_change(request.user, campaign):
        raise PermissionDenied
    detail = HttpResponseRedirect(reverse("campaigns:campaign", args=[campaign.pk]), status=303)
    if campaign.status != CampaignStatus.DRAFT:
        messages.error(request, _("Only a draft campaign can be edited."))
        return detail
    unit = OrgUnit.objects.select_related("parent__parent").get(pk=campaign.owner_unit_id)
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(
        data, user=request.user, unit=unit, playbook=campaign.playbook, campaign=campaign
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_campaign(
                request.user,
                campaign,
                {
                    "name": form.cleaned_data["name"],
                    "starts_on": form.cleaned_data["starts_on"],
                    "ends_on": form.cleaned_data["ends_on"],
                    "overrides": form.overrides(),
                },
                accounts=form.cleaned_data["accounts"],
            )
        except ValidationError as exc:
            _apply(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("Saved."))
            return detail
    context = {
        "campaign": campaign,
        "unit": unit,
        "form": form,
        "playbook": campaign.playbook,
        "subnav": "campaigns",
        **_account_picker(request, form, unit),
    }
    return render(
        request, "campaigns/campaign_form.html", context, status=400 if form.is_bound else 200
    )


@login_required
def campaign_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Send times per country and step if the campaign were planned now (writes nothing)."""
    campaign: Campaign = access_campaign(request, pk)
    return render(
        request,
        "campaigns/campaign_preview.html",
        {
            "campaign": campaign,
            "preview": schedule_preview.preview(campaign),
            "subnav": "campaigns",
        },
    )
