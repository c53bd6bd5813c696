"""API building blocks for layered objects (directives now; content and playbooks later)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from glocal import layering
from glocal.api.base import as_drf_validation_error
from glocal.layering.overview import field_overview


class LayeredSerializerMixin(serializers.Serializer):
    """Creates adaptations with ``layering.adapt`` and writes fields via the engine."""

    overridden_fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    locked_fields = serializers.ListField(child=serializers.CharField(), read_only=True)

    def _split(self, validated_data: dict) -> tuple[dict, dict]:
        layered = self.Meta.model.layered_fields
        own = {k: v for k, v in validated_data.items() if k in layered}
        rest = {k: v for k, v in validated_data.items() if k not in layered}
        return own, rest

    def build_for_validation(self, attrs):
        instance = super().build_for_validation(attrs)
        parent = attrs.get("parent")
        if self.instance is None and parent is not None:
            for field in instance.layered_fields:
                if field not in attrs:
                    setattr(instance, field, getattr(parent, field))
        return instance

    def create(self, validated_data):
        parent = validated_data.pop("parent", None)
        if parent is None:
            return super().create(validated_data)
        own, rest = self._split(validated_data)
        owner_unit = rest.pop("owner_unit")
        try:
            return layering.adapt(parent, owner_unit, own, **rest)
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None

    def update(self, instance, validated_data):
        validated_data.pop("parent", None)  # re-parenting is not an edit
        own, rest = self._split(validated_data)
        if own:
            try:
                instance = layering.set_fields(instance, own)
            except DjangoValidationError as exc:
                raise as_drf_validation_error(exc) from None
        return super().update(instance, rest) if rest else instance


class FieldsSerializer(serializers.Serializer):
    fields = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class LocksSerializer(serializers.Serializer):
    lock = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    unlock = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class FieldOverviewSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField()
    overridden = serializers.BooleanField()
    inherited_from = serializers.CharField(allow_null=True)
    lowest_tier = serializers.CharField()
    rule_set_by = serializers.CharField()
    locked_by = serializers.CharField(allow_null=True)
    locked_here = serializers.BooleanField()
    stale = serializers.BooleanField()
    diff = serializers.CharField()


class LayeredViewSetMixin:
    """Actions every layered resource offers: overview, revert, keep, locks."""

    restrict_actions = {"governance": "view", "revert": "change", "keep": "change", "locks": "view"}

    def _engine(self, call, *args):
        try:
            return call(*args)
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None

    @extend_schema(responses=FieldOverviewSerializer(many=True))
    @action(detail=True, methods=["get"])
    def governance(self, request, pk=None):
        """Per field: effective value, origin, override rule, lock and staleness (with diff)."""
        return Response(FieldOverviewSerializer(field_overview(self.get_object()), many=True).data)

    @extend_schema(request=FieldsSerializer)
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        """Drop overrides (or accept a stale field's new source): follow the parent."""
        payload = FieldsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        node = self._engine(layering.revert, self.get_object(), payload.validated_data["fields"])
        return Response(self.get_serializer(node).data)

    @extend_schema(request=FieldsSerializer)
    @action(detail=True, methods=["post"])
    def keep(self, request, pk=None):
        """Keep stale adaptations, now adapted from the parent's current value."""
        payload = FieldsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        node = self._engine(
            layering.keep_adaptation, self.get_object(), payload.validated_data["fields"]
        )
        return Response(self.get_serializer(node).data)

    @extend_schema(request=LocksSerializer)
    @action(detail=True, methods=["post"])
    def locks(self, request, pk=None):
        """Lock or unlock fields for every descendant (managers of the owner, or holders)."""
        payload = LocksSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        node = self._engine(
            layering.set_locks,
            request.user,
            self.get_object(),
            payload.validated_data["lock"],
            payload.validated_data["unlock"],
        )
        return Response(self.get_serializer(node).data)
