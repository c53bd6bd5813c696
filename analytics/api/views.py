"""Opportunities over the API (list, retrieve, create, update, import a CRM export;
deleted in the CRM only).

The viewset parses and renders; ``analytics.services`` validates, saves and refreshes
the rollups.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import services
from analytics.api.filters import OpportunityFilterSet
from analytics.api.serializers import OpportunitySerializer
from analytics.models import Opportunity
from glocal.api.base import TenantViewSet


class OpportunityImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX export of the CRM")
    dry_run = serializers.BooleanField(default=False, help_text="validate, write nothing")


class OpportunityViewSet(TenantViewSet):
    """Opportunities on the accounts of your units (the CRM's, upserted by CRM id).

    ``unit`` filters a unit's whole subtree. Amounts are in the opportunity's currency;
    KPIs convert them (``/api/v1/kpis/``).
    """

    queryset = Opportunity.objects.select_related("owner_unit", "account")
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    ordering_fields = ["created_on", "closed_on", "amount", "name"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    @extend_schema(
        request={"multipart/form-data": OpportunityImportSerializer},
        responses={
            200: inline_serializer(
                "OpportunityImportOutcome",
                {
                    "total": serializers.IntegerField(),
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "unchanged": serializers.IntegerField(),
                    "failed": serializers.IntegerField(),
                    "dry_run": serializers.BooleanField(),
                    "errors": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: OpenApiResponse(description="unreadable file, missing columns, no unit"),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        """Upsert opportunities by CRM id from a CRM export, for the organisation of the
        unit you act for. Rows on accounts you may not change are refused one by one; an
        unreadable file, or one without the required columns, writes nothing."""
        upload = OpportunityImportSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        if request.unit is None:
            raise exceptions.ValidationError(
                {"detail": _("Act for a unit (X-Glocal-Unit) to import into its organisation.")}
            )
        dry_run = upload.validated_data["dry_run"]
        try:
            outcome = services.import_upload(
                upload.validated_data["file"], request.unit, request.user, dry_run=dry_run
            )
        except services.ImportFileError as exc:
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        return Response({**outcome.as_dict(), "dry_run": dry_run})
