"""Insights over the API (``/api/v1/insights/``): list, submit, read, and the curation
actions (comment, endorse, merge, archive, publish).

The viewset parses and renders; ``analytics.insights`` decides who may do what. What the
caller cannot see is a 404; what they see but may not curate is a 403 with the reason.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account
from analytics import insights
from analytics.models import Insight, InsightComment, InsightStatus, Sentiment
from analytics.models.insights import MAX_TAGS
from campaigns.api.filters import MAX_ID, IdFilter
from campaigns.api.serializers import default_unit
from campaigns.models import Campaign
from glocal.api.base import RestrictedPrimaryKeyRelatedField, TenantViewSet
from glocal.models import OrgUnit
from glocal.tenancy import Role, scope_for
from governance.api.approvals import run

# --- filters --------------------------------------------------------------------------


class InsightFilterSet(django_filters.FilterSet):
    """Shared by the API and the dashboard feed (ids only, never model choices)."""

    q = django_filters.CharFilter(
        field_name="text", lookup_expr="icontains", label=gettext_lazy("Search")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=InsightStatus.choices, label=gettext_lazy("Status")
    )
    sentiment = django_filters.ChoiceFilter(
        choices=Sentiment.choices, label=gettext_lazy("Sentiment")
    )
    tag = django_filters.CharFilter(method="filter_tag", max_length=40, label=gettext_lazy("Tag"))
    unit = IdFilter(method="filter_unit", label=gettext_lazy("Unit (with its subtree)"))
    account = IdFilter(field_name="account_id", label=gettext_lazy("Linked account"))
    campaign = IdFilter(field_name="campaign_id", label=gettext_lazy("Linked campaign"))
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=gettext_lazy("Created on or after")
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=gettext_lazy("Created on or before")
    )

    class Meta:
        model = Insight
        fields: list[str] = []

    def filter_tag(self, queryset, name, value):
        return queryset.with_tag(value) if value.strip() else queryset

    def filter_unit(self, queryset, name, value):
        from accounts.scoring import subtree_ids

        # The queryset is already restricted: a unit outside the scope yields nothing.
        return queryset.filter(owner_unit_id__in=subtree_ids([value]))


# --- serializers ----------------------------------------------------------------------


class InsightCommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)

    class Meta:
        model = InsightComment
        fields = ["id", "author", "text", "created"]


class InsightSerializer(serializers.ModelSerializer):
    """An insight with its discussion. The linked account and campaign are shown only to
    those who see the owning unit's rows: a best practice travels, its account does not."""

    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True, default=None)
    account_name = serializers.SerializerMethodField()
    campaign_name = serializers.SerializerMethodField()
    endorsed_by = serializers.CharField(source="endorsed_by.username", read_only=True, default=None)
    published_by = serializers.CharField(
        source="published_by.username", read_only=True, default=None
    )
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    comments = InsightCommentSerializer(many=True, read_only=True)

    class Meta:
        model = Insight
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "author",
            "text",
            "tags",
            "sentiment",
            "account",
            "account_name",
            "campaign",
            "campaign_name",
            "status",
            "merged_into",
            "endorsed_by",
            "endorsed_at",
            "published_by",
            "published_at",
            "created_at",
            "updated_at",
            "comments",
        ]
        read_only_fields = fields

    def _sees_links(self, insight: Insight) -> bool:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or user.is_superuser:
            return True
        return insight.owner_unit_id in scope_for(user, Role.VIEWER).down

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._sees_links(instance):
            data["account"] = data["campaign"] = None
        return data

    def get_account_name(self, insight: Insight) -> str | None:
        if insight.account_id is None or not self._sees_links(insight):
            return None
        return insight.account.name

    def get_campaign_name(self, insight: Insight) -> str | None:
        if insight.campaign_id is None or not self._sees_links(insight):
            return None
        return insight.campaign.name


