"""Dashboard: contextual benchmarks (every KPI of a unit against its benchmark, the
performance index, the rank and the global median) and forecasts (next-quarter pipeline
with its back-test error, and the budget reallocation suggestion with its apply button).

Pages only parse, authorise and render: ``analytics.benchmarks``, ``forecasts`` and
``allocation`` compute, ``reports.access_unit`` and ``allocation.access_budget`` decide
(404 outside the user's units, 403 for an ancestor whose figures include other teams).
Bad parameters render the page with the error and status 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from analytics import allocation, benchmarks, forecasts, kpis, reports
from campaigns.models import Budget
from governance.api.approvals import explicit_unit
from governance.models import ApprovalRequest

SOURCES = {
    benchmarks.Source.BLEND: gettext_lazy("history and market standard"),
    benchmarks.Source.HISTORY: gettext_lazy("own history only"),
    benchmarks.Source.STANDARD: gettext_lazy("market standard only"),
    benchmarks.Source.NONE: gettext_lazy("no history, no standard"),
}
POSITIONS = {
    "above": gettext_lazy("above the median"),
    "below": gettext_lazy("below the median"),
    "at": gettext_lazy("at the median"),
}


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [text for texts in exc.message_dict.values() for text in texts]
    return list(exc.messages)


def _id(raw: str, field: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise ValidationError({field: _("Name it by its id (a whole number).")})
    return int(raw)


def _unit_id(request: HttpRequest) -> int | None:
    """``unit`` from the query, else the unit the user acts for."""
    unit_id = _id(request.GET.get("unit", ""), "unit")
    return unit_id or getattr(getattr(request, "unit", None), "pk", None)


def _kpi_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, entry in report["kpis"].items():
        rows.append(
            {
                "name": name,
                "label": kpis.KPIS[name].label,
                **entry,
                "source_text": SOURCES[entry["source"]],
                "position_text": POSITIONS.get(entry["vs_median"] or "", ""),
            }
        )
    return rows


@login_required
def benchmarks_page(request: HttpRequest) -> HttpResponse:
    """A unit's KPIs against their benchmarks; its teams ranked by index."""
    params = request.GET
    context: dict[str, Any] = {"params": params, "errors": []}
    try:
        period = reports.check_period(
            start=_date(params.get("start"), "start"),
            end=_date(params.get("end"), "end"),
            month=params.get("month") or None,
            quarter=params.get("quarter") or None,
        )
        unit = reports.access_unit(request.user, _unit_id(request))
    except ValidationError as exc:
        context["errors"] = _errors(exc)
        return render(request, "analytics/benchmarks.html", context, status=400)
    report = benchmarks.benchmark_report(request.user, unit, period)
    names = list(report["kpis"])
    context.update(
        report=report,
        unit=unit,
        rows=_kpi_rows(report),
        kpi_labels=[kpis.KPIS[n].label for n in names],
        children=[
            {"unit": child["unit"], "cells": [child["kpis"][n] for n in names]}
            for child in report["children"]
        ],
    )
    return render(request, "analytics/benchmarks.html", context)


def _date(value: str | None, field: str):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: _("A date is written YYYY-MM-DD.")}) from None


def _current_budget(user: Any, unit_id: int) -> Budget | None:
    """The unit's budget running today (the latest started), if the user sees it."""
    today = timezone.localdate()
    return (
        Budget.objects.restrict(user, "view")
        .filter(owner_unit_id=unit_id, starts_on__lte=today, ends_on__gte=today)
        .order_by("-starts_on", "-pk")
        .first()
    )


def _forecast_context(user: Any, unit_id: int | None, budget_id: int | None) -> dict[str, Any]:
    unit = reports.access_unit(user, unit_id)
    if budget_id:
        budget = allocation.access_budget(user, budget_id)
    else:
        budget = _current_budget(user, unit.pk)
    return {
        "unit": unit,
        "report": forecasts.forecast_report(user, unit),
        "budget": budget,
        "suggestion": allocation.allocation_report(budget) if budget else None,
    }


@login_required
def forecasts_page(request: HttpRequest) -> HttpResponse:
    """Next-quarter pipeline with its back-test error, and the reallocation suggestion
    for the unit's running budget (or ``budget``)."""
    try:
        context = _forecast_context(
            request.user, _unit_id(request), _id(request.GET.get("budget", ""), "budget")
        )
    except ValidationError as exc:
        return render(request, "analytics/forecasts.html", {"errors": _errors(exc)}, status=400)
    return render(request, "analytics/forecasts.html", context)


@login_required
@require_POST
def apply_allocation(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the budget's current reallocation suggestion (governed, never direct)."""
    budget = allocation.access_budget(request.user, pk)
    back = (
        reverse("analytics:forecasts")
        + "?"
        + urlencode({"unit": budget.owner_unit_id, "budget": budget.pk})
    )
    try:
        results = allocation.do_apply_suggestion(
            request.user,
            budget,
            comment=request.POST.get("comment", "")[:2000],
            acting_unit=explicit_unit(request),
        )
    except (ValidationError, PermissionDenied) as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 400
        texts = [str(exc) or _("You may not do this.")] if status == 403 else _errors(exc)
        context = _forecast_context(request.user, budget.owner_unit_id, budget.pk)
        context["errors"] = texts
        return render(request, "analytics/forecasts.html", context, status=status)
    if any(isinstance(r, ApprovalRequest) and r.is_pending for r in results):
        messages.info(request, _("Sent for approval: the reallocation waits for the managers."))
    else:
        messages.success(request, _("Reallocated: both budgets have their new amounts."))
    return HttpResponseRedirect(back, status=303)
