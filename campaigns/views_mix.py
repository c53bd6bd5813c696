"""Dashboard: a unit's channel mix — every ``campaigns.*`` bound, where it comes from,
and (for the unit's admins) a form to tighten or remove the unit's own rules.

Inherited values are read-only here: they belong to the units above. Setting goes
through ``campaigns.mix.set_rule`` (range checks, the admin right, and the bounds
registry that refuses a loosening value naming the rule and the unit that set it);
removal reuses the governance bounds editor's route, which returns to this page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Channel
from campaigns import mix
from campaigns.forms import MixRuleForm
from campaigns.gates import DEFAULT_BASES
from campaigns.scheduling import DEFAULT_HOURS
from campaigns.views import attempt
from glocal.layering import bounds
from glocal.layering.models import Bound
from glocal.models import OrgUnit

SECTIONS = [
    (
        gettext_lazy("Channels and send hours"),
        [mix.ALLOWED_CHANNELS, mix.HOURS_START, mix.HOURS_END],
    ),
    (gettext_lazy("Frequency caps (all campaigns)"), [mix.ACCOUNT_CAP, mix.FAMILY_CAP]),
    (
        gettext_lazy("Share of a campaign's touches per channel"),
        [spec for c in Channel.values for spec in (mix.MAX_SHARE[c], mix.MIN_SHARE[c])],
    ),
    (
        gettext_lazy("Lawful bases accepted per channel"),
        [mix.LAWFUL_BASES[c] for c in Channel.values],
    ),
]


def _default(spec: bounds.BoundSpec) -> str:
    """What applies when no unit on the path sets the bound."""
    if spec.key == mix.HOURS_START.key:
        return _("from %(h)s:00 (default)") % {"h": DEFAULT_HOURS[0]}
    if spec.key == mix.HOURS_END.key:
        return _("until %(h)s:00 (default)") % {"h": DEFAULT_HOURS[1]}
    if spec.key == mix.ALLOWED_CHANNELS.key:
        return _("every channel (no rule)")
    if spec.key in mix.BASIS_KEYS:
        return _("only %(v)s (default)") % {"v": ", ".join(DEFAULT_BASES)}
    return _("no rule")


def _path(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and its ancestors, root first."""
    chain = []
    node: OrgUnit | None = unit
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def mix_sections(user: Any, unit: OrgUnit) -> list[dict[str, Any]]:
    """Per bound: the effective rule and its setter, and each value set along the path."""
    path = _path(unit)
    rows = Bound.objects.restrict(user, "view").filter(
        owner_unit_id__in=[u.pk for u in path], key__in=mix.ALL_KEYS
    )
    set_values: dict[str, dict[int, Bound]] = {}
    for bound in rows:
        set_values.setdefault(bound.key, {})[bound.owner_unit_id] = bound
    removable = set(
        Bound.objects.restrict(user, "delete")
        .filter(pk__in=[b.pk for b in rows])
        .values_list("pk", flat=True)
    )
    effective = mix.rules_for(unit)
    sections = []
    for title, specs in SECTIONS:
        items = []
        for spec in specs:
            rule = effective.get(spec)
            values = set_values.get(spec.key, {})
            chain = [
                {
                    "unit": node,
                    "rule": spec.kind.describe(values[node.pk].value),
                    "here": node.pk == unit.pk,
                    "bound": values[node.pk],
                    "removable": values[node.pk].pk in removable,
                }
                for node in path
                if node.pk in values
            ]
            items.append(
                {
                    "spec": spec,
                    "rule": spec.kind.describe(rule.value) if rule else _default(spec),
                    "set_by": rule.set_by if rule else None,
                    "inherited": rule is not None and rule.set_by.pk != unit.pk,
                    "chain": chain,
                    "own": next((c for c in chain if c["here"]), None),
                }
            )
        sections.append({"title": title, "rows": items})
    return sections


def _unit(request: HttpRequest, ref: str | None) -> OrgUnit:
    """A unit the user can see (404 otherwise): the one asked for, else the current one."""
    visible = OrgUnit.objects.restrict(request.user, "view").select_related("parent__parent")
    if not ref:
        current = getattr(request, "unit", None)
        ref = str(current.pk) if current else ""
    if not str(ref).isdigit():
        raise Http404
    return get_object_or_404(visible, pk=ref)


def mix_url(unit: OrgUnit) -> str:
    return reverse("campaigns:mix") + "?" + urlencode({"unit": unit.pk})


@login_required
def mix_editor(request: HttpRequest) -> HttpResponse:
    unit = _unit(request, request.GET.get("unit"))
    can_configure = OrgUnit.objects.restrict(request.user, "configure").filter(pk=unit.pk).exists()
    return render(
        request,
        "campaigns/mix.html",
        {
            "unit": unit,
            "units": OrgUnit.objects.restrict(request.user, "view")
            .filter(organization_id=unit.organization_id, is_active=True)
            .order_by("name"),
            "sections": mix_sections(request.user, unit),
            "form": MixRuleForm(user=request.user) if can_configure else None,
            "can_configure": can_configure,
            "back": mix_url(unit),
            "subnav": "mix",
        },
    )


@login_required
@require_POST
def mix_set(request: HttpRequest) -> HttpResponse:
    """Set (tighten) one of the unit's channel-mix rules."""
    unit = _unit(request, request.POST.get("unit"))
    form = MixRuleForm(request.POST, user=request.user)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    else:
        key = form.cleaned_data["key"]
        saved = attempt(
            request, mix.set_rule, request.user, unit, key, form.cleaned_data["typed_value"]
        )
        if saved is not None:
            spec = bounds.spec(key)
            messages.success(
                request,
                _("Saved for %(unit)s: “%(label)s” %(rule)s.")
                % {"unit": unit.name, "label": spec.label, "rule": spec.kind.describe(saved.value)},
            )
    return HttpResponseRedirect(mix_url(unit), status=303)
