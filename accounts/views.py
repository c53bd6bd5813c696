"""Dashboard: account list, account page, selection board, lifecycle moves.

Lookups go through ``restrict`` (outside your scope: 404; visible but not yours to
change: 403); moves call ``accounts.selection`` and show its refusals as messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import icp, privacy, selection
from accounts.api.filters import AccountFilterSet
from accounts.models import Account, Consent, Contact, Lifecycle
from governance.api.approvals import explicit_unit
from governance.models import ApprovalRequest

#: Accounts shown per board column (best fit first); the list page has them all.
BOARD_COLUMN = 50
BOARD_COLUMNS = [
    Lifecycle.CANDIDATE,
    Lifecycle.PROPOSED,
    Lifecycle.SELECTED,
    Lifecycle.ENGAGED,
    Lifecycle.OPPORTUNITY,
    Lifecycle.CUSTOMER,
    Lifecycle.DESELECTED,
]
#: board action offered per lifecycle stage
NEXT_MOVES = {
    Lifecycle.CANDIDATE: ["propose", "deselect"],
    Lifecycle.PROPOSED: ["select", "deselect"],
    Lifecycle.SELECTED: ["deselect"],
    Lifecycle.ENGAGED: ["deselect"],
    Lifecycle.OPPORTUNITY: ["deselect"],
    Lifecycle.CUSTOMER: ["deselect"],
}


def _accounts(user, action: str = "view"):
    return Account.objects.restrict(user, action).select_related("owner_unit")


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    """Accounts of my units, filtered like the API (same FilterSet)."""
    filterset = AccountFilterSet(request.GET, queryset=_accounts(request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/account_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: facts, ICP fit, contacts with consents, family, lifecycle actions."""
    account = get_object_or_404(
        _accounts(request.user).select_related("lifecycle_changed_by", "owner_unit__organization"),
        pk=pk,
    )
    contacts = (
        Contact.objects.restrict(request.user, "view")
        .filter(account=account)
        .prefetch_related(
            Prefetch("consents", queryset=Consent.objects.restrict(request.user, "view"))
        )
    )
    # Personal data stays in its residency zone (PIPL): masked for readers outside it.
    contacts = privacy.protect(request.user, contacts)
    visible = _accounts(request.user)
    family_root = account.parent_id and visible.filter(pk=account.parent_id).first()
    subsidiaries = visible.filter(parent_id=account.pk)
    may_change = _accounts(request.user, "change").filter(pk=account.pk).exists()
    pending = ApprovalRequest.objects.restrict(request.user, "view").filter(
        action_type=selection.SELECT_ACTION,
        target_id=str(account.pk),
        status=ApprovalRequest.Status.PENDING,
    )
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "contacts": contacts,
            "parent_account": family_root or None,
            "subsidiaries": subsidiaries,
            "moves": NEXT_MOVES.get(Lifecycle(account.lifecycle), []) if may_change else [],
            "icp": _icp_rows(account),
            "pending": pending.first(),
        },
    )


def _icp_rows(account: Account) -> list[dict]:
    """Each defined criterion: met or not, with the rule and who set it."""
    criteria = icp.criteria_for(account.owner_unit)
    problems = icp.check_account(account, criteria)
    rows = []
    for name, (met, _why) in icp.evaluate(account, criteria).items():
        spec, attr = icp.CRITERIA[name]
        rows.append(
            {
                "field": account._meta.get_field(attr).verbose_name,
                "met": met,
                "text": problems.get(attr) or criteria.rule(spec.key).describe(),
            }
        )
    return rows


@login_required
def selection_board(request: HttpRequest) -> HttpResponse:
    """Columns by lifecycle stage, best fit first, with the next moves on each card."""
    filterset = AccountFilterSet(request.GET, queryset=_accounts(request.user))
    stages = [
        (
            stage,
            list(
                filterset.qs.filter(lifecycle=stage).order_by("-fit_score", "name")[:BOARD_COLUMN]
            ),
        )
        for stage in BOARD_COLUMNS
    ]
    shown = [a.pk for _stage, rows in stages for a in rows]
    changeable = set(
        _accounts(request.user, "change").filter(pk__in=shown).values_list("pk", flat=True)
    )
    columns = [
        {
            "stage": stage,
            "label": stage.label,
            "accounts": [
                {"account": a, "moves": NEXT_MOVES.get(stage, []) if a.pk in changeable else []}
                for a in rows
            ],
        }
        for stage, rows in stages
    ]
    return render(
        request, "accounts/selection_board.html", {"filter": filterset, "columns": columns}
    )


def _back(request: HttpRequest, account: Account) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("accounts:account", args=[account.pk])
    return HttpResponseRedirect(target, status=303)


@login_required
@require_POST
def account_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose, select or deselect from the account page or the board."""
    account = get_object_or_404(_accounts(request.user), pk=pk)
    if not _accounts(request.user, "change").filter(pk=pk).exists():
        raise PermissionDenied
    move = request.POST.get("move")
    unit = explicit_unit(request)
    try:
        if move == "propose":
            selection.propose(account, request.user, acting_unit=unit)
            messages.success(request, _("%(name)s is proposed.") % {"name": account.name})
        elif move == "select":
            result = selection.select(
                account, request.user, comment=request.POST.get("comment", ""), acting_unit=unit
            )
            if isinstance(result, ApprovalRequest):
                messages.info(
                    request,
                    _("Your selection of %(name)s waits for the managers of %(unit)s.")
                    % {"name": account.name, "unit": result.owner_unit.name},
                )
            else:
                messages.success(request, _("%(name)s is selected.") % {"name": account.name})
        elif move == "deselect":
            selection.deselect(
                account, request.user, request.POST.get("reason", ""), acting_unit=unit
            )
            messages.success(request, _("%(name)s is deselected.") % {"name": account.name})
        else:
            messages.error(request, _("Unknown move."))
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    return _back(request, account)
