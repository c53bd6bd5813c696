"""Playbooks, campaigns, touches and the channel mix over the API.

Writes go through the campaigns services (``campaigns.playbooks``, ``campaigns.services``,
``campaigns.launch``, ``campaigns.mix``), never through ``ModelSerializer.save``: the
services hold the rules, these serializers only check shapes and look related objects
up through ``restrict``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import privacy
from accounts.models import Account, Channel
from campaigns import services
from campaigns.api.filters import MAX_ID
from campaigns.models import Campaign, Condition, Playbook, Touch
from campaigns.preview import DEFAULT_ACCOUNTS, MAX_ACCOUNTS
from glocal.api.base import RestrictedPrimaryKeyRelatedField
from glocal.layering.models import StaleOverride
from glocal.models import OrgUnit

MAX_ACCOUNTS_PER_CAMPAIGN = 10000
#: a window further out is a typo, and would push planned dates past the calendar
MAX_YEARS_AHEAD = 10


def default_unit(serializer: serializers.Serializer, attrs: dict[str, Any]) -> None:
    """Without an explicit ``owner_unit``, the unit the caller acts for owns the row."""
    if "owner_unit" in attrs:
        return
    unit = serializer.context["request"].unit
    if unit is None:
        raise serializers.ValidationError(
            {"owner_unit": _("You are not a member of any unit; name the owner unit.")}
        )
    attrs["owner_unit"] = OrgUnit.objects.get(pk=unit.pk)


# --- playbooks ----------------------------------------------------------------------


#: no step waits longer than this: larger delays would push dates past the calendar
MAX_DELAY_DAYS = 3650


class StepSerializer(serializers.Serializer):
    """The shape of one step (documentation; steps are checked by the model, per step)."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    content = serializers.UUIDField(help_text="Family key of a content asset")
    delay_days = serializers.IntegerField(min_value=0, max_value=MAX_DELAY_DAYS, default=0)
    condition = serializers.ChoiceField(choices=Condition.choices, default=Condition.ALWAYS)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@extend_schema_field(StepSerializer(many=True))
