"""Serializers of the analytics API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Account
from analytics import services
from analytics.models import Opportunity
from glocal.api.base import RestrictedPrimaryKeyRelatedField, ValidatedModelSerializer


class OpportunitySerializer(ValidatedModelSerializer):
    """An opportunity; its unit and organisation follow the account (read-only here)."""

    account = RestrictedPrimaryKeyRelatedField(queryset=Account.objects.all(), action="change")
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "crm_id",
            "account",
            "account_name",
            "owner_unit",
            "owner_unit_code",
            "name",
            "amount",
            "currency",
            "stage",
            "status",
            "created_on",
            "closed_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["owner_unit", "created_at", "updated_at"]

    def build_for_validation(self, attrs):
        instance = super().build_for_validation(attrs)
        instance.follow_account()
        return instance

    def create(self, validated_data):
        return services.store_opportunity(Opportunity(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return services.store_opportunity(instance)
