"""Replications over the API (``/api/v1/replications/``): the record of what was
replicated, the suggestions worth replicating, and ``POST`` to replicate a campaign.

``analytics.replication`` decides; refusals are 400 (with the field) or 403 (the reason).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from analytics import replication
from analytics.models import Replication, ReplicationKind
from campaigns.api.filters import IdFilter
from campaigns.models import Campaign
from glocal.api.base import RestrictedPrimaryKeyRelatedField, TenantViewSet
from glocal.models import OrgUnit
from governance.api.approvals import run


class ReplicationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReplicationKind.choices, label=gettext_lazy("Kind"))
    origin_campaign = IdFilter(field_name="origin_campaign_id", label=gettext_lazy("Origin"))
    unit = IdFilter(field_name="owner_unit_id", label=gettext_lazy("Target unit"))

    class Meta:
        model = Replication
        fields: list[str] = []


class ReplicationSerializer(serializers.ModelSerializer):
    origin_campaign_name = serializers.CharField(source="origin_campaign.name", read_only=True)
    origin_unit_code = serializers.CharField(
        source="origin_campaign.owner_unit.code", read_only=True
    )
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    playbook_name = serializers.CharField(source="playbook.name", read_only=True, default=None)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Replication
        fields = [
            "id",
            "kind",
            "origin_campaign",
            "origin_campaign_name",
            "origin_unit_code",
            "owner_unit",
            "owner_unit_code",
            "playbook",
            "playbook_name",
            "campaign",
            "campaign_name",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ReplicateSerializer(serializers.Serializer):
    """Replicate a campaign you can see: up to a unit above its team (a draft playbook)
    or sideways to another local team (a draft campaign)."""

    origin_campaign = RestrictedPrimaryKeyRelatedField(queryset=Campaign.objects)
    target_unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Sideways only: first day of the new campaign (default today)."),
    )
    ends_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Sideways only: last day (default: the origin's duration)."),
    )


class CampaignSuggestionSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    name = serializers.CharField(source="campaign.name")
    unit_code = serializers.CharField(source="campaign.owner_unit.code")
    playbook = serializers.IntegerField(source="campaign.playbook_id")
    playbook_name = serializers.CharField(source="campaign.playbook.name")
    starts_on = serializers.DateField(source="campaign.starts_on")
    ends_on = serializers.DateField(source="campaign.ends_on")
    accounts = serializers.IntegerField()
    pipeline = serializers.DecimalField(max_digits=24, decimal_places=2)
    per_account = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    index = serializers.DecimalField(max_digits=12, decimal_places=4)


class PlaybookSuggestionSerializer(serializers.Serializer):
    playbook = serializers.IntegerField(source="playbook.pk")
    name = serializers.CharField(source="playbook.name")
    unit_code = serializers.CharField(source="playbook.owner_unit.code")
    campaigns = serializers.SerializerMethodField()
    best_index = serializers.DecimalField(max_digits=12, decimal_places=4)
    average_index = serializers.DecimalField(max_digits=12, decimal_places=4)

    def get_campaigns(self, score) -> list[int]:
        return [c.campaign.pk for c in score.campaigns]


class SuggestionsSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(max_digits=6, decimal_places=2)
    campaigns = CampaignSuggestionSerializer(many=True)
    playbooks = PlaybookSuggestionSerializer(many=True)


class ReplicationViewSet(TenantViewSet):
    """Campaigns replicated up (as playbooks) or sideways (as campaigns), seen from the
    target's subtree and from the origin's team and the units above it."""

    queryset = Replication.objects.select_related(
        "owner_unit",
        "origin_campaign",
        "origin_campaign__owner_unit",
        "playbook",
        "campaign",
        "created_by",
    )
    serializer_class = ReplicationSerializer
    filterset_class = ReplicationFilterSet
    ordering_fields = ["created_at"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=ReplicateSerializer, responses={201: ReplicationSerializer})
    def create(self, request, *args, **kwargs):
        """Replicate a campaign: you must see it and may create in the target unit."""
        payload = ReplicateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = run(
            replication.replicate,
            data["origin_campaign"],
            data["target_unit"],
            request.user,
            name=data["name"],
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
        )
        fresh = self.queryset.get(pk=result.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=SuggestionsSerializer)
    @action(detail=False, methods=["get"], filterset_class=None, ordering_fields=[])
    def suggestions(self, request):
        """Campaigns (and their playbooks) whose performance index — pipeline per account
        against their unit's campaigns — makes them worth replicating, best first."""
        found = replication.suggestions(request.user)
        return Response(
            SuggestionsSerializer({"threshold": replication.SUGGEST_INDEX, **found}).data
        )