class StepsField(serializers.JSONField):
    """Raw JSON in, so a refusal names the faulty step ("Step 2: ...") the way the
    dashboard and the admin do (``campaigns.models.playbooks.check_steps``); only the
    delay's upper limit is checked here."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if isinstance(data, list):
            too_long = [
                _("Step %(n)s: a delay is at most %(max)s days.") % {"n": n, "max": MAX_DELAY_DAYS}
                for n, step in enumerate(data, start=1)
                if isinstance(step, dict)
                and _whole(step.get("delay_days"))
                and step["delay_days"] > MAX_DELAY_DAYS
            ]
            if too_long:
                raise serializers.ValidationError(too_long)
        return data


@extend_schema_field({"type": "object", "additionalProperties": {"type": "number"}})
class KpisField(serializers.JSONField):
    pass


def stale_fields(playbooks: list[Playbook]) -> dict[int, list[str]]:
    """Per playbook, its overrides whose source changed since (one query for a page)."""
    found: dict[int, list[str]] = {p.pk: [] for p in playbooks}
    rows = StaleOverride.objects.filter(
        content_type=ContentType.objects.get_for_model(Playbook), object_id__in=list(found)
    ).values_list("object_id", "field")
    for object_id, field in rows.order_by("field"):
        found.setdefault(int(object_id), []).append(field)
    return found


class PlaybookSerializer(serializers.ModelSerializer):
    """A playbook with its effective values and what it overrides, locks or must review."""

    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    steps = StepsField(required=False)
    kpis = KpisField(required=False)
    stale_fields = serializers.SerializerMethodField()

    class Meta:
        model = Playbook
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "parent",
            "status",
            *Playbook.layered_fields,
            "overridden_fields",
            "locked_fields",
            "stale_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "parent",
            "status",
            "overridden_fields",
            "locked_fields",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["owner_unit"].read_only = True  # a playbook keeps its unit; derive instead
        return fields

    def get_stale_fields(self, playbook: Playbook) -> list[str]:
        stale = getattr(playbook, "stale", None)
        if stale is None:  # a single object; pages are annotated in bulk by the viewset
            stale = stale_fields([playbook])[playbook.pk]
        return stale

    def validate(self, attrs):
        if self.instance is None:
            default_unit(self, attrs)
        return attrs


class PlaybookValuesSerializer(serializers.ModelSerializer):
    """Type and length checks of the layered values of a derive request."""

    steps = StepsField(required=False)
    kpis = KpisField(required=False)

    class Meta:
        model = Playbook
        fields = list(Playbook.layered_fields)
        extra_kwargs = {name: {"required": False} for name in Playbook.layered_fields}


class DerivePlaybookSerializer(serializers.Serializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects,
        action="own",
        required=False,
        help_text="The unit the adaptation is for (default: the unit you act for)",
    )
    values = serializers.DictField(
        required=False, default=dict, help_text="Layered fields this adaptation overrides"
    )

    def validate_values(self, values: dict) -> dict:
        unknown = sorted(set(values) - set(Playbook.layered_fields))
        if unknown:
            raise serializers.ValidationError(
                _("Not layered fields: %(fields)s.") % {"fields": ", ".join(unknown)}
            )
        checked = PlaybookValuesSerializer(data=values, partial=True)
        if not checked.is_valid():
            raise serializers.ValidationError(checked.errors)
        return {name: checked.validated_data[name] for name in values}

    def validate(self, attrs):
        default_unit(self, attrs)
        return attrs


# --- campaigns ----------------------------------------------------------------------


class OverridesSerializer(serializers.Serializer):
    skip_steps = serializers.ListField(
        child=serializers.IntegerField(min_value=0), help_text="0-based step indexes to skip"
    )
    delay_days = serializers.DictField(
        child=serializers.IntegerField(min_value=0), help_text="step index → delay in days"
    )


@extend_schema_field(OverridesSerializer)
class OverridesField(serializers.JSONField):
    """Raw JSON in: the model names every problem of the local tailoring at once; only
    the delay's upper limit is checked here."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        delays = data.get("delay_days") if isinstance(data, dict) else None
        if isinstance(delays, dict):
            too_long = [
                _("Step %(n)s: a delay is at most %(max)s days.")
                % {"n": key, "max": MAX_DELAY_DAYS}
                for key, value in delays.items()
                if _whole(value) and value > MAX_DELAY_DAYS
            ]
            if too_long:
                raise serializers.ValidationError(too_long)
        return data


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign as listed and as written (create, or edit while a draft)."""

    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    playbook = RestrictedPrimaryKeyRelatedField(queryset=Playbook.objects, action="view")
    playbook_name = serializers.CharField(source="playbook.name", read_only=True)
    overrides = OverridesField(required=False)
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_ACCOUNTS_PER_CAMPAIGN,
        required=False,
        write_only=True,
        help_text="Ids of the unit's selected accounts to target (replaces the list)",
    )
    account_count = serializers.IntegerField(read_only=True)
    launched_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "playbook",
            "playbook_name",
            "name",
            "starts_on",
            "ends_on",
            "overrides",
            "accounts",
            "account_count",
            "status",
            "launched_by",
            "launched_at",
            "accounts_total",
            "accounts_planned",
            "planned_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "launched_at",
            "accounts_total",
            "accounts_planned",
            "planned_at",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # Another playbook or unit is another campaign: create it instead.
            for name in ("owner_unit", "playbook"):
                fields[name].read_only = True
        return fields

    def validate_accounts(self, ids: list[int]) -> list[Account]:
        """One restricted query for the whole list; an id you cannot see is unknown."""
        user = self.context["request"].user
        wanted = list(dict.fromkeys(ids))
        found = {a.pk: a for a in Account.objects.restrict(user, "view").filter(pk__in=wanted)}
        missing = [str(pk) for pk in wanted if pk not in found]
        if missing:
            raise serializers.ValidationError(
                _("No account you may see has the id %(ids)s.") % {"ids": ", ".join(missing)}
            )
        return [found[pk] for pk in wanted]

    def _check_horizon(self, day: dt.date) -> dt.date:
        if day > timezone.localdate() + dt.timedelta(days=MAX_YEARS_AHEAD * 366):
            raise serializers.ValidationError(
                _("A campaign is planned at most %(n)s years ahead.") % {"n": MAX_YEARS_AHEAD}
            )
        return day

    def validate_starts_on(self, day: dt.date) -> dt.date:
        return self._check_horizon(day)

    def validate_ends_on(self, day: dt.date) -> dt.date:
        return self._check_horizon(day)

    def validate(self, attrs):
        if self.instance is None:
            default_unit(self, attrs)
        return attrs


class ProgressSerializer(serializers.Serializer):
    accounts_total = serializers.IntegerField()
    accounts_planned = serializers.IntegerField()
    planning_done = serializers.BooleanField()
    touches = serializers.DictField(
        child=serializers.IntegerField(), help_text="touch status → count"
    )


class EffectiveStepSerializer(StepSerializer):
    index = serializers.IntegerField(help_text="0-based index in the playbook")


class CampaignDetailSerializer(CampaignSerializer):
    """One campaign: its accounts, the steps it will run and its live progress."""

    accounts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    progress = serializers.SerializerMethodField()
    effective_steps = serializers.SerializerMethodField()

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "effective_steps", "progress"]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, campaign: Campaign) -> dict[str, Any]:
        return services.progress(campaign)

    @extend_schema_field(EffectiveStepSerializer(many=True))
    def get_effective_steps(self, campaign: Campaign) -> list[dict[str, Any]]:
        return campaign.effective_steps()


class CampaignPreviewQuerySerializer(serializers.Serializer):
    accounts = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ACCOUNTS,
        default=DEFAULT_ACCOUNTS,
        help_text="How many of the campaign's accounts to preview (first by id)",
    )


class CampaignPreviewTouchSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_name = serializers.CharField()
    contact = serializers.IntegerField(help_text="Contact id only: see the contacts API")
    step = serializers.IntegerField()
    channel = serializers.CharField()
    content_family = serializers.UUIDField()
    content_asset = serializers.IntegerField(allow_null=True)
    scheduled_at = serializers.DateTimeField()
    local_scheduled = serializers.CharField()
    status = serializers.CharField(help_text="planned or skipped")
    reason_code = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class CampaignPreviewCountrySerializer(serializers.Serializer):
    country = serializers.CharField(allow_blank=True)
    touches = CampaignPreviewTouchSerializer(many=True)


class CampaignPreviewSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    timezone = serializers.CharField()
    accounts_previewed = serializers.IntegerField()
    accounts_total = serializers.IntegerField()
    touches = serializers.DictField(
        child=serializers.IntegerField(), help_text="status → count in this preview"
    )
    countries = CampaignPreviewCountrySerializer(many=True)


# --- touches ------------------------------------------------------------------------


class ProtectedTouchListSerializer(serializers.ListSerializer):
    """One residency check for a whole page of touches."""

    def to_representation(self, data):
        touches = list(data.all() if hasattr(data, "all") else data)
        protect_touches(self.context.get("request"), touches)
        return super().to_representation(touches)


def protect_touches(request: Any, touches: list[Touch]) -> None:
    """Hide provider errors (which may quote an address) of contacts whose personal
    data the reader may not see — the contacts API's residency rule (PIPL)."""
    user = getattr(request, "user", None)
    visible = privacy.visible_personal_data(user, [t.contact for t in touches])
    for touch in touches:
        touch.personal_data_masked = touch.contact_id not in visible
        if touch.personal_data_masked and touch.last_error:
            touch.last_error = privacy.MASK


