"""``/api/v1/account-imports/``: upload a CSV/XLSX file as an import job and follow it."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import imports
from accounts.models import ImportJob
from glocal.api.base import RestrictedPrimaryKeyRelatedField, TenantViewSet
from glocal.models import OrgUnit


class ImportJobSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    has_error_report = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "owner_unit", "owner_unit_code", "kind", "original_name", "mapping", "status",
            "total_rows", "rows_done", "percent", "created_count", "updated_count",
            "unchanged_count", "failed_count", "has_error_report", "message", "created_by",
            "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_error_report(self, job: ImportJob) -> bool:
        return bool(job.error_report)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(ImportJob.Kind.choices, default=ImportJob.Kind.ACCOUNTS)
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), action="own", required=False
    )
    mapping = serializers.JSONField(
        required=False, help_text="source column → field; guessed from the headers if omitted"
    )

    def validate_mapping(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError(_("Not JSON.")) from None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise serializers.ValidationError(_("Expected an object of column → field."))
        return value


class ImportJobViewSet(TenantViewSet):
    """Import jobs of your units. ``POST`` a file (multipart) to queue one; poll it for
    progress; download the row-level error report from ``errors/``."""

    queryset = ImportJob.objects.select_related("owner_unit", "created_by")
    serializer_class = ImportJobSerializer
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status", "kind"]

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        upload = ImportUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        unit = data.get("owner_unit") or request.unit
        if unit is None or not OrgUnit.objects.restrict(request.user, "own").filter(pk=unit.pk):
            raise exceptions.ValidationError({"owner_unit": ["Give a unit you may own rows in."]})
        job = None
        try:
            with transaction.atomic():
                job, _frame = imports.create_job(
                    request.user, unit, data["file"], data["file"].name, data["kind"]
                )
                imports.start_job(job, data.get("mapping") or job.mapping)
        except imports.ImportFileError as exc:
            if job is not None and job.file:
                job.file.delete(save=False)  # the row rolled back; drop its file too
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="none")}
    )
    @action(detail=True, methods=["get"])
    def errors(self, request: Request, pk=None) -> FileResponse:
        """The rows that failed, with their reasons, as CSV."""
        job = self.get_object()
        if not job.error_report:
            raise Http404
        return FileResponse(
            job.error_report.open("rb"),
            as_attachment=True,
            filename=f"import-{job.pk}-errors.csv",
            content_type="text/csv",
        )
