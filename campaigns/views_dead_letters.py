"""Dashboard: dead letters (touches that gave up, or failed and waiting) and their retry.

The list shows the touches of campaigns the user sees; a retry takes the same filters and
acts only on the touches the user may change, through ``services.retry_touches`` (the
admin's action does the same).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import Channel
from campaigns import reports, services
from campaigns.models import Touch
from campaigns.views import PER_PAGE, protect_contacts, visible_campaigns

FILTERS = ("status", "channel", "campaign")


def _filters(data: QueryDict) -> dict[str, str]:
    """The valid filters of a request, as given (unknown values are dropped)."""
    wanted = {name: data.get(name, "") for name in FILTERS}
    if wanted["status"] not in reports.DEAD_LETTERS:
        wanted["status"] = ""
    if wanted["channel"] not in Channel.values:
        wanted["channel"] = ""
    if not wanted["campaign"].isdigit():
        wanted["campaign"] = ""
    return wanted


def _filtered(touches: QuerySet[Touch], filters: dict[str, str]) -> QuerySet[Touch]:
    if filters["status"]:
        touches = touches.filter(status=filters["status"])
    if filters["channel"]:
        touches = touches.filter(channel=filters["channel"])
    if filters["campaign"]:
        touches = touches.filter(campaign_id=int(filters["campaign"]))
    return touches


def _retryable(user: Any, filters: dict[str, str]) -> QuerySet[Touch]:
    """The listed touches the user may change that a retry would act on."""
    touches = _filtered(reports.dead_letters(user), filters)
    changeable = Touch.objects.restrict(user, "change").values("pk")
    return services.retryable(touches.filter(pk__in=changeable))


@login_required
def dead_letters(request: HttpRequest) -> HttpResponse:
    """Touches that gave up (and failed ones waiting for a retry) in campaigns I see."""
    filters = _filters(request.GET)
    touches = _filtered(reports.dead_letters(request.user), filters)
    page = Paginator(touches, PER_PAGE).get_page(request.GET.get("page"))
    # A list, so the template shows the masked objects instead of querying again.
    page.object_list = protect_contacts(request.user, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/dead_letters.html",
        {
            "page": page,
            "query": query.urlencode(),
            **filters,
            "retryable": _retryable(request.user, filters).count(),
            "statuses": [(s.value, s.label) for s in reports.DEAD_LETTERS],
            "channels": Channel.choices,
            "subnav": "dead-letters",
        },
    )


@login_required
@require_POST
def retry_dead_letters(request: HttpRequest) -> HttpResponse:
    """Retry now every listed touch the user may change (the list's filters apply); a
    campaign the user does not see is a 404, as its page is."""
    filters = _filters(request.POST)
    if (
        filters["campaign"]
        and not visible_campaigns(request.user).filter(pk=int(filters["campaign"])).exists()
    ):
        raise Http404
    count = services.retry_touches(_retryable(request.user, filters))
    if count:
        messages.success(
            request,
            ngettext(
                "%(n)d touch will be retried now.", "%(n)d touches will be retried now.", count
            )
            % {"n": count},
        )
    else:
        messages.info(request, _("Nothing to retry: no touch here that you may change."))
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in filters.items() if v})
    url = reverse("campaigns:dead-letters")
    return HttpResponseRedirect(f"{url}?{query.urlencode()}" if query else url, status=303)