class InsightSubmitSerializer(serializers.Serializer):
    """A new insight; without ``owner_unit`` the unit you act for writes it."""

    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects, action="own", required=False
    )
    text = serializers.CharField(max_length=5000)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        max_length=MAX_TAGS,
    )
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    account = RestrictedPrimaryKeyRelatedField(
        queryset=Account.objects, required=False, allow_null=True
    )
    campaign = RestrictedPrimaryKeyRelatedField(
        queryset=Campaign.objects, required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        default_unit(self, attrs)
        return attrs


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class MergeInputSerializer(serializers.Serializer):
    duplicates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=50,
        help_text=gettext_lazy("Ids of the insights folded into this one."),
    )


# --- viewset --------------------------------------------------------------------------


class InsightViewSet(TenantViewSet):
    """Field insights of your units and of the units below them, plus the best practices
    global published for the whole organisation. ``unit`` filters a unit's subtree;
    ``tag`` matches one whole tag."""

    queryset = Insight.objects.select_related(
        "owner_unit", "author", "account", "campaign", "endorsed_by", "published_by"
    ).prefetch_related("comments__author")
    serializer_class = InsightSerializer
    filterset_class = InsightFilterSet
    ordering_fields = ["created_at", "status", "sentiment"]
    http_method_names = ["get", "post", "head", "options"]
    # Curation rights depend on the tier, not on the row's scope: the service decides
    # (403 with the reason) once the insight is visible.
    restrict_actions = {
        "comment": "view",
        "endorse": "view",
        "merge": "view",
        "archive": "view",
        "publish": "view",
    }

    def _reply(self, insight: Insight, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=insight.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=InsightSubmitSerializer, responses={201: InsightSerializer})
    def create(self, request, *args, **kwargs):
        """Submit an insight for your unit (marketers and above)."""
        payload = InsightSubmitSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        insight = run(
            insights.submit,
            request.user,
            data["owner_unit"],
            text=data["text"],
            tags=data["tags"],
            sentiment=data["sentiment"],
            account=data.get("account"),
            campaign=data.get("campaign"),
        )
        return self._reply(insight, status.HTTP_201_CREATED)

    @extend_schema(request=CommentInputSerializer, responses={201: InsightCommentSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, ordering_fields=[])
    def comment(self, request, pk=None):
        """Comment (the owning team and the units above it)."""
        insight = self.get_object()
        payload = CommentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        remark = run(insights.comment, request.user, insight, payload.validated_data["text"])
        return Response(InsightCommentSerializer(remark).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InsightSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, ordering_fields=[])
    def endorse(self, request, pk=None):
        """Endorse a submitted insight (managers of a unit above its team)."""
        return self._reply(run(insights.endorse, request.user, self.get_object()))

    @extend_schema(request=None, responses=InsightSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, ordering_fields=[])
    def archive(self, request, pk=None):
        """Set aside an insight still being curated (managers of a unit above its team)."""
        return self._reply(run(insights.archive, request.user, self.get_object()))

    @extend_schema(request=None, responses=InsightSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, ordering_fields=[])
    def publish(self, request, pk=None):
        """Publish an endorsed insight as a best practice (managers of the global team)."""
        return self._reply(run(insights.publish, request.user, self.get_object()))

    @extend_schema(request=MergeInputSerializer, responses=InsightSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, ordering_fields=[])
    def merge(self, request, pk=None):
        """Merge duplicates into this insight: their comments and tags move to it."""
        survivor = self.get_object()
        payload = MergeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = sorted(set(payload.validated_data["duplicates"]))
        found = list(Insight.objects.restrict(request.user, "view").filter(pk__in=ids))
        missing = sorted(set(ids) - {i.pk for i in found})
        if missing:
            raise serializers.ValidationError(
                {
                    "duplicates": _("No insight you can see has the id(s) %(ids)s.")
                    % {"ids": ", ".join(map(str, missing))}
                }
            )
        return self._reply(run(insights.merge, request.user, survivor, found))
