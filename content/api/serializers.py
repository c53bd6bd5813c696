"""Content assets over the API: effective values, layer, rights and review state.

Writes go through ``content.services`` (create, edit through the layering engine, rights,
tags), never through ``ModelSerializer.save``: the services hold the rules and the API
only maps their refusals to 400/403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Account
from content import alerts, rights
from content.languages import normalise_tag
from content.models import Asset, AssetVersion, Layer, LocaleChain
from glocal.api.base import RestrictedPrimaryKeyRelatedField, ValidatedModelSerializer
from glocal.layering.models import StaleOverride
from glocal.models import OrgUnit


class RightsStatus:
    OK = "ok"
    EXPIRING_SOON = "expiring_soon"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    CHOICES = (OK, EXPIRING_SOON, EXPIRED, NOT_YET_VALID)


def rights_status(effective: rights.Rights, now: datetime | None = None) -> str:
    """The badge for effective rights: not yet valid, expired, expiring soon, or ok."""
    now = now or timezone.now()
    # Expired first: an asset that will never be usable again is not "not yet valid".
    if effective.expires_at is not None and now >= effective.expires_at:
        return RightsStatus.EXPIRED
    if effective.valid_from is not None and now < effective.valid_from:
        return RightsStatus.NOT_YET_VALID
    if effective.expires_at is not None and effective.expires_at <= now + alerts.WARNING_WINDOW:
        return RightsStatus.EXPIRING_SOON
    return RightsStatus.OK


class EffectiveRightsSerializer(serializers.Serializer):
    territories = serializers.ListField(child=serializers.CharField(), allow_null=True)
    channels = serializers.ListField(child=serializers.CharField(), allow_null=True)
    valid_from = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    territories_by = serializers.CharField()
    channels_by = serializers.CharField()
    valid_from_by = serializers.CharField()
    expires_at_by = serializers.CharField()


def stale_fields(assets: list[Asset]) -> dict[int, list[str]]:
    """Per asset, its overrides whose source changed since (one query for a page)."""
    found: dict[int, list[str]] = {asset.pk: [] for asset in assets}
    rows = StaleOverride.objects.filter(
        content_type=ContentType.objects.get_for_model(Asset), object_id__in=list(found)
    ).values_list("object_id", "field")
    for object_id, field in rows.order_by("field"):
        found.setdefault(int(object_id), []).append(field)
    return found


def effective_rights(asset: Asset) -> dict[str, Any]:
    """Effective rights of ``asset`` as JSON-ready data (uses the loaded parent chain)."""
    effective = rights.effective(rights.chain_of(asset))
    return {
        "territories": sorted(effective.territories) if effective.territories is not None else None,
        "channels": sorted(effective.channels) if effective.channels is not None else None,
        "valid_from": effective.valid_from,
        "expires_at": effective.expires_at,
        "territories_by": effective.territories_by,
        "channels_by": effective.channels_by,
        "valid_from_by": effective.valid_from_by,
        "expires_at_by": effective.expires_at_by,
    }


class AssetSerializer(serializers.ModelSerializer):
    """One node: its effective values plus where it sits and what needs review."""

    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    layer = serializers.ChoiceField(choices=Layer.choices, read_only=True)
    # Plain text in the schema: "status" enums of other apps would collide by name.
    status = serializers.CharField(
        read_only=True, help_text="draft, in_review, published or retired"
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    effective_rights = serializers.SerializerMethodField()
    rights_status = serializers.SerializerMethodField()
    stale_fields = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "kind",
            "language",
            "status",
            "layer",
            "parent",
            "family",
            "translation_of",
            "account",
            *Asset.layered_fields,
            "industries",
            "personas",
            "funnel_stage",
            "territories",
            "channels",
            "valid_from",
            "expires_at",
            "effective_rights",
            "rights_status",
            "overridden_fields",
            "locked_fields",
            "stale_fields",
            "published_at",
            "retired_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "parent",
            "family",
            "translation_of",
            "account",
            "overridden_fields",
            "locked_fields",
            "published_at",
            "retired_at",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # A node keeps its unit, kind and language; adapt or translate it instead.
            for name in ("owner_unit", "kind", "language"):
                fields[name].read_only = True
        return fields

    @extend_schema_field(EffectiveRightsSerializer)
    def get_effective_rights(self, asset: Asset) -> dict[str, Any]:
        return effective_rights(asset)

    @extend_schema_field(serializers.ChoiceField(choices=RightsStatus.CHOICES))
    def get_rights_status(self, asset: Asset) -> str:
        return rights_status(rights.effective(rights.chain_of(asset)))

    def get_stale_fields(self, asset: Asset) -> list[str]:
        stale = getattr(asset, "stale", None)
        if stale is None:  # a single object; pages are annotated in bulk by the viewset
            stale = stale_fields([asset])[asset.pk]
        return stale

    def validate(self, attrs):
        if self.instance is None and "owner_unit" not in attrs:
            request = self.context["request"]
            if not request.unit:
                raise serializers.ValidationError(
                    {"owner_unit": _("You are not a member of any unit; name the owner unit.")}
                )
            attrs["owner_unit"] = OrgUnit.objects.get(pk=request.unit.pk)
        return attrs


class LayeredValuesSerializer(serializers.ModelSerializer):
    """Type and length checks of the layered values of a derive request."""

    class Meta:
        model = Asset
        fields = list(Asset.layered_fields)
        extra_kwargs = {name: {"required": False} for name in Asset.layered_fields}


class DeriveSerializer(serializers.Serializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    values = serializers.DictField(
        required=False, default=dict, help_text="Layered fields this variant overrides"
    )
    account = RestrictedPrimaryKeyRelatedField(
        queryset=Account.objects,
        action="view",
        required=False,
        allow_null=True,
        help_text="Bind the variant to one account (a per-account personalisation)",
    )
    language = serializers.CharField(required=False, allow_blank=False)

    def validate_values(self, values: dict) -> dict:
        unknown = sorted(set(values) - set(Asset.layered_fields))
        if unknown:
            raise serializers.ValidationError(
                _("Not layered fields: %(fields)s.") % {"fields": ", ".join(unknown)}
            )
        checked = LayeredValuesSerializer(data=values, partial=True)
        if not checked.is_valid():
            raise serializers.ValidationError(checked.errors)
        return {name: checked.validated_data[name] for name in values}

    def validate(self, attrs):
        if "owner_unit" not in attrs:
            unit = self.context["request"].unit
            if unit is None:
                raise serializers.ValidationError(
                    {"owner_unit": _("You are not a member of any unit; name the owner unit.")}
                )
            attrs["owner_unit"] = OrgUnit.objects.get(pk=unit.pk)
        return attrs


class PendingApprovalSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="needs_approval")
    approval_request = serializers.IntegerField()
    detail = serializers.CharField()


class PublishSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AssetVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AssetVersion
        fields = ["id", "asset", "number", "status", "values", "created_by", "created_at"]
        read_only_fields = fields


class FieldDiffSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField()
    new = serializers.JSONField()
    diff = serializers.CharField()


class VersionDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    fields = FieldDiffSerializer(many=True)


class DiffQuerySerializer(serializers.Serializer):
    old = serializers.IntegerField(required=False, min_value=1)
    new = serializers.IntegerField(required=False, min_value=1)


class LocaleChainSerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="configure", required=False
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    chain = serializers.ListField(child=serializers.CharField(max_length=35), allow_empty=False)

    class Meta:
        model = LocaleChain
        fields = ["id", "owner_unit", "owner_unit_code", "chain", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_chain(self, chain: list[str]) -> list[str]:
        return [normalise_tag(tag) for tag in chain]

    def validate(self, attrs):
        if self.instance is None and "owner_unit" not in attrs:
            unit = self.context["request"].unit
            if unit is None:
                raise serializers.ValidationError(
                    {"owner_unit": _("You are not a member of any unit; name the owner unit.")}
                )
            attrs["owner_unit"] = OrgUnit.objects.get(pk=unit.pk)
        return super().validate(attrs)


class ResolvedSerializer(serializers.Serializer):
    """What the resolver chose for one recipient, rendered, or why nothing is usable."""

    usable = serializers.BooleanField()
    asset = serializers.IntegerField(allow_null=True)
    layer = serializers.ChoiceField(choices=Layer.choices, allow_null=True)
    language = serializers.CharField(allow_null=True)
    owner_unit_code = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    languages = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField(allow_blank=True)
    why = serializers.CharField(allow_blank=True)
    values = serializers.DictField(child=serializers.JSONField())
    contact = serializers.IntegerField(allow_null=True, required=False)
    account = serializers.IntegerField(required=False)
    channel = serializers.CharField(required=False)


class PreviewSerializer(serializers.Serializer):
    asset = serializers.IntegerField()
    contact = serializers.IntegerField()
    channel = serializers.CharField()
    personal_data_masked = serializers.BooleanField()
    values = serializers.DictField(child=serializers.JSONField())
    unknown_tokens = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )
    resolved = ResolvedSerializer()


class GenerateDraftSerializer(serializers.Serializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects,
        action="own",
        required=False,
        help_text="The unit the draft variant is for (default: the unit you act for)",
    )
    instructions = serializers.CharField(max_length=2000)
    audience = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class GeneratedDraftSerializer(serializers.Serializer):
    variant = AssetSerializer()
    generator = serializers.CharField()
    violations = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
