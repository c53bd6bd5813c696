"""Dashboard hand-off inbox: open hand-offs first (mine, then the rest I may see),
with accept / reject forms; decisions go through ``accounts.handoffs``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import handoffs
from accounts.api.handoffs import HandoffFilterSet
from accounts.models import Handoff, HandoffStatus

RELATED = ("account", "owner_unit", "sales_owner", "decided_by")


@login_required
def handoff_inbox(request: HttpRequest) -> HttpResponse:
    visible = Handoff.objects.restrict(request.user, "view").select_related(*RELATED)
    filtered = HandoffFilterSet(request.GET, queryset=visible, request=request).qs
    # Most urgent first, bounded: an inbox of thousands is a filter away, not a page.
    open_ = list(filtered.filter(status=HandoffStatus.PENDING).order_by("sla_due_at", "pk")[:200])
    decided = filtered.exclude(status=HandoffStatus.PENDING).order_by("-decided_at", "-pk")
    page = Paginator(decided, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/handoff_inbox.html",
        {
            "mine": [h for h in open_ if h.sales_owner_id == request.user.pk],
            "others": [h for h in open_ if h.sales_owner_id != request.user.pk],
            "decided": page,
            "statuses": HandoffStatus.choices,
            "status": request.GET.get("status", ""),
        },
    )


@login_required
@require_POST
def handoff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = get_object_or_404(Handoff.objects.restrict(request.user, "view"), pk=pk)
    decision = request.POST.get("decision")
    reason = request.POST.get("reason", "")
    try:
        if decision == "accept":
            handoffs.accept(handoff, request.user, reason)
            messages.success(request, _("Hand-off accepted."))
        elif decision == "reject":
            handoffs.reject(handoff, request.user, reason)
            messages.success(request, _("Hand-off rejected."))
        else:
            messages.error(request, _("Choose accept or reject."))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    return HttpResponseRedirect(reverse("accounts:handoffs"), status=303)
