"""Dashboard pages of the layering engine: per-object overview, review queue, audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from glocal import layering
from glocal.layering import bounds
from glocal.layering.models import Bound, OverridePolicy, StaleOverride
from glocal.layering.overview import field_overview, text_diff
from governance import audit
from governance.forms_bounds import BoundForm
from governance.models import AuditEntry, Directive


def _directive(request: HttpRequest, pk: int, action: str = "view") -> Directive:
    directive = get_object_or_404(Directive.objects.restrict(request.user, "view"), pk=pk)
    if (
        action != "view"
        and not Directive.objects.restrict(request.user, action).filter(pk=pk).exists()
    ):
        raise PermissionDenied
    return directive


@login_required
def directive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Each field's value, origin, override rule, lock and staleness, with actions."""
    directive = _directive(request, pk)
    can_change = Directive.objects.restrict(request.user, "change").filter(pk=pk).exists()
    return render(
        request,
        "governance/directive_detail.html",
        {
            "directive": directive,
            "fields": field_overview(directive),
            "can_change": can_change,
            "can_lock": layering.may_lock(request.user, directive),
            "adaptations": directive.children.restrict(request.user, "view").select_related(
                "owner_unit"
            ),
        },
    )


def _back(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("governance:directive", args=[pk]), status=303)


def _run(request: HttpRequest, call, *args) -> bool:
    try:
        call(*args)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                messages.error(request, f"{field}: {error}")
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do that."))
        return False
    return True


@login_required
@require_POST
def directive_field(request: HttpRequest, pk: int) -> HttpResponse:
    """Override, revert, keep, lock or unlock one field."""
    field = request.POST.get("field", "")
    operation = request.POST.get("operation", "")
    if field not in Directive.layered_fields:
        raise Http404
    if operation in ("lock", "unlock"):
        directive = _directive(request, pk)
        lock = [field] if operation == "lock" else []
        unlock = [field] if operation == "unlock" else []
        done = _run(request, layering.set_locks, request.user, directive, lock, unlock)
    else:
        directive = _directive(request, pk, "change")
        if operation == "override":
            done = _run(
                request, layering.set_fields, directive, {field: request.POST.get("value", "")}
            )
        elif operation == "revert":
            done = _run(request, layering.revert, directive, [field])
        elif operation == "keep":
            done = _run(request, layering.keep_adaptation, directive, [field])
        else:
            raise Http404
    if done:
        messages.success(request, _("Saved."))
    return _back(request, pk)


@login_required
def stale_queue(request: HttpRequest) -> HttpResponse:
    """Overrides whose source changed: accept the new source or keep the adaptation."""
    rows = (
        StaleOverride.objects.restrict(request.user, "view")
        .select_related("owner_unit", "content_type")
        .prefetch_related("node")
    )
    items = [
        {
            "stale": s,
            "diff": text_diff(s.old_source, s.new_source),
            "current": getattr(s.node, s.field, ""),
        }
        for s in rows
    ]
    return render(request, "governance/stale_queue.html", {"items": items})


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Override policies and bounds that apply to my units, where they come from, what
    binds the current unit, and (for unit admins) a form to tighten or remove bounds."""
    form = BoundForm(user=request.user, initial={"owner_unit": getattr(request.unit, "pk", None)})
    unit = request.unit
    effective = []
    if unit is not None:
        for spec in bounds.declared():
            found = bounds.effective(unit, spec.key)
            if found is not None:
                effective.append((spec, spec.kind.describe(found.value), found.set_by))
    return render(
        request,
        "governance/rules.html",
        {
            "policies": OverridePolicy.objects.restrict(request.user, "view").select_related(
                "owner_unit", "content_type"
            ),
            "bounds": Bound.objects.restrict(request.user, "view").select_related("owner_unit"),
            "removable": set(
                Bound.objects.restrict(request.user, "delete").values_list("pk", flat=True)
            ),
            "form": form if form.fields["owner_unit"].queryset.exists() else None,
            "effective": effective,
            "unit": unit,
        },
    )


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail of my units (managers), filterable, exportable as CSV."""
    entries = AuditEntry.objects.restrict(request.user, "view").select_related(
        "actor", "owner_unit"
    )
    action = request.GET.get("action")
    if action:
        entries = entries.filter(action=action)
    if request.GET.get("format") == "csv":
        body = audit.as_csv(entries[:50000])
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "governance/audit_list.html", {"page": page, "action": action or ""})
