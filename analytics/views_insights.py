"""Dashboard: the insights feed, an insight's discussion, best practices, and the
replication suggestions.

Pages read through ``restrict`` and write through ``analytics.insights`` /
``analytics.replication``; a refusal comes back as a message naming the rule. Buttons
are shown by role (the services still decide).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics import insights, replication
from analytics.api.insights import InsightFilterSet
from analytics.forms_insights import (
    CommentForm,
    InsightForm,
    MergeForm,
    ReplicateForm,
    writable_units,
)
from analytics.models import Insight, InsightStatus, ReplicationKind, Sentiment
from campaigns.views import attempt
from glocal.tenancy import Role, scope_for

PER_PAGE = 50


def visible_insights(user: Any):
    # The owner's ancestors come along: the rights shown per row read them.
    return Insight.objects.restrict(user, "view").select_related(
        "owner_unit__parent__parent", "author", "account", "campaign"
    )


def access_insight(request: HttpRequest, pk: int) -> Insight:
    """The insight if the user may see it, else 404."""
    return get_object_or_404(visible_insights(request.user), pk=pk)


def _rights(user: Any, insight: Insight) -> dict[str, bool]:
    return {
        "comment": insight.status != InsightStatus.MERGED and insights.may_comment(user, insight),
        "curate": insight.is_open and insights.may_curate(user, insight),
        "endorse": insight.status == InsightStatus.SUBMITTED and insights.may_curate(user, insight),
        "publish": insight.status in (InsightStatus.SUBMITTED, InsightStatus.ENDORSED)
        and insights.may_publish(user, insight),
    }


@login_required
def insight_list(request: HttpRequest) -> HttpResponse:
    """Insights of my units and below (they flow up), plus published best practices."""
    filters = InsightFilterSet(request.GET, queryset=visible_insights(request.user))
    if not filters.is_valid():
        # A bad filter value: show the form errors on an empty list, never a 500.
        rows, status = Insight.objects.none(), 400
    else:
        rows, status = filters.qs, 200
    page = Paginator(rows.order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for insight in page.object_list:
        insight.rights = _rights(request.user, insight)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "analytics/insight_list.html",
        {
            "subnav": "insights",
            "page": page,
            "filters": filters,
            "query": params.urlencode(),
            "statuses": InsightStatus.choices,
            "sentiments": Sentiment.choices,
            "may_submit": writable_units(request.user).exists(),
        },
        status=status,
    )


@login_required
def insight_new(request: HttpRequest) -> HttpResponse:
    """Submit an insight for a unit I write for."""
    form = InsightForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = attempt(
            request,
            insights.submit,
            request.user,
            data["owner_unit"],
            text=data["text"],
            tags=data["tags"],
            sentiment=data["sentiment"],
            account=data["account"],
            campaign=data["campaign"],
        )
        if created is not None:
            messages.success(request, _("Thank you: your insight goes up to your region."))
            return HttpResponseRedirect(reverse("analytics:insight", args=[created.pk]), status=303)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "analytics/insight_form.html",
        {"subnav": "new", "form": form},
        status=status,
    )


@login_required
def insight_detail(request: HttpRequest, pk: int) -> HttpResponse:
    insight = access_insight(request, pk)
    comments = insight.comments.select_related("author")
    # A best practice seen from another team travels without its account and campaign.
    show_links = (
        request.user.is_superuser
        or insight.owner_unit_id in scope_for(request.user, Role.VIEWER).down
    )
    return render(
        request,
        "analytics/insight_detail.html",
        {
            "subnav": "insights",
            "insight": insight,
            "comments": comments,
            "rights": _rights(request.user, insight),
            "show_links": show_links,
            "comment_form": CommentForm(),
            "merge_form": MergeForm(user=request.user),
            "merged": insight.merged.all() if insight.status != InsightStatus.MERGED else [],
        },
    )


OPERATIONS = {"comment", "endorse", "merge", "archive", "publish"}


@login_required
@require_POST
def insight_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Comment, endorse, merge duplicates into this one, archive or publish."""
    operation = request.POST.get("operation", "")
    if operation not in OPERATIONS:
        raise Http404
    insight = access_insight(request, pk)
    user = request.user
    if operation == "comment":
        form = CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write a comment."))
        elif attempt(request, insights.comment, user, insight, form.cleaned_data["text"]):
            messages.success(request, _("Comment added."))
    elif operation == "merge":
        form = MergeForm(request.POST, user=user)
        if not form.is_valid():
            for problem in form.errors.get("duplicates", []):
                messages.error(request, problem)
        elif attempt(request, insights.merge, user, insight, form.cleaned_data["duplicates"]):
            messages.success(request, _("Duplicates merged into this insight."))
    else:
        service = {
            "endorse": insights.endorse,
            "archive": insights.archive,
            "publish": insights.publish,
        }[operation]
        done = attempt(request, service, user, insight)
        if done is not None:
            messages.success(
                request,
                _("The insight is now %(status)s.") % {"status": done.get_status_display().lower()},
            )
    return HttpResponseRedirect(reverse("analytics:insight", args=[insight.pk]), status=303)


@login_required
def best_practices(request: HttpRequest) -> HttpResponse:
    """Insights global published for the whole organisation."""
    rows = visible_insights(request.user).best_practices().order_by("-published_at", "-pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/best_practices.html",
        {"subnav": "best-practices", "page": page, "query": ""},
    )


@login_required
def replication_suggestions(request: HttpRequest) -> HttpResponse:
    """Campaigns worth replicating (by performance index), with a replicate form."""
    found = replication.suggestions(request.user)
    forms = {
        score.campaign.pk: ReplicateForm(
            user=request.user, initial={"origin_campaign": score.campaign.pk}
        )
        for score in found["campaigns"]
    }
    for score in found["campaigns"]:
        score.form = forms[score.campaign.pk]
    return render(
        request,
        "analytics/replication_suggestions.html",
        {
            "subnav": "replication",
            "campaigns": found["campaigns"],
            "playbooks": found["playbooks"],
            "threshold": replication.SUGGEST_INDEX,
        },
    )


@login_required
@require_POST
def replicate(request: HttpRequest) -> HttpResponse:
    """Replicate a campaign up (a draft playbook) or sideways (a draft campaign)."""
    form = ReplicateForm(request.POST, user=request.user)
    back = HttpResponseRedirect(reverse("analytics:replication"), status=303)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return back
    data = form.cleaned_data
    result = attempt(
        request,
        replication.replicate,
        data["origin_campaign"],
        data["target_unit"],
        request.user,
        name=data["name"],
        starts_on=data["starts_on"],
    )
    if result is None:
        return back
    if result.kind == ReplicationKind.UPWARD:
        messages.success(
            request,
            _("Draft playbook “%(name)s” created for %(unit)s; review and publish it.")
            % {"name": result.playbook.name, "unit": result.owner_unit.name},
        )
        return HttpResponseRedirect(
            reverse("campaigns:playbook", args=[result.playbook_id]), status=303
        )
    messages.success(
        request,
        _("Draft campaign “%(name)s” created for %(unit)s; add its accounts.")
        % {"name": result.campaign.name, "unit": result.owner_unit.name},
    )
    return HttpResponseRedirect(
        reverse("campaigns:campaign", args=[result.campaign_id]), status=303
    )
