from __future__ import annotations

from rest_framework import serializers

from glocal.api.base import RestrictedPrimaryKeyRelatedField, ValidatedModelSerializer
from glocal.api.layering import LayeredSerializerMixin
from glocal.models import OrgUnit
from governance.models import Directive


class DirectiveSerializer(LayeredSerializerMixin, ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    parent = RestrictedPrimaryKeyRelatedField(
        queryset=Directive.objects, action="view", required=False, allow_null=True
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    title = serializers.CharField(max_length=200, required=False)

    class Meta:
        model = Directive
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "parent",
            "title",
            "summary",
            "body",
            "legal_notice",
            "status",
            "published_at",
            "overridden_fields",
            "locked_fields",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["published_at", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is None:
            if "owner_unit" not in attrs:
                request = self.context["request"]
                if not request.unit:
                    raise serializers.ValidationError(
                        {"owner_unit": "You are not a member of any unit; name the owner unit."}
                    )
                attrs["owner_unit"] = OrgUnit.objects.get(pk=request.unit.pk)
            if not attrs.get("parent") and not attrs.get("title"):
                raise serializers.ValidationError(
                    {"title": "A directive needs a title unless it adapts another one."}
                )
        return super().validate(attrs)
