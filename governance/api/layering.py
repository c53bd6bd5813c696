"""Override policies, stale-override review, bounds and the audit trail over the API."""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from glocal import layering
from glocal.api.base import (
    RestrictedPrimaryKeyRelatedField,
    TenantViewSet,
    ValidatedModelSerializer,
    as_drf_validation_error,
)
from glocal.layering import bounds
from glocal.layering.models import Bound, LayeredModel, OverridePolicy, StaleOverride
from glocal.layering.overview import text_diff
from glocal.models import OrgUnit
from governance import audit
from governance.models import AuditEntry


@extend_schema_field(OpenApiTypes.STR)
class LayeredTypeField(serializers.Field):
    """A layered model named ``app_label.model``, e.g. ``governance.directive``."""

    def to_representation(self, value: ContentType) -> str:
        return f"{value.app_label}.{value.model}"

    def to_internal_value(self, data) -> ContentType:
        try:
            app_label, model = str(data).lower().split(".", 1)
            ctype = ContentType.objects.get(app_label=app_label, model=model)
        except (ValueError, ContentType.DoesNotExist):
            raise serializers.ValidationError(f"Unknown type {data!r}.") from None
        model_class = ctype.model_class()
        if model_class is None or not issubclass(model_class, LayeredModel):
            raise serializers.ValidationError(f"{data} is not a layered type.")
        return ctype


class OverridePolicySerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="configure")
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    content_type = LayeredTypeField()

    class Meta:
        model = OverridePolicy
        fields = ["id", "owner_unit", "owner_unit_code", "content_type", "field", "lowest_tier"]


class OverridePolicyViewSet(TenantViewSet):
    """Lowest tier allowed to override each layered field; regions may only tighten."""

    queryset = OverridePolicy.objects.select_related("owner_unit", "content_type")
    serializer_class = OverridePolicySerializer
    filterset_fields = ["owner_unit", "field", "lowest_tier"]


class StaleOverrideSerializer(serializers.ModelSerializer):
    type = LayeredTypeField(source="content_type", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    current = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField()

    class Meta:
        model = StaleOverride
        fields = [
            "id",
            "type",
            "object_id",
            "field",
            "owner_unit_code",
            "old_source",
            "new_source",
            "current",
            "diff",
            "detected_at",
        ]

    @extend_schema_field(OpenApiTypes.ANY)
    def get_current(self, stale: StaleOverride):
        return getattr(stale.node, stale.field, None) if stale.node is not None else None

    def get_diff(self, stale: StaleOverride) -> str:
        return text_diff(stale.old_source, stale.new_source)


class StaleOverrideViewSet(TenantViewSet):
    """The review queue: overrides whose source changed since they were adapted."""

    queryset = StaleOverride.objects.select_related("owner_unit", "content_type").prefetch_related(
        "node"
    )
    serializer_class = StaleOverrideSerializer
    filterset_fields = ["owner_unit", "field"]
    http_method_names = ["get", "post", "head", "options"]
    restrict_actions = {"accept": "change", "keep": "change"}

    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("POST")

    def _review(self, decide) -> Response:
        stale = self.get_object()
        node = stale.node
        model = type(node)
        if (
            not model._default_manager.restrict(self.request.user, "change")
            .filter(pk=node.pk)
            .exists()
        ):
            raise exceptions.PermissionDenied(_("You may not change this object."))
        try:
            decide(node, [stale.field])
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None
        return Response(status=204)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Take the source's new value: the field follows its parent again."""
        return self._review(layering.revert)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def keep(self, request, pk=None):
        """Keep the local adaptation; it is now adapted from the new source."""
        return self._review(layering.keep_adaptation)


class BoundSerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="configure")
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    key = serializers.ChoiceField(choices=[])
    effective = serializers.SerializerMethodField()

    class Meta:
        model = Bound
        fields = ["id", "owner_unit", "owner_unit_code", "key", "value", "effective"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(s.key, str(s.label)) for s in bounds.declared()]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_effective(self, bound: Bound):
        effective = bounds.effective(bound.owner_unit, bound.key)
        if effective is None:
            return None
        return {"value": effective.value, "set_by": effective.set_by.code}


class BoundViewSet(TenantViewSet):
    """Caps, minimums, allowed sets and requirements; lower tiers may only tighten."""

    queryset = Bound.objects.select_related("owner_unit__parent__parent")
    serializer_class = BoundSerializer
    filterset_fields = ["owner_unit", "key"]


class AuditFilterSet(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    actor = django_filters.CharFilter(field_name="actor__username")
    unit = django_filters.CharFilter(field_name="owner_unit__code")

    class Meta:
        model = AuditEntry
        fields = ["action", "target_type", "target_id"]


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    unit = serializers.CharField(source="owner_unit.code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "unit",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "note",
            "bulk",
        ]


class AuditEntryViewSet(TenantViewSet):
    """The audit trail of your units, for managers; export as CSV."""

    queryset = AuditEntry.objects.select_related("actor", "owner_unit")
    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilterSet
    http_method_names = ["get", "head", "options"]
    restrict_actions = {"export": "export"}

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered trail as CSV (cells are safe to open in a spreadsheet)."""
        entries = self.filter_queryset(self.queryset.restrict(request.user, "export"))[:50000]
        body = audit.as_csv(entries)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
