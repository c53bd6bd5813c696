"""Playbooks over the API: layered templates with effective values, overrides and locks.

The viewset parses, looks playbooks up through ``restrict`` and calls
``campaigns.playbooks``; the layering actions (governance overview, revert, keep,
locks) are the shared ones of every layered resource. Refusals become 400 naming the
field (a faulty step by its number) or 403 with the reason.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns import playbooks
from campaigns.api.filters import PlaybookFilterSet
from campaigns.api.serializers import DerivePlaybookSerializer, PlaybookSerializer, stale_fields
from campaigns.models import Playbook
from glocal.api.base import TenantViewSet
from glocal.api.layering import LayeredViewSetMixin
from governance.api.approvals import run

#: enough parent levels for the deepest chain (global → region → local)
CHAIN = ("owner_unit", "parent__owner_unit", "parent__parent__owner_unit")


class PlaybookViewSet(LayeredViewSetMixin, TenantViewSet):
    """Playbooks of your units and the published playbooks of the units above.

    Creating makes a source playbook (a draft); ``derive`` adapts a published one for a
    unit below it, overriding only what the override policy and locks allow (by
    default steps and KPIs from the REGION tier up, name and description at LOCAL).
    """

    queryset = Playbook.objects.select_related(*CHAIN)
    serializer_class = PlaybookSerializer
    filterset_class = PlaybookFilterSet
    ordering_fields = ["name", "updated_at"]
    restrict_actions = {
        **LayeredViewSetMixin.restrict_actions,
        "derive": "view",  # adapting for your own unit; the service checks that unit
        "publish": "change",
    }

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page:  # one query for the whole page's stale overrides
            stale = stale_fields(page)
            for playbook in page:
                playbook.stale = stale[playbook.pk]
        return page

    def _reply(self, playbook: Playbook, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=playbook.pk)  # the restricted lookup already passed
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        owner_unit = data.pop("owner_unit")
        values = {k: v for k, v in data.items() if k in Playbook.layered_fields}
        playbook = run(playbooks.create_playbook, request.user, owner_unit, values)
        return self._reply(playbook, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        playbook = self.get_object()
        serializer = self.get_serializer(
            playbook, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        values = {
            name: value
            for name, value in serializer.validated_data.items()
            # Sending back an inherited value unchanged (a PUT of the whole object) is
            # not an override, so it must not trip the override policy.
            if name in Playbook.layered_fields
            and (playbook.owns(name) or value != getattr(playbook, name))
        }
        if values:
            playbook = run(playbooks.update_playbook, request.user, playbook, values)
        return self._reply(playbook)

    def perform_destroy(self, instance: Playbook) -> None:
        run(playbooks.delete_playbook, self.request.user, instance)

    @extend_schema(request=DerivePlaybookSerializer, responses={201: PlaybookSerializer})
    @action(detail=True, methods=["post"])
    def derive(self, request, pk=None):
        """Adapt this published playbook for a unit below its owner."""
        parent = self.get_object()
        payload = DerivePlaybookSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        adaptation = run(
            playbooks.adapt_playbook, request.user, parent, data["owner_unit"], data["values"]
        )
        return self._reply(adaptation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PlaybookSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Make the playbook visible to, and usable by, the units below its owner."""
        playbook = run(playbooks.publish_playbook, request.user, self.get_object())
        return self._reply(playbook)
