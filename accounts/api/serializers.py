"""Accounts, contacts and consents over the API.

Lifecycle and scores are read-only here: lifecycle moves go through the selection
actions (``accounts.selection``), scores are computed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts import selection
from accounts.api.privacy import ProtectedContactMixin, ProtectedListSerializer
from accounts.models import Account, Consent, Contact
from glocal.api.base import (
    RestrictedPrimaryKeyRelatedField,
    ValidatedModelSerializer,
    as_drf_validation_error,
)
from glocal.models import OrgUnit


class AccountSerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    parent = RestrictedPrimaryKeyRelatedField(
        queryset=Account.objects, action="view", required=False, allow_null=True
    )
    lifecycle_changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "name",
            "legal_name",
            "domain",
            "country",
            "industry",
            "employee_band",
            "annual_revenue",
            "revenue_currency",
            "parent",
            "tier",
            "lifecycle",
            "lifecycle_changed_at",
            "lifecycle_changed_by",
            "fit_score",
            "intent_score",
            "engagement_score",
            "tags",
            "crm_ids",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "lifecycle",
            "lifecycle_changed_at",
            "fit_score",
            "intent_score",
            "engagement_score",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        if self.instance is None and "owner_unit" not in attrs:
            request = self.context["request"]
            if not request.unit:
                raise serializers.ValidationError(
                    {"owner_unit": _("You are not a member of any unit; name the owner unit.")}
                )
            attrs["owner_unit"] = OrgUnit.objects.get(pk=request.unit.pk)
        return super().validate(attrs)

    def build_for_validation(self, attrs):
        instance = super().build_for_validation(attrs)
        # Moving a selected account to another tier takes a slot under that tier's cap.
        if (
            self.instance is not None
            and instance.tier != self.instance.tier
            and instance.lifecycle in selection.COUNTED
        ):
            try:
                selection.check_cap(instance)
            except DjangoValidationError as exc:
                raise as_drf_validation_error(exc) from None
        return instance


class DeselectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the account leaves the list")


class SelectSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SelectionPendingSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="needs_approval")
    approval_request = serializers.IntegerField()
    detail = serializers.CharField()


class ContactSerializer(ProtectedContactMixin, ValidatedModelSerializer):
    account = RestrictedPrimaryKeyRelatedField(queryset=Account.objects, action="change")
    owner_unit = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Contact
        list_serializer_class = ProtectedListSerializer
        fields = [
            "id",
            "account",
            "owner_unit",
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "buying_role",
            "language",
            "country",
            "residency_zone",
            "do_not_contact",
            "personal_data_masked",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["residency_zone", "created_at", "updated_at"]

    def validate(self, attrs):
        if "account" in attrs:  # a contact always belongs to its account's unit
            attrs["owner_unit"] = attrs["account"].owner_unit
        return super().validate(attrs)


class ConsentSerializer(ValidatedModelSerializer):
    contact = RestrictedPrimaryKeyRelatedField(queryset=Contact.objects, action="change")
    owner_unit = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "contact",
            "owner_unit",
            "channel",
            "purpose",
            "status",
            "lawful_basis",
            "source",
            "recorded_at",
            "evidence",
            "double_opt_in_at",
        ]

    def validate(self, attrs):
        if "contact" in attrs:  # a consent lives with its contact's unit
            attrs["owner_unit"] = attrs["contact"].owner_unit
        return super().validate(attrs)
