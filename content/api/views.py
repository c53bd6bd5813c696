"""Content assets, their lifecycle, history, previews and resolution over the API.

The viewsets parse, look objects up through ``restrict`` and call the content services;
refusals become 400 naming the field and the rule, or 403 with the reason.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from content import drafting, previews, publishing, services, versions, workflow
from content.api.filters import AssetFilterSet, LocaleChainFilterSet
from content.api.inputs import PreviewQuerySerializer, ResolveSerializer
from content.api.serializers import (
    AssetSerializer,
    AssetVersionSerializer,
    DeriveSerializer,
    DiffQuerySerializer,
    GeneratedDraftSerializer,
    GenerateDraftSerializer,
    LocaleChainSerializer,
    PendingApprovalSerializer,
    PreviewSerializer,
    PublishSerializer,
    ResolvedSerializer,
    VersionDiffSerializer,
    stale_fields,
)
from content.models import Asset, AssetVersion, LocaleChain
from content.services import DETAIL_FIELDS, RIGHTS_FIELDS
from glocal.api.base import CurrentUnitMixin, TenantViewSet
from glocal.api.layering import LayeredViewSetMixin
from governance.api.approvals import explicit_unit, run
from governance.models import ApprovalRequest

#: enough parent levels for the deepest chain (core → regional → local → per-account)
CHAIN = (
    "owner_unit",
    "parent__owner_unit",
    "parent__parent__owner_unit",
    "parent__parent__parent__owner_unit",
)


class DraftServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "draft_generator_unavailable"


class AssetViewSet(LayeredViewSetMixin, TenantViewSet):
    """Content assets of your units and the published assets of the units above.

    Creating makes a core (a draft); ``derive`` adapts a node for a unit or an account.
    Edits to layered fields follow the override policies and locks; publication follows
    the RACI (202 with an approval request when you are responsible but not accountable).
    """

    queryset = Asset.objects.select_related(*CHAIN, "created_by")
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    ordering_fields = ["updated_at", "title", "published_at", "expires_at"]
    restrict_actions = {
        **LayeredViewSetMixin.restrict_actions,
        "derive": "view",
        "generate_draft": "view",  # deriving for your own unit, like derive
        "submit": "change",
        "publish": "change",
        "retire": "change",
        "versions": "view",
        "diff": "view",
        "preview": "view",
    }

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page:  # one query for the whole page's stale overrides
            stale = stale_fields(page)
            for asset in page:
                asset.stale = stale[asset.pk]
        return page

    def _reply(self, asset: Asset, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=asset.pk)  # the restricted lookup already passed
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        owner_unit = data.pop("owner_unit")
        values = {k: data.pop(k) for k in list(data) if k in Asset.layered_fields}
        extras = {k: v for k, v in data.items() if k in (*DETAIL_FIELDS, *RIGHTS_FIELDS)}
        asset = run(
            services.create_asset,
            request.user,
            owner_unit,
            kind=data["kind"],
            language=data["language"],
            values=values,
            **extras,
        )
        return self._reply(asset, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        asset = self.get_object()
        serializer = self.get_serializer(asset, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        values = {k: v for k, v in data.items() if k in Asset.layered_fields}
        details = {k: v for k, v in data.items() if k in DETAIL_FIELDS}
        given_rights = {k: v for k, v in data.items() if k in RIGHTS_FIELDS}
        with transaction.atomic():
            if values:
                asset = run(services.edit_asset, request.user, asset, values)
            if given_rights:
                current = {name: getattr(asset, name) for name in RIGHTS_FIELDS}
                asset = run(services.set_rights, request.user, asset, **current | given_rights)
            if details:
                asset = run(services.set_details, request.user, asset, **details)
        return self._reply(asset)

    def perform_destroy(self, instance: Asset) -> None:
        run(services.delete_asset, self.request.user, instance)

    # --- layering ----------------------------------------------------------------------

    @extend_schema(request=DeriveSerializer, responses={201: AssetSerializer})
    @action(detail=True, methods=["post"])
    def derive(self, request, pk=None):
        """Adapt this node for a unit below it, or personalise it for one account."""
        parent = self.get_object()
        payload = DeriveSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        variant = run(
            services.derive_asset,
            request.user,
            parent,
            data["owner_unit"],
            data["values"],
            account=data.get("account"),
            language=data.get("language"),
        )
        return self._reply(variant, status.HTTP_201_CREATED)

    @extend_schema(
        request=GenerateDraftSerializer,
        responses={
            201: GeneratedDraftSerializer,
            503: OpenApiResponse(description="No generator configured, or it failed"),
        },
    )
    @action(detail=True, methods=["post"], url_path="generate-draft")
    def generate_draft(self, request, pk=None):
        """A draft variant proposed by the configured generator — always a draft, for
        people to review, edit and publish through the normal flow."""
        source = self.get_object()
        payload = GenerateDraftSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        unit = data.get("owner_unit") or request.unit
        if unit is None:
            raise exceptions.ValidationError({"owner_unit": _("Name the unit the draft is for.")})
        try:
            variant, proposal = run(
                workflow.generate_draft,
                request.user,
                source,
                unit,
                data["instructions"],
                data["audience"],
            )
        except (drafting.DraftGenerationError, ImproperlyConfigured) as exc:
            raise DraftServiceUnavailable(str(exc)) from None
        fresh = self.queryset.get(pk=variant.pk)
        body = {
            "variant": self.get_serializer(fresh).data,
            "generator": proposal.generator,
            "violations": proposal.violations,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    # --- lifecycle ---------------------------------------------------------------------

    @extend_schema(request=None, responses=AssetSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Mark a draft as ready for review."""
        asset = run(publishing.submit_for_review, request.user, self.get_object())
        return self._reply(asset)

    @extend_schema(
        request=PublishSerializer,
        responses={
            200: AssetSerializer,
            202: OpenApiResponse(PendingApprovalSerializer, "Waiting for the accountable unit"),
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish now when you are accountable; otherwise 202 and an approval request."""
        asset = self.get_object()
        payload = PublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        approval = run(
            publishing.publish_asset,
            request.user,
            asset,
            comment=payload.validated_data["comment"],
            acting_unit=explicit_unit(request),
        )
        if approval.status != ApprovalRequest.Status.APPROVED:
            return Response(
                {
                    "status": "needs_approval",
                    "approval_request": approval.pk,
                    "detail": approval.title,
                },
                status=status.HTTP_202_ACCEPTED,
            )
        return self._reply(asset)

    @extend_schema(request=None, responses=AssetSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """Take the asset out of use for good."""
        asset = run(publishing.retire_asset, request.user, self.get_object())
        return self._reply(asset)

    # --- history -----------------------------------------------------------------------

    @extend_schema(responses=AssetVersionSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, ordering_fields=[])
    def versions(self, request, pk=None):
        """The node's versions, newest first."""
        asset = self.get_object()
        page = self.paginator.paginate_queryset(versions.list_versions(asset), request, view=self)
        data = AssetVersionSerializer(page, many=True).data
        return self.paginator.get_paginated_response(data)

    @extend_schema(
        parameters=[
            OpenApiParameter("old", int, description="Version number (default: previous)"),
            OpenApiParameter("new", int, description="Version number (default: current)"),
        ],
        responses=VersionDiffSerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def diff(self, request, pk=None):
        """Per changed field: the old and the new value side by side, and a unified diff."""
        asset = self.get_object()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        numbers = AssetVersion.objects.filter(asset_id=asset.pk).order_by("-number")
        latest = numbers.values_list("number", flat=True).first()
        if latest is None:
            raise exceptions.ValidationError({"new": _("This asset has no versions yet.")})
        new = query.validated_data.get("new", latest)
        old = query.validated_data.get("old", max(new - 1, 1))
        changes = run(versions.diff_versions, asset, old, new)
        body = {"old": old, "new": new, "fields": [change.__dict__ for change in changes]}
        return Response(VersionDiffSerializer(body).data)

    # --- previews ----------------------------------------------------------------------

    @extend_schema(
        parameters=[PreviewQuerySerializer],
        responses=PreviewSerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def preview(self, request, pk=None):
        """This asset rendered for one of your contacts, and what a send would use."""
        asset = self.get_object()
        query = PreviewQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        body = previews.preview(
            request.user, asset, data["contact"], channel=data["channel"], when=data.get("when")
        )
        return Response(PreviewSerializer(body).data)


class LocaleChainViewSet(TenantViewSet):
    """Language fallback chains: unit admins configure their unit's; everyone below reads."""

    queryset = LocaleChain.objects.select_related("owner_unit")
    serializer_class = LocaleChainSerializer
    filterset_class = LocaleChainFilterSet
    ordering_fields = ["updated_at"]
    ordering = ["owner_unit_id"]


class ResolveView(CurrentUnitMixin, APIView):
    """The content a contact (or an account) would receive on a channel, rendered.

    200 with the node used, its layer and the language chain; 422 with the reason when no
    version is usable (rights, language, nothing published).
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ResolveSerializer],
        responses={200: ResolvedSerializer, 422: ResolvedSerializer},
        operation_id="content_resolve_retrieve",
    )
    def get(self, request):
        return self._resolve(request, request.query_params)

    @extend_schema(
        request=ResolveSerializer,
        responses={200: ResolvedSerializer, 422: ResolvedSerializer},
        operation_id="content_resolve_create",
    )
    def post(self, request):
        return self._resolve(request, request.data)

    def _resolve(self, request, params) -> Response:
        payload = ResolveSerializer(data=params, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        contact = data.get("contact")
        real = contact is not None
        if real:
            contact = previews.protected(request.user, contact)
            if "language" in data:
                contact.language = data["language"]  # in memory only: a what-if
        else:
            contact = previews.stand_in(data["account"], data.get("language", ""))
        family = data["asset"] if "asset" in data else data["family"]
        block = previews.resolved_block(
            request.user,
            family,
            contact,
            channel=data["channel"],
            when=data.get("when"),
            real_contact=real,
        )
        block.update(
            contact=contact.pk if real else None,
            account=contact.account_id,
            channel=data["channel"],
        )
        code = status.HTTP_200_OK if block["usable"] else status.HTTP_422_UNPROCESSABLE_ENTITY
        return Response(ResolvedSerializer(block).data, status=code)
