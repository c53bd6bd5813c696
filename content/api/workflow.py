"""Translation requests, translation tasks and the glossary over the API.

Requests and tasks change only through ``content.workflow``; the viewsets parse the
payload, look objects up through ``restrict`` and render. Glossary terms are plain
CRUD (validated by the model), visible down the tree and written by unit managers.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from content import workflow
from content.models import Asset, GlossaryTerm, TranslationRequest, TranslationTask
from glocal.api.base import (
    RestrictedPrimaryKeyRelatedField,
    TenantViewSet,
    ValidatedModelSerializer,
)
from glocal.models import OrgUnit
from governance.api.approvals import READ_ONLY_METHODS, NoCreateMixin, run

# --- serializers --------------------------------------------------------------------


class TranslationTaskSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    source = serializers.IntegerField(source="request.source_id", read_only=True)
    source_title = serializers.CharField(source="request.source.title", read_only=True)
    source_language = serializers.CharField(source="request.source.language", read_only=True)
    instructions = serializers.CharField(source="request.instructions", read_only=True)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    completed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TranslationTask
        fields = [
            "id",
            "request",
            "source",
            "source_title",
            "source_language",
            "instructions",
            "owner_unit",
            "owner_unit_code",
            "language",
            "due_at",
            "status",
            "provider",
            "result",
            "violations",
            "error",
            "attempts",
            "assigned_at",
            "submitted_by",
            "submitted_at",
            "completed_by",
            "completed_at",
        ]
        read_only_fields = fields


class TranslationRequestSerializer(serializers.ModelSerializer):
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    tasks = TranslationTaskSerializer(many=True, read_only=True)

    class Meta:
        model = TranslationRequest
        fields = [
            "id",
            "source",
            "owner_unit",
            "owner_unit_code",
            "requested_by",
            "instructions",
            "due_at",
            "status",
            "created_at",
            "tasks",
        ]
        read_only_fields = fields


class TargetSerializer(serializers.Serializer):
    unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="view")
    language = serializers.CharField(max_length=35)


class TranslationRequestCreateSerializer(serializers.Serializer):
    asset = RestrictedPrimaryKeyRelatedField(
        queryset=Asset.objects, action="view", help_text=_("The asset to translate or adapt")
    )
    targets = TargetSerializer(many=True, allow_empty=False)
    due_at = serializers.DateTimeField()
    instructions = serializers.CharField(required=False, allow_blank=True, default="")


class SubmitSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        allow_empty=False,
        help_text=_("Field → translated text (title, summary, body, intro, cta_label, …)"),
    )
    accept_violations = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Store the values even though they break the glossary (kept for review)"),
    )


class GlossaryTermSerializer(ValidatedModelSerializer):
    owner_unit = RestrictedPrimaryKeyRelatedField(queryset=OrgUnit.objects, action="own")
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)

    class Meta:
        model = GlossaryTerm
        fields = [
            "id",
            "owner_unit",
            "owner_unit_code",
            "term",
            "source_language",
            "do_not_translate",
            "translations",
            "case_sensitive",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner_unit_code", "created_at", "updated_at"]


# --- filters ------------------------------------------------------------------------


class TranslationRequestFilterSet(django_filters.FilterSet):
    class Meta:
        model = TranslationRequest
        fields = ["status", "source", "owner_unit"]


class TranslationTaskFilterSet(django_filters.FilterSet):
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")

    class Meta:
        model = TranslationTask
        fields = ["status", "language", "owner_unit", "request"]


class GlossaryTermFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="term", lookup_expr="icontains", label="Search")

    class Meta:
        model = GlossaryTerm
        fields = ["owner_unit", "source_language", "do_not_translate"]


# --- viewsets -----------------------------------------------------------------------


class TranslationRequestViewSet(TenantViewSet):
    """Requests of your units; ``POST`` asks units below an asset's unit for variants."""

    queryset = TranslationRequest.objects.select_related(
        "owner_unit", "requested_by"
    ).prefetch_related(
        "tasks__owner_unit",
        "tasks__request__source",
        "tasks__submitted_by",
        "tasks__completed_by",
    )
    serializer_class = TranslationRequestSerializer
    filterset_class = TranslationRequestFilterSet
    ordering_fields = ["created_at", "due_at"]
    http_method_names = READ_ONLY_METHODS
    restrict_actions = {"cancel": "view"}  # the service says who may cancel

    @extend_schema(
        request=TranslationRequestCreateSerializer, responses={201: TranslationRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        payload = TranslationRequestCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        created = run(
            workflow.request_variants,
            request.user,
            data["asset"],
            [(target["unit"], target["language"]) for target in data["targets"]],
            data["due_at"],
            data["instructions"],
        )
        return Response(
            self.get_serializer(self.queryset.get(pk=created.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=TranslationRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel every task still in progress (requesting unit only)."""
        translation_request = self.get_object()
        run(workflow.cancel_request, request.user, translation_request)
        return Response(self.get_serializer(self.queryset.get(pk=translation_request.pk)).data)


class TranslationTaskViewSet(NoCreateMixin, TenantViewSet):
    """Tasks assigned to your units (and to the units below them)."""

    queryset = TranslationTask.objects.select_related(
        "owner_unit", "request__source", "submitted_by", "completed_by"
    )
    serializer_class = TranslationTaskSerializer
    filterset_class = TranslationTaskFilterSet
    ordering_fields = ["due_at", "assigned_at", "status"]
    http_method_names = READ_ONLY_METHODS
    restrict_actions = {"submit": "change", "complete": "change", "cancel": "view"}

    def _reply(self, task: TranslationTask) -> Response:
        return Response(self.get_serializer(self.queryset.get(pk=task.pk)).data)

    @extend_schema(request=SubmitSerializer, responses=TranslationTaskSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Supply or edit the translated fields; glossary breaches are field errors."""
        task = self.get_object()
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        run(
            workflow.submit_translation,
            request.user,
            task,
            data["values"],
            accept_violations=data["accept_violations"],
        )
        return self._reply(task)

    @extend_schema(request=None, responses=TranslationTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Close the task once its variant is published."""
        task = self.get_object()
        run(workflow.complete, request.user, task)
        return self._reply(task)

    @extend_schema(request=None, responses=TranslationTaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the task (requesting unit only)."""
        task = self.get_object()
        run(workflow.cancel, request.user, task)
        return self._reply(task)


class GlossaryTermViewSet(TenantViewSet):
    """Glossary terms of your units and of the units above them (read-only there)."""

    queryset = GlossaryTerm.objects.select_related("owner_unit")
    serializer_class = GlossaryTermSerializer
    filterset_class = GlossaryTermFilterSet
    ordering_fields = ["term", "updated_at"]
