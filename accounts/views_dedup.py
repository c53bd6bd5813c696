"""Dashboard: the duplicate review queue (side by side, merge or dismiss) and the
global families page (plans and targeting conflicts). Rules live in ``accounts.dedup``
and ``accounts.families``; these views parse, restrict, call and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import dedup
from accounts.models import Account, AccountPlan, DuplicateCandidate, FamilyConflict

COMPARED = [
    ("name", gettext_lazy("Name")),
    ("legal_name", gettext_lazy("Legal name")),
    ("domain", gettext_lazy("Website domain")),
    ("country", gettext_lazy("Country")),
    ("industry", gettext_lazy("Industry")),
    ("owner_unit", gettext_lazy("Owner unit")),
    ("lifecycle", gettext_lazy("Lifecycle")),
    ("tier", gettext_lazy("Tier")),
    ("contact_count", gettext_lazy("Contacts")),
    ("tags", gettext_lazy("Tags")),
    ("crm_ids", gettext_lazy("External CRM ids")),
]


def _value(account: Account | None, field: str):
    if account is None:
        return ""
    if field == "owner_unit":
        return account.owner_unit.name
    if field == "contact_count":
        return getattr(account, "n_contacts", "")
    if field in ("lifecycle", "tier"):
        return getattr(account, f"get_{field}_display")()
    value = getattr(account, field)
    if field == "tags":
        return ", ".join(value or [])
    if field == "crm_ids":
        return ", ".join(f"{k}: {v}" for k, v in (value or {}).items())
    return value


@login_required
def duplicate_review(request: HttpRequest) -> HttpResponse:
    """Open duplicate pairs of the user's units, each compared field by field."""
    status = request.GET.get("status") or DuplicateCandidate.Status.OPEN
    rows = (
        DuplicateCandidate.objects.restrict(request.user, "view")
        .filter(status=status)
        .select_related("owner_unit", "account_a__owner_unit", "account_b__owner_unit")
        .order_by("-score", "id")
    )
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    ids = [c.pk for c in page]
    deciders = set(
        DuplicateCandidate.objects.restrict(request.user, "approve")
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    accounts = {c.account_a_id for c in page} | {c.account_b_id for c in page}
    counts = dict(
        Account.objects.filter(pk__in=accounts - {None})
        .values_list("pk")
        .annotate(n=Count("contacts"))
    )
    items = []
    for candidate in page:
        for account in (candidate.account_a, candidate.account_b):
            if account is not None:
                account.n_contacts = counts.get(account.pk, 0)
        items.append(
            {
                "candidate": candidate,
                "can_decide": candidate.pk in deciders and candidate.is_open,
                "fields": [
                    {
                        "label": label,
                        "a": _value(candidate.account_a, field),
                        "b": _value(candidate.account_b, field),
                        "differs": _value(candidate.account_a, field)
                        != _value(candidate.account_b, field),
                    }
                    for field, label in COMPARED
                ],
            }
        )
    return render(
        request,
        "accounts/duplicates.html",
        {
            "items": items,
            "page": page,
            "status": status,
            "statuses": DuplicateCandidate.Status.choices,
        },
    )


def _decide(request: HttpRequest, pk: int, call, *args) -> HttpResponseRedirect:
    candidate = get_object_or_404(DuplicateCandidate.objects.restrict(request.user, "view"), pk=pk)
    try:
        call(candidate, request.user, *args)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do that."))
    else:
        messages.success(request, _("Done."))
    return HttpResponseRedirect(reverse("accounts:duplicates"), status=303)


@login_required
@require_POST
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        survivor = int(request.POST.get("survivor", ""))
    except ValueError:
        survivor = 0
    return _decide(request, pk, dedup.merge, survivor)


@login_required
@require_POST
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, dedup.dismiss, request.POST.get("note", "")[:2000])


@login_required
def family_overview(request: HttpRequest) -> HttpResponse:
    """Global plans the user's units take part in, and open targeting conflicts."""
    plans = AccountPlan.objects.restrict(request.user, "view").select_related(
        "account", "owner_unit"
    )
    conflicts = (
        FamilyConflict.objects.restrict(request.user, "view")
        .filter(status=FamilyConflict.Status.OPEN)
        .select_related("owner_unit", "account_a__owner_unit", "account_b__owner_unit")
    )
    return render(
        request,
        "accounts/families.html",
        {"plans": plans[:200], "conflicts": conflicts[:200]},
    )
