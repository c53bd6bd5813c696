"""Dashboard shell: home, organisation tree, unit switcher."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from glocal import current_unit
from glocal.models import Membership, OrgUnit


@login_required
def home(request: HttpRequest) -> HttpResponse:
    units = OrgUnit.objects.restrict(request.user, "view").select_related("organization")
    return render(
        request,
        "glocal/home.html",
        {"visible_units": units, "memberships": current_unit.member_units(request.user)},
    )


def _tree(units: list[OrgUnit], members: dict[int, list[Membership]]) -> list[dict]:
    """Nest visible units under their visible parents (a hidden parent makes a root)."""
    by_id = {u.pk: {"unit": u, "members": members.get(u.pk, []), "children": []} for u in units}
    roots = []
    for node in by_id.values():
        parent = by_id.get(node["unit"].parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    units = list(OrgUnit.objects.restrict(request.user, "view").select_related("organization"))
    members: dict[int, list[Membership]] = defaultdict(list)
    memberships = Membership.objects.restrict(request.user, "view").select_related("user")
    for membership in memberships.filter(unit__in=[u.pk for u in units]):
        members[membership.unit_id].append(membership)
    return render(request, "glocal/org_tree.html", {"roots": _tree(units, members)})


@login_required
@require_POST
def switch_unit(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or reverse("dashboard:home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("dashboard:home")
    try:
        unit = current_unit.switch(request, request.POST.get("unit", ""))
    except current_unit.UnknownUnit:
        messages.error(request, _("You are not a member of that unit."))
        return HttpResponseRedirect(target, status=303)
    messages.success(request, _("You now act for %(unit)s.") % {"unit": unit.name})
    return HttpResponseRedirect(target, status=303)
