"""Dashboard: budgets — the tree of a fiscal period with allocation and spend bars, one
budget's children, guideline report, spend and funded campaigns; record a spend and
allocate to a child unit.

Every lookup goes through ``restrict``: a budget outside the user's units is a 404 (a
sibling's, another organisation's). Writes call ``campaigns.budgets.record_spend`` and
``allocate``; their refusals (the cap, the period, the RACI) become form errors on the
page, which is rendered again with status 400 (403 for a permission refusal). Figures
are in the organisation's reporting currency, formatted like the services' messages.
Bars are plain HTML/CSS (``.bar`` in app.css) next to the figures they draw.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Channel
from campaigns import budgets
from campaigns.budgets import money
from campaigns.forms_budgets import AllocateForm, SpendForm, allocatable_units
from campaigns.models import Budget, Campaign, Spend
from glocal.models import OrgUnit
from governance.api.approvals import explicit_unit
from governance.authorization import authorize
from governance.models import ApprovalRequest
from governance.models.raci import Activity

#: latest spend entries listed on a budget's page
SPEND_SHOWN = 20
CAMPAIGNS_SHOWN = 50
PERIOD_SEPARATOR = ".."


def visible_budgets(user: Any):
    return Budget.objects.restrict(user, "view").select_related("owner_unit__organization")


# --- figures --------------------------------------------------------------------------


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """``part`` as a percentage of ``whole`` (0 when there is nothing), 0 to 100."""
    if not whole or whole <= 0:
        return Decimal(0)
    return min(max(part * 100 / whole, Decimal(0)), Decimal(100))


def css_width(value: Decimal | float) -> str:
    """A width for a style attribute: never localised (a French "40,5%" is no width)."""
    return f"{float(value):.2f}%"


def share_text(value: Decimal | float) -> str:
    """A percentage to one decimal, rounded (``number_format`` alone would truncate)."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_pos=1)


def figures(budget: Budget) -> dict[str, Any]:
    """Amount, allocated, spent and remaining, as text and as shares of the amount."""
    currency = budget.currency
    parts = {
        "allocated": budget.allocated,
        "spent": budget.spent,
        "remaining": budget.remaining,
    }
    shares = {name: percent(value, budget.amount) for name, value in parts.items()}
    return {
        "amount": money(budget.amount, currency),
        **{name: money(value, currency) for name, value in parts.items()},
        "bar": [
            {
                "part": name,
                "width": css_width(share),
                "share": share_text(share),
            }
            for name, share in shares.items()
        ],
        "empty": not budget.amount,
        "shares": {name: share_text(share) for name, share in shares.items()},
    }


def rate_text(rate: Decimal) -> str:
    places = max(0, -rate.normalize().as_tuple().exponent)
    return formats.number_format(rate, decimal_pos=min(places, 10))


# --- the tree of a period -------------------------------------------------------------

Period = tuple[dt.date, dt.date]


