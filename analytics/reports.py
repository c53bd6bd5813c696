"""KPI reports: a unit's KPIs over a period, with its child units for drill-down.

Reads ``DailyFact`` only, through ``restrict``: never the raw facts. The KPIs of a unit
consolidate its whole subtree, so only units whose subtree the caller sees entirely
(their own units and below) may be reported on; an ancestor's consolidated figure would
reveal siblings' results.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import kpis, rollups
from analytics.models import DailyFact
from glocal.models import OrgUnit
from glocal.tenancy import Role, scope_for

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
#: the longest period a report covers (ten years)
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


def check_period(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    month: str | None = None,
    quarter: str | None = None,
    today: dt.date | None = None,
) -> Period:
    """The period named by exactly one of start+end, ``month=YYYY-MM`` or
    ``quarter=YYYY-Qn`` (the current month when none is given)."""
    given = [
        name
        for name, v in (("start/end", start or end), ("month", month), ("quarter", quarter))
        if v
    ]
    if len(given) > 1:
        raise ValidationError(
            {"period": _("Give one period: start and end, month or quarter (got %(g)s).")
             % {"g": ", ".join(given)}}
        )  # fmt: skip
    if month:
        match = MONTH.match(month.strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
            raise ValidationError({"month": _("A month is written YYYY-MM, e.g. 2031-03.")})
        year, number = int(match[1]), int(match[2])
        return Period(
            dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])
        )
    if quarter:
        match = QUARTER.match(quarter.strip())
        if not match or int(match[1]) < 1:
            raise ValidationError({"quarter": _("A quarter is written YYYY-Qn, e.g. 2031-Q2.")})
        year, number = int(match[1]), int(match[2])
        last_month = number * 3
        return Period(
            dt.date(year, last_month - 2, 1),
            dt.date(year, last_month, calendar.monthrange(year, last_month)[1]),
        )
    if start or end:
        if not (start and end):
            raise ValidationError({"end" if start else "start": _("Give both start and end.")})
        if end < start:
            raise ValidationError({"end": _("The period ends before it starts.")})
        if (end - start).days >= MAX_DAYS:
            raise ValidationError({"end": _("A period covers ten years at most.")})
        return Period(start, end)
    today = today or timezone.localdate()
    return Period(
        today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    )


def check_kpis(names: list[str] | None) -> list[str] | None:
    """The requested KPI names (None: all); unknown names are refused, naming the known."""
    if not names:
        return None
    unknown = [n for n in names if n not in kpis.KPIS]
    if unknown:
        raise ValidationError(
            {
                "kpi": _("Unknown KPI: %(unknown)s (known: %(known)s).")
                % {"unknown": ", ".join(unknown), "known": ", ".join(kpis.KPIS)}
            }
        )
    return names


def access_unit(user: Any, unit_id: int | None) -> OrgUnit:
    """The unit to report on: 404 outside the caller's view, 403 for an ancestor the
    caller sees but whose consolidated figures include other teams."""
    if unit_id is None:
        raise ValidationError({"unit": _("Name a unit (you act for no unit).")})
    unit = (
        OrgUnit.objects.restrict(user, "view")
        .select_related("organization")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise Http404
    if not user.is_superuser and unit.pk not in scope_for(user, Role.VIEWER).down:
        raise PermissionDenied(
            _("The KPIs of %(unit)s include units outside yours; ask for your own units.")
            % {"unit": unit.name}
        )
    return unit


def unit_summary(unit: OrgUnit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "tier": unit.tier}


def kpi_values(values: dict[str, kpis.Value]) -> dict[str, Any]:
    return {
        k: (str(v) if v is not None and not isinstance(v, int) else v) for k, v in values.items()
    }


def subtrees(unit: OrgUnit, roots: list[OrgUnit]) -> dict[int, set[int]]:
    """Each root's unit ids (itself and its descendants), from one read of the tree."""
    below: dict[int | None, list[int]] = {}
    for pk, parent_id in OrgUnit.objects.filter(organization_id=unit.organization_id).values_list(
        "pk", "parent_id"
    ):
        below.setdefault(parent_id, []).append(pk)
    result = {}
    for root in roots:
        found, stack = set(), [root.pk]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(below.get(pk, ()))
        result[root.pk] = found
    return result


def kpi_report(
    user: Any, unit: OrgUnit, period: Period, only: list[str] | None = None
) -> dict[str, Any]:
    """The unit's KPIs and, for drill-down, each visible child unit's (one read of the
    rollups for all of them)."""
    children = list(
        OrgUnit.objects.restrict(user, "view").filter(parent=unit, is_active=True).order_by("code")
    )
    groups = subtrees(unit, [unit, *children])
    inputs = rollups.read_inputs(
        DailyFact.objects.restrict(user, "view"),
        groups,
        period.start,
        period.end,
        today=timezone.localdate(),
    )
    return {
        "unit": unit_summary(unit),
        "period": {"start": period.start, "end": period.end},
        "currency": unit.organization.reporting_currency,
        "kpis": kpi_values(kpis.compute(inputs[unit.pk], only)),
        "children": [
            {"unit": unit_summary(child), "kpis": kpi_values(kpis.compute(inputs[child.pk], only))}
            for child in children
        ],
    }
