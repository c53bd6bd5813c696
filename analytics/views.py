"""Dashboard: the consolidated KPIs of a unit with drill-down, charts and exports.

``/analytics/`` is the current unit (the unit switcher's), ``/analytics/unit/<pk>/`` any
unit whose whole subtree the user sees. ``reports.access_unit`` decides, as in the API:
a unit outside the user's view is a 404 (a sibling, another organisation), an ancestor
whose figures include other teams a 403. A bad query re-renders the page with the
form errors (400); an export answers 400 naming the bad parameter.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analytics import dashboard, reports
from glocal.exports import to_csv, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _problems(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}


def _page(request: HttpRequest, unit_id: int | None) -> HttpResponse:
    unit = reports.access_unit(request.user, unit_id) if unit_id is not None else None
    context: dict[str, Any] = {
        "kinds": dashboard.PERIOD_KINDS,
        "metrics": list(dashboard.HEATMAP_METRICS.values()),
    }
    try:
        query = dashboard.check_query(request.GET)
    except ValidationError as exc:
        context.update(
            unit=unit, errors=_problems(exc), form=request.GET, kind=request.GET.get("period")
        )
        return render(request, "analytics/dashboard.html", context, status=400)
    context.update(form=query.values, kind=query.kind, metric=query.metric)
    if unit is not None:
        context.update(dashboard.dashboard(request.user, unit, query))
        params = query.params()
        context["query"] = urlencode(params)
        context["export_query"] = urlencode({**params, "unit": unit.pk})
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The current unit's dashboard (a user acting for no unit gets an explanation)."""
    unit = getattr(request, "unit", None)
    return _page(request, unit.pk if unit else None)


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _export(request: HttpRequest) -> tuple[Any, Any, Any, str] | HttpResponse:
    """The export's unit, period and table, or a 400 naming the bad parameter."""
    try:
        query = dashboard.check_query(request.GET)
        unit_id = dashboard.check_unit_id(request.GET.get("unit"))
        if unit_id is None:
            current = getattr(request, "unit", None)
            unit_id = current.pk if current else None
        unit = reports.access_unit(request.user, unit_id)
    except ValidationError as exc:
        text = "\n".join(f"{k}: {m}" if k else m for k, ms in _problems(exc).items() for m in ms)
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")
    header, rows = dashboard.export_table(request.user, unit, query.period)
    period = query.period
    name = (
        f"kpis-{slugify(unit.code) or unit.pk}-{period.start.isoformat()}-{period.end.isoformat()}"
    )
    return header, rows, unit, name


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """The KPI table (the unit, then its child units) as CSV."""
    result = _export(request)
    if isinstance(result, HttpResponse):
        return result
    header, rows, _unit, name = result
    response = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The same table as an XLSX workbook."""
    result = _export(request)
    if isinstance(result, HttpResponse):
        return result
    header, rows, _unit, name = result
    response = HttpResponse(to_xlsx(header, rows, title=_("KPIs")), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
