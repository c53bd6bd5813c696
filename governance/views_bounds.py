"""Dashboard: unit admins set and remove bounds (ICP criteria, caps, shares, requirements).

Writes go through ``Bound.full_clean`` so a value that would loosen an ancestor's rule is
refused with that rule and its unit named, exactly as in the API and the admin.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from glocal.changes import acting_as
from glocal.layering.models import Bound
from governance.forms_bounds import BoundForm


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the page the form was on (e.g. the campaigns' channel-mix editor), or the
    rules page."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("governance:rules") + "#bounds"
    return HttpResponseRedirect(target, status=303)


@login_required
@require_POST
def bound_set(request: HttpRequest) -> HttpResponse:
    """Create or change the bound of one of my units."""
    form = BoundForm(request.POST, user=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[field].label if field in form.fields else ''}: {error}"
                )
        return _back(request)
    unit, key = form.cleaned_data["owner_unit"], form.cleaned_data["key"]
    bound = Bound.objects.filter(owner_unit=unit, key=key).first() or Bound(
        owner_unit=unit, key=key
    )
    bound.value = form.cleaned_data["typed_value"]
    try:
        bound.full_clean()
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    with acting_as(request.user):
        bound.save()
    messages.success(request, _("Bound saved for %(unit)s.") % {"unit": unit.name})
    return _back(request)


@login_required
@require_POST
def bound_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a bound my unit set (what the units above set still applies)."""
    bound = get_object_or_404(Bound.objects.restrict(request.user, "view"), pk=pk)
    if not Bound.objects.restrict(request.user, "delete").filter(pk=bound.pk).exists():
        raise PermissionDenied(
            _("Only the admins of %(unit)s may remove it.") % {"unit": bound.owner_unit.name}
        )
    with acting_as(request.user):
        bound.delete()
    messages.success(request, _("Bound removed."))
    return _back(request)
