"""Dashboard: the RACI grid of a unit (editable by the admins of a root or region)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from glocal.models import OrgUnit, Tier
from governance import raci
from governance.forms_approvals import RaciRowForm
from governance.models import Activity


@dataclass
class GridRow:
    activity: str
    label: str
    effective: raci.EffectiveRule
    form: RaciRowForm
    #: at a region: the root lets regions tailor this activity
    tailorable: bool

    @property
    def errors(self) -> list[str]:
        return [str(e) for e in self.form.non_field_errors()]


def _scope(request: HttpRequest) -> OrgUnit:
    ref = request.POST.get("scope") or request.GET.get("scope")
    visible = OrgUnit.objects.restrict(request.user, "view").select_related("parent__parent")
    if ref:
        unit = visible.filter(pk=ref).first() if str(ref).isdigit() else None
        if unit is None:
            raise Http404
        return unit
    unit = getattr(request, "unit", None)
    if unit is not None:
        return visible.get(pk=unit.pk)
    unit = visible.order_by("tier", "code").first()
    if unit is None:
        raise Http404
    return unit


def _initial(effective: raci.EffectiveRule, scope: OrgUnit) -> dict:
    rule = effective.rule
    return {
        "global_letters": rule.global_letters,
        "region_letters": rule.region_letters,
        "local_letters": rule.local_letters,
        "regions_may_tailor": rule.regions_may_tailor,
        "tailored": effective.source is not None and effective.source.pk == scope.pk,
    }


@login_required
def raci_matrix(request: HttpRequest) -> HttpResponse:
    """Rows: activities; columns: tiers; plus where each rule comes from."""
    scope = _scope(request)
    editable = raci.may_edit_matrix(request.user, scope)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    matrix = raci.effective_matrix(scope)
    root = raci.chain(scope)[-1]
    root_matrix = matrix if root.pk == scope.pk else raci.effective_matrix(root)
    data = request.POST if request.method == "POST" else None
    rows = []
    for activity, effective in matrix.items():
        initial = _initial(effective, scope)
        rows.append(
            GridRow(
                activity=activity,
                label=Activity(activity).label,
                effective=effective,
                form=RaciRowForm(data, prefix=activity, initial=initial),
                tailorable=root_matrix[activity].rule.regions_may_tailor,
            )
        )
    if data is not None and all(row.form.is_valid() for row in rows):
        changes = _changes(scope, rows)
        try:
            written = raci.save_matrix(scope, changes)
        except raci.MatrixInvalid as exc:
            by_activity = {row.activity: row for row in rows}
            for activity, error in exc.rows.items():
                form = by_activity[activity].form
                for field, problems in error.message_dict.items():
                    target = field if field in form.fields else None
                    for problem in problems:
                        form.add_error(target, problem)
            messages.error(request, _("Nothing was saved; fix the rows marked below."))
        else:
            messages.success(
                request,
                ngettext(
                    "RACI saved: %(n)s rule changed.", "RACI saved: %(n)s rules changed.", written
                )
                % {"n": written},
            )
            url = reverse("governance:raci") + f"?scope={scope.pk}"
            return HttpResponseRedirect(url, status=303)
    units = OrgUnit.objects.restrict(request.user, "view").order_by("tier", "code")
    return render(
        request,
        "governance/raci_matrix.html",
        {
            "scope": scope,
            "rows": rows,
            "editable": editable,
            "is_root": scope.tier == Tier.GLOBAL,
            "is_region": scope.tier == Tier.REGION,
            "units": units,
        },
    )


def _changes(scope: OrgUnit, rows: list[GridRow]) -> dict[str, dict | None]:
    """Only what differs from what applies now, so an unchanged grid writes nothing."""
    changes: dict[str, dict | None] = {}
    for row in rows:
        form, rule = row.form, row.effective.rule
        letters = form.letters()
        current = {name: getattr(rule, name) for name in RaciRowForm.LETTERS}
        if scope.tier == Tier.GLOBAL:
            values = {**letters, "regions_may_tailor": form.cleaned_data["regions_may_tailor"]}
            if values != {**current, "regions_may_tailor": rule.regions_may_tailor}:
                changes[row.activity] = values
        elif row.tailorable:
            own = row.effective.source is not None and row.effective.source.pk == scope.pk
            if not form.cleaned_data["tailored"]:
                if own:
                    changes[row.activity] = None
            elif not own or letters != current:
                changes[row.activity] = letters
    return changes
