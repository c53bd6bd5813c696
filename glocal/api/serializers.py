from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from glocal.api.base import RestrictedPrimaryKeyRelatedField, ValidatedModelSerializer
from glocal.models import Membership, OrgUnit


class OrgUnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "tier"]


class OrgUnitSerializer(ValidatedModelSerializer):
    parent = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="configure", allow_null=False
    )
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "organization",
            "parent",
            "tier",
            "code",
            "name",
            "countries",
            "timezone",
            "languages",
            "currency",
            "regulations",
            "residency_zone",
            "is_active",
            "retired_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_active", "retired_at", "created_at", "updated_at"]

    def build_for_validation(self, attrs):
        instance = super().build_for_validation(attrs)
        if instance.pk is None and instance.parent_id:
            instance.organization_id = instance.parent.organization_id
        return instance

    def create(self, validated_data):
        validated_data["organization_id"] = validated_data["parent"].organization_id
        return super().create(validated_data)


class RetireSerializer(serializers.Serializer):
    reassign_to = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="configure")


class RetireResultSerializer(serializers.Serializer):
    unit = OrgUnitSerializer()
    reassigned_to = OrgUnitBriefSerializer()
    moved = serializers.DictField(child=serializers.IntegerField())


class MembershipSerializer(ValidatedModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="configure")
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "unit", "unit_code", "role", "created_at"]
        read_only_fields = ["created_at"]


class MembershipBriefSerializer(serializers.ModelSerializer):
    unit = OrgUnitBriefSerializer()

    class Meta:
        model = Membership
        fields = ["id", "unit", "role"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    current_unit = OrgUnitBriefSerializer(allow_null=True)
    memberships = MembershipBriefSerializer(many=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