def parse_period(value: str) -> Period | None:
    start, _sep, end = (value or "").partition(PERIOD_SEPARATOR)
    try:
        period = (dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    except ValueError:
        return None
    return period if period[0] <= period[1] else None


def period_value(period: Period) -> str:
    return f"{period[0].isoformat()}{PERIOD_SEPARATOR}{period[1].isoformat()}"


def top_budgets(visible: list[Budget]) -> list[Budget]:
    """The budgets whose parent the user does not see (the roots of what they see)."""
    ids = {b.pk for b in visible}
    return [b for b in visible if b.parent_id not in ids]


def period_options(visible: list[Budget]) -> list[dict[str, Any]]:
    """Fiscal periods: those of the top budgets the user sees, latest first."""
    names: dict[Period, list[str]] = {}
    for budget in top_budgets(visible):
        names.setdefault((budget.starts_on, budget.ends_on), []).append(budget.name)
    return [
        {"period": period, "value": period_value(period), "names": sorted(set(names[period]))}
        for period in sorted(names, reverse=True)
    ]


def default_period(options: list[dict[str, Any]], today: dt.date) -> Period | None:
    """The period covering today; else the next one to start; else the latest."""
    periods = [o["period"] for o in options]
    covering = [p for p in periods if p[0] <= today <= p[1]]
    if covering:
        return max(covering)
    upcoming = [p for p in periods if p[0] > today]
    if upcoming:
        return min(upcoming)
    return max(periods) if periods else None


def tree_rows(visible: list[Budget]) -> list[dict[str, Any]]:
    """Depth-first rows (global → regional → local) of the budgets given."""
    ids = {b.pk for b in visible}
    children: dict[int | None, list[Budget]] = {}
    for budget in visible:
        parent = budget.parent_id if budget.parent_id in ids else None
        children.setdefault(parent, []).append(budget)
    for siblings in children.values():
        siblings.sort(key=lambda b: (b.owner_unit.name, b.name, b.pk))
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for budget in children.get(parent, []):
            rows.append({"budget": budget, "depth": depth, "figures": figures(budget)})
            walk(budget.pk, depth + 1)

    walk(None, 0)
    return rows


@login_required
def budget_list(request: HttpRequest) -> HttpResponse:
    """The budgets I can see for one fiscal period, as a tree with their figures."""
    visible = list(visible_budgets(request.user))
    options = period_options(visible)
    period = parse_period(request.GET.get("period", "")) or default_period(
        options, timezone.localdate()
    )
    if period is not None and period_value(period) not in {o["value"] for o in options}:
        options.insert(0, {"period": period, "value": period_value(period), "names": []})
    shown = [
        b
        for b in visible
        if period is not None and period[0] <= b.starts_on <= b.ends_on <= period[1]
    ]
    return render(
        request,
        "campaigns/budget_list.html",
        {
            "rows": tree_rows(shown),
            "periods": options,
            "period": period,
            "period_value": period_value(period) if period else "",
            "subnav": "budgets",
        },
    )


# --- one budget -----------------------------------------------------------------------


def access_budget(request: HttpRequest, pk: int) -> Budget:
    """The budget if the user may see it, else 404."""
    return get_object_or_404(visible_budgets(request.user).select_related("parent"), pk=pk)


def guideline_lines(budget: Budget) -> dict[str, Any]:
    """``budgets.guideline_report`` with what the bars need."""
    report = budgets.guideline_report(budget)
    currency = report["currency"]
    lines = []
    for line in report["channels"]:
        share = Decimal(str(line["share"])) * 100
        row = {
            **line,
            "label": Channel(line["channel"]).label,
            "spent_text": money(line["spent"], currency),
            "share_text": share_text(share),
            "share_width": css_width(share),
        }
        if line["guideline"] is not None:
            low, high = line["low"] * 100, line["high"] * 100
            row.update(
                guideline_text=share_text(line["guideline"] * 100),
                low_text=share_text(low),
                high_text=share_text(high),
                guideline_left=css_width(line["guideline"] * 100),
                band_left=css_width(low),
                band_width=css_width(high - low),
            )
        lines.append(row)
    return {
        **report,
        "lines": lines,
        "total_text": money(report["total"], currency),
        "unassigned_text": money(report["unassigned"], currency),
        "tolerance_text": share_text(report["tolerance"] * 100),
        "has_guidelines": any(line["guideline"] is not None for line in lines),
    }


def pending_allocations(user: Any, budget_ids: list[int]) -> dict[int, ApprovalRequest]:
    """Pending amount requests on these budgets that the user sees, by budget id."""
    requests = ApprovalRequest.objects.restrict(user, "view").filter(
        action_type=budgets.SET_AMOUNT,
        target_id__in=[str(pk) for pk in budget_ids],
        status=ApprovalRequest.Status.PENDING,
    )
    return {int(r.target_id): r for r in requests.order_by("created_at")}


def allocation_decision(user: Any, budget: Budget, acting_unit) -> str | None:
    """Whether the user may allocate from this budget to one of its child units:
    "allowed", "needs_approval", or None (forbidden, or no child unit to give to)."""
    outcomes = set()
    for unit in allocatable_units(user, budget):
        decision = authorize(user, Activity.BUDGET_ALLOCATION, unit, acting_unit=acting_unit)
        if not decision.forbidden:
            outcomes.add(decision.outcome.value)
    if "allowed" in outcomes:
        return "allowed"
    return "needs_approval" if outcomes else None


def detail_context(
    request: HttpRequest,
    budget: Budget,
    spend_form: SpendForm | None = None,
    allocate_form: AllocateForm | None = None,
) -> dict[str, Any]:
    user = request.user
    visible = visible_budgets(user)
    ancestors = []
    node = budget.parent
    while node is not None and visible.filter(pk=node.pk).exists():
        ancestors.insert(0, node)
        node = node.parent
    children = list(visible.filter(parent=budget).order_by("owner_unit__name", "name", "pk"))
    pending = pending_allocations(user, [c.pk for c in children])
    child_rows = [
        {
            "budget": child,
            "figures": figures(child),
            "of_parent_width": css_width(percent(child.amount, budget.amount)),
            "of_parent": share_text(percent(child.amount, budget.amount)),
            "pending": pending.get(child.pk),
        }
        for child in children
    ]
    spends = list(
        Spend.objects.restrict(user, "view")
        .filter(budget=budget)
        .select_related("campaign")
        .order_by("-spent_on", "-pk")[:SPEND_SHOWN]
    )
    campaign_ids = {s.campaign_id for s in spends if s.campaign_id}
    seen = set(
        Campaign.objects.restrict(user, "view")
        .filter(pk__in=campaign_ids)
        .values_list("pk", flat=True)
    )
    currency = budget.currency
    spend_rows = [
        {
            "spend": spend,
            "channel": Channel(spend.channel).label if spend.channel else "",
            "local": money(spend.amount_local, spend.currency),
            "rate": rate_text(spend.fx_rate),
            "amount": money(spend.amount, currency),
            "campaign": spend.campaign if spend.campaign_id in seen else None,
        }
        for spend in spends
    ]
    funded = (
        Campaign.objects.restrict(user, "view")
        .filter(budget=budget)
        .select_related("owner_unit")
        .order_by("-starts_on", "name")
    )
    guidelines = guideline_lines(budget)
    source = None
    if guidelines["guidelines_from"] is not None:
        source = visible.filter(pk=guidelines["guidelines_from"]).first()
    may_spend = Budget.objects.restrict(user, "spend").filter(pk=budget.pk).exists()
    allocation = allocation_decision(user, budget, explicit_unit(request))
    if may_spend and spend_form is None:
        spend_form = SpendForm(user=user, budget=budget)
    if allocation and allocate_form is None:
        allocate_form = AllocateForm(user=user, budget=budget)
    return {
        "budget": budget,
        "figures": figures(budget),
        "ancestors": ancestors,
        "children": child_rows,
        # a local unit's budget has nobody below it: no children section
        "has_child_units": bool(child_rows)
        or OrgUnit.objects.filter(parent_id=budget.owner_unit_id).exists(),
        "guidelines": guidelines,
        "guidelines_source": source,
        "spends": spend_rows,
        "spend_count": Spend.objects.restrict(user, "view").filter(budget=budget).count(),
        "funded": funded[:CAMPAIGNS_SHOWN],
        "spend_form": spend_form if may_spend else None,
        "allocate_form": allocate_form if allocation else None,
        "allocation": allocation,
        "list_url": reverse("campaigns:budgets")
        + "?period="
        + period_value((budget.starts_on, budget.ends_on)),
        "subnav": "budgets",
    }


@login_required
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = access_budget(request, pk)
    return render(request, "campaigns/budget_detail.html", detail_context(request, budget))


def apply_refusal(form, exc: ValidationError | PermissionDenied) -> int:
    """A service's refusal as form errors; the status to answer with."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You may not do this."))
        return 403
    problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, texts in problems.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)
    return 400


def back_to(budget: Budget) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("campaigns:budget", args=[budget.pk]), status=303)


@login_required
@require_POST
def budget_spend(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a spend on the budget (``budgets.record_spend``)."""
    budget = access_budget(request, pk)
    form = SpendForm(request.POST, user=request.user, budget=budget)
    status = 400
    if form.is_valid():
        try:
            recorded = budgets.record_spend(request.user, budget, **form.service_kwargs())
        except (ValidationError, PermissionDenied) as exc:
            status = apply_refusal(form, exc)
        else:
            spend = recorded.spend
            messages.success(
                request,
                _("Recorded: %(local)s on %(day)s, %(amount)s charged to “%(budget)s”.")
                % {
                    "local": money(spend.amount_local, spend.currency),
                    "day": spend.spent_on.isoformat(),
                    "amount": money(spend.amount, budget.currency),
                    "budget": budget.name,
                },
            )
            return back_to(budget)
    context = detail_context(request, budget, spend_form=form)
    if context["spend_form"] is None:  # not a spender: the form is not shown, say why
        messages.error(
            request,
            _("You may see the budget “%(b)s” but not spend from it.") % {"b": budget.name},
        )
    return render(request, "campaigns/budget_detail.html", context, status=status)


@login_required
@require_POST
def budget_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a child unit a budget from this one (``budgets.allocate``, governed)."""
    budget = access_budget(request, pk)
    form = AllocateForm(request.POST, user=request.user, budget=budget)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = budgets.allocate(
                request.user,
                budget,
                data["owner_unit"],
                data["amount"],
                name=data["name"],
                comment=data["comment"],
                acting_unit=explicit_unit(request),
            )
        except (ValidationError, PermissionDenied) as exc:
            status = apply_refusal(form, exc)
        else:
            params = {
                "amount": money(data["amount"], budget.currency),
                "unit": data["owner_unit"].name,
            }
            if isinstance(result, ApprovalRequest):
                messages.info(
                    request,
                    _(
                        "Sent for approval: %(amount)s for %(unit)s waits for the managers "
                        "of %(accountable)s."
                    )
                    % {**params, "accountable": result.owner_unit.name},
                )
            else:
                messages.success(request, _("Allocated %(amount)s to %(unit)s.") % params)
            return back_to(budget)
    context = detail_context(request, budget, allocate_form=form)
    if context["allocate_form"] is None:  # the form is not shown here: say why
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
    return render(request, "campaigns/budget_detail.html", context, status=status)