class TouchSerializer(serializers.ModelSerializer):
    """A planned contact moment, its verdict and its delivery attempts.

    The contact appears by id only; its personal data is served by the contacts API,
    which masks it outside its residency zone.
    """

    account_name = serializers.CharField(source="account.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    personal_data_masked = serializers.SerializerMethodField()

    class Meta:
        model = Touch
        list_serializer_class = ProtectedTouchListSerializer
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "owner_unit",
            "step",
            "account",
            "account_name",
            "contact",
            "channel",
            "content_family",
            "content_asset",
            "scheduled_at",
            "local_scheduled",
            "status",
            "reason_code",
            "reason",
            "attempts",
            "retry_at",
            "last_error",
            "sent_at",
            "idempotency_key",
            "personal_data_masked",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        if not hasattr(instance, "personal_data_masked"):
            protect_touches(self.context.get("request"), [instance])
        return super().to_representation(instance)

    def get_personal_data_masked(self, touch: Touch) -> bool:
        return bool(getattr(touch, "personal_data_masked", False))


# --- channel mix --------------------------------------------------------------------


class RuleLevelSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_code = serializers.CharField()
    tier = serializers.CharField()
    value = serializers.JSONField()


class MixRuleSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(help_text="max, min, allowed or required")
    value = serializers.JSONField(help_text="The binding value at this unit")
    rule = serializers.CharField(help_text="The binding value in words")
    set_by = serializers.IntegerField(help_text="The unit whose value binds")
    set_by_code = serializers.CharField()
    set_by_name = serializers.CharField()
    set_by_tier = serializers.CharField()
    inherited = serializers.BooleanField(help_text="Set above this unit")
    own_value = serializers.JSONField(allow_null=True, help_text="This unit's own value, if any")
    levels = RuleLevelSerializer(many=True, help_text="Every value set on the path, root first")


class MixDefaultsSerializer(serializers.Serializer):
    hours_start = serializers.IntegerField()
    hours_end = serializers.IntegerField()
    lawful_bases = serializers.ListField(child=serializers.CharField())


class ChannelMixSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    tier = serializers.CharField()
    may_configure = serializers.BooleanField(help_text="You may set and remove its rules")
    rules = MixRuleSerializer(many=True)
    defaults = MixDefaultsSerializer(help_text="What applies where no unit sets a rule")


class SetRuleSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="e.g. campaigns.share.max.email (see docs)")
    value = serializers.JSONField(help_text="A number, or a list of names for allowed sets")


class RemoveRuleSerializer(serializers.Serializer):
    key = serializers.CharField()
