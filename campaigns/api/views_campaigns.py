"""Campaigns over the API: create and edit drafts, launch under the RACI, pause, resume,
cancel, and preview the touches planning would make.

The viewset parses, looks campaigns up through ``restrict`` and calls
``campaigns.services`` / ``campaigns.launch`` / ``campaigns.preview``; refusals become
400 naming the field (e.g. ``status`` for a move the state does not allow) or 403.
"""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns import preview, services
from campaigns.api.filters import CampaignFilterSet
from campaigns.api.serializers import (
    CampaignDetailSerializer,
    CampaignPreviewQuerySerializer,
    CampaignPreviewSerializer,
    CampaignSerializer,
)
from campaigns.launch import launch_campaign
from campaigns.models import Campaign
from content.api.serializers import PendingApprovalSerializer
from glocal.api.base import TenantViewSet
from governance.api.approvals import CommentSerializer, explicit_unit, run

MOVES = {"launch": "change", "pause": "change", "resume": "change", "cancel": "change"}


@extend_schema_view(
    partial_update=extend_schema(request=CampaignSerializer, responses=CampaignDetailSerializer)
)
class CampaignViewSet(TenantViewSet):
    """Campaigns of your units (run by local teams on their selected accounts).

    A draft is edited freely (name, window, overrides, accounts); ``launch`` asks the
    accountable unit when you are only responsible (202 with the approval request) and
    starts planning at once otherwise (201). Campaigns are cancelled, never deleted.
    """

    # An aggregate drops the model's default ordering: restate it for stable pages.
    queryset = (
        Campaign.objects.select_related("owner_unit", "playbook", "launched_by")
        .annotate(account_count=Count("accounts", distinct=True))
        .order_by(*Campaign._meta.ordering)
    )
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    ordering_fields = ["created_at", "updated_at", "starts_on", "name"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    restrict_actions = {**MOVES, "preview": "view"}

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CampaignDetailSerializer
        return CampaignSerializer

    def _reply(self, campaign: Campaign, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=campaign.pk)  # the restricted lookup already passed
        body = CampaignDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(body, status=code)

    @extend_schema(request=CampaignSerializer, responses={201: CampaignDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = run(
            services.create_campaign,
            request.user,
            data["owner_unit"],
            playbook=data["playbook"],
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            overrides=data.get("overrides"),
            accounts=data.get("accounts", ()),
        )
        return self._reply(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=CampaignSerializer, responses=CampaignDetailSerializer)
    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        serializer = self.get_serializer(
            campaign, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        accounts = data.pop("accounts", None)
        values = {k: v for k, v in data.items() if k in services.EDITABLE}
        campaign = run(services.update_campaign, request.user, campaign, values, accounts)
        return self._reply(campaign)

    # --- lifecycle ---------------------------------------------------------------------

    @extend_schema(
        request=CommentSerializer,
        responses={
            201: OpenApiResponse(CampaignDetailSerializer, "Launched: planning has started"),
            202: OpenApiResponse(PendingApprovalSerializer, "Waiting for the accountable unit"),
        },
    )
    @action(detail=True, methods=["post"])
    def launch(self, request, pk=None):
        """Launch now when you are accountable (201); otherwise 202 and an approval request
        for the accountable unit's managers. Accounts, window and channel mix are checked
        now and again on approval."""
        campaign = self.get_object()
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        approval = run(
            launch_campaign,
            request.user,
            campaign,
            comment=payload.validated_data["comment"],
            acting_unit=explicit_unit(request),
        )
        if approval.is_pending:
            return Response(
                {
                    "status": "needs_approval",
                    "approval_request": approval.pk,
                    "detail": approval.title,
                },
                status=status.HTTP_202_ACCEPTED,
            )
        return self._reply(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CampaignDetailSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Hold every unsent touch (planning or running campaigns)."""
        return self._reply(run(services.pause_campaign, request.user, self.get_object()))

    @extend_schema(request=None, responses=CampaignDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Let a paused campaign's touches go out again."""
        return self._reply(run(services.resume_campaign, request.user, self.get_object()))

    @extend_schema(request=None, responses=CampaignDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop for good: touches not sent yet are cancelled, sent ones stay on record."""
        return self._reply(run(services.cancel_campaign, request.user, self.get_object()))

    @extend_schema(parameters=[CampaignPreviewQuerySerializer], responses=CampaignPreviewSerializer)
    @action(detail=True, methods=["get"], filterset_class=None, ordering_fields=[])
    def preview(self, request, pk=None):
        """The touches planning would make now for the first accounts, per country, with
        local send times and the gates' verdicts — nothing is written."""
        campaign = self.get_object()
        query = CampaignPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = run(preview.preview_touches, campaign, limit=query.validated_data["accounts"])
        return Response(CampaignPreviewSerializer(body).data)
