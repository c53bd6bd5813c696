"""The channel mix over the API: per unit, every rule that binds it and who set it.

Rules are ``glocal.layering.bounds`` bounds declared by ``campaigns.mix``; setting one
goes through ``mix.set_rule`` (unit admins; range checks; the registry refuses a value
that would loosen an ancestor's rule, naming that rule and the unit that set it).
The generic ``/bounds/`` API stores the same rows; this one adds the campaign checks
and shows the effective values with their origin.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns import mix
from campaigns.api.filters import ChannelMixFilterSet
from campaigns.api.serializers import ChannelMixSerializer, RemoveRuleSerializer, SetRuleSerializer
from glocal.api.base import TenantViewSet
from glocal.models import OrgUnit
from governance.api.approvals import NoCreateMixin, run


def _unit_ref(unit: OrgUnit) -> dict[str, Any]:
    return {"unit": unit.pk, "unit_code": unit.code, "tier": unit.tier}


def mix_payload(user: Any, units: list[OrgUnit]) -> list[dict[str, Any]]:
    """The effective rules of each unit, ready for :class:`ChannelMixSerializer`."""
    views = mix.overview(units)
    configurable = set(
        OrgUnit.objects.restrict(user, "configure")
        .filter(pk__in=[u.pk for u in units])
        .values_list("pk", flat=True)
    )
    return [
        {
            "unit": unit.pk,
            "unit_code": unit.code,
            "unit_name": unit.name,
            "tier": unit.tier,
            "may_configure": unit.pk in configurable,
            "rules": [
                {
                    "key": view.spec.key,
                    "label": str(view.spec.label),
                    "kind": view.spec.kind.name,
                    "value": view.value,
                    "rule": view.describe(),
                    "set_by": view.set_by.pk,
                    "set_by_code": view.set_by.code,
                    "set_by_name": view.set_by.name,
                    "set_by_tier": view.set_by.tier,
                    "inherited": view.set_by.pk != unit.pk,
                    "own_value": view.own,
                    "levels": [
                        {**_unit_ref(level.unit), "value": level.value} for level in view.chain
                    ],
                }
                for view in views[unit.pk]
            ],
            "defaults": mix.DEFAULTS,
        }
        for unit in units
    ]


class ChannelMixViewSet(NoCreateMixin, TenantViewSet):
    """Per unit you can see: its effective channel-mix rules, inherited ones included.

    ``set`` and ``remove`` change the unit's own rules (its admins only); a lower tier
    may only tighten what the tiers above set.
    """

    # Parents loaded for the rule chains (the tree is at most three deep).
    queryset = OrgUnit.objects.select_related("parent__parent")
    serializer_class = ChannelMixSerializer
    filterset_class = ChannelMixFilterSet
    ordering_fields = ["code", "name"]
    http_method_names = ["get", "post", "head", "options"]
    restrict_actions = {"set_rule": "view", "remove_rule": "view"}  # the service says who

    def list(self, request, *args, **kwargs):
        units = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = ChannelMixSerializer(mix_payload(request.user, list(units)), many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        return self._reply(self.get_object())

    def _reply(self, unit: OrgUnit) -> Response:
        fresh = self.queryset.get(pk=unit.pk)
        return Response(ChannelMixSerializer(mix_payload(self.request.user, [fresh])[0]).data)

    @extend_schema(request=SetRuleSerializer, responses=ChannelMixSerializer)
    @action(detail=True, methods=["post"], url_path="set")
    def set_rule(self, request, pk=None):
        """Set (or change) one of this unit's rules; a loosening value is refused naming
        the rule it would loosen and the unit that set it."""
        unit = self.get_object()
        payload = SetRuleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        run(mix.set_rule, request.user, unit, data["key"], data["value"])
        return self._reply(unit)

    @extend_schema(request=RemoveRuleSerializer, responses=ChannelMixSerializer)
    @action(detail=True, methods=["post"], url_path="remove")
    def remove_rule(self, request, pk=None):
        """Remove one of this unit's own rules; what the units above set still binds."""
        unit = self.get_object()
        payload = RemoveRuleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(mix.remove_rule, request.user, unit, payload.validated_data["key"])
        return self._reply(unit)
