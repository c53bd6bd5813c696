"""RACI over the API: the rules per scope, the effective matrix at a unit, and
``authorize`` for the caller (so clients know before acting whether approval is needed)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from glocal.api.base import (
    RestrictedPrimaryKeyRelatedField,
    TenantViewSet,
    ValidatedModelSerializer,
)
from glocal.models import OrgUnit
from governance import raci
from governance.authorization import Outcome, authorize
from governance.models import Activity, RaciRule


class RaciRuleFilterSet(django_filters.FilterSet):
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")

    class Meta:
        model = RaciRule
        fields = ["owner_unit", "activity", "regions_may_tailor"]


class RaciRuleSerializer(ValidatedModelSerializer):
    """One activity's letters per tier at one scope (``owner_unit``: the root or a region)."""

    owner_unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="configure")
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    activity_name = serializers.CharField(source="get_activity_display", read_only=True)

    class Meta:
        model = RaciRule
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "activity",
            "activity_name",
            "global_letters",
            "region_letters",
            "local_letters",
            "regions_may_tailor",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("owner_unit", "activity"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("A rule keeps its scope and activity; create another rule.")}
                    )
        return super().validate(attrs)


class EffectiveRuleSerializer(serializers.Serializer):
    activity = serializers.CharField()
    activity_name = serializers.CharField()
    global_letters = serializers.CharField()
    region_letters = serializers.CharField()
    local_letters = serializers.CharField()
    regions_may_tailor = serializers.BooleanField()
    source = serializers.IntegerField(allow_null=True, help_text="Unit whose rule applies")
    source_code = serializers.CharField(allow_null=True)
    is_default = serializers.BooleanField(help_text="The built-in default applies")
    suspended_tailoring = serializers.BooleanField(
        help_text="A region's rule exists but global no longer lets regions tailor"
    )


class EffectiveMatrixSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_code = serializers.CharField()
    rules = EffectiveRuleSerializer(many=True)


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class AuthorizationSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[o.value for o in Outcome])
    reason = serializers.CharField()
    activity = serializers.CharField()
    scope = UnitRefSerializer()
    acting_unit = UnitRefSerializer(allow_null=True)
    accountable = UnitRefSerializer()
    responsible = UnitRefSerializer(many=True)
    consulted = UnitRefSerializer(many=True)
    informed = UnitRefSerializer(many=True)


UNIT_PARAM = OpenApiParameter(
    "unit", int, description="Unit id (default: the unit the request acts for)"
)


class RaciRuleViewSet(TenantViewSet):
    """The RACI matrix: rules per scope, readable by the whole subtree, written by admins
    of the scope. A region's rule tailors an activity only where global allows it."""

    queryset = RaciRule.objects.select_related("owner_unit")
    serializer_class = RaciRuleSerializer
    filterset_class = RaciRuleFilterSet
    ordering_fields = ["activity", "owner_unit"]

    def _unit(self, request) -> OrgUnit:
        ref = request.query_params.get("unit")
        if not ref:
            if request.unit is None:
                raise exceptions.ValidationError({"unit": _("Name a unit.")})
            return request.unit
        unit = (
            OrgUnit.objects.restrict(request.user, "view")
            .filter(pk=ref if str(ref).isdigit() else None)
            .select_related("parent__parent")
            .first()
        )
        if unit is None:
            raise exceptions.ValidationError({"unit": _("Unknown unit %(ref)s.") % {"ref": ref}})
        return unit

    @extend_schema(parameters=[UNIT_PARAM], responses=EffectiveMatrixSerializer)
    @action(detail=False, methods=["get"])
    def effective(self, request):
        """The rule that applies to each activity at a unit, and where it comes from."""
        unit = self._unit(request)
        rules = [
            {
                "activity": rule.activity,
                "activity_name": Activity(rule.activity).label,
                "global_letters": rule.rule.global_letters,
                "region_letters": rule.rule.region_letters,
                "local_letters": rule.rule.local_letters,
                "regions_may_tailor": rule.rule.regions_may_tailor,
                "source": rule.source.pk if rule.source else None,
                "source_code": rule.source.code if rule.source else None,
                "is_default": rule.is_default,
                "suspended_tailoring": rule.suspended is not None,
            }
            for rule in raci.effective_matrix(unit).values()
        ]
        return Response(
            EffectiveMatrixSerializer(
                {"unit": unit.pk, "unit_code": unit.code, "rules": rules}
            ).data
        )

    @extend_schema(
        parameters=[
            UNIT_PARAM,
            OpenApiParameter("activity", str, enum=Activity.values, required=True),
        ],
        responses=AuthorizationSerializer,
    )
    @action(detail=False, methods=["get"])
    def authorize(self, request):
        """May I perform this activity at this unit: allowed, needs approval or forbidden?"""
        activity = request.query_params.get("activity", "")
        if activity not in Activity.values:
            raise exceptions.ValidationError(
                {
                    "activity": _("Unknown activity; one of: %(all)s.")
                    % {"all": ", ".join(Activity.values)}
                }
            )
        unit = self._unit(request)
        result = authorize(request.user, activity, unit)
        parties = result.parties
        return Response(
            AuthorizationSerializer(
                {
                    "outcome": result.outcome.value,
                    "reason": result.reason,
                    "activity": activity,
                    "scope": unit,
                    "acting_unit": result.acting_unit,
                    "accountable": parties.accountable,
                    "responsible": parties.responsible,
                    "consulted": parties.consulted,
                    "informed": parties.informed,
                }
            ).data
        )
