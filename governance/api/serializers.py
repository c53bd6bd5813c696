from __future__ import annotations

from rest_framework import serializers

from glocal.api.base import RestrictedPrimaryKeyRelatedField, ValidatedModelSerializer
from glocal.models import OrgUnit
from governance.models import Directive


class DirectiveSerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Directive
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "title",
            "body",
            "status",
            "published_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["published_at", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is None and "owner_unit" not in attrs:
            request = self.context["request"]
            if not request.unit:
                raise serializers.ValidationError(
                    {"owner_unit": "You are not a member of any unit; name the owner unit."}
                )
            attrs["owner_unit"] = OrgUnit.objects.get(pk=request.unit.pk)
        return super().validate(attrs)
