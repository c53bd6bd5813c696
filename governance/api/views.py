from __future__ import annotations

from glocal.api.base import TenantViewSet
from glocal.api.layering import LayeredViewSetMixin
from governance.api.serializers import DirectiveSerializer
from governance.filters import DirectiveFilterSet
from governance.models import Directive


class DirectiveViewSet(LayeredViewSetMixin, TenantViewSet):
    """Directives of your units, and the published directives of the units above."""

    queryset = Directive.objects.select_related("owner_unit", "created_by", "parent")
    serializer_class = DirectiveSerializer
    filterset_class = DirectiveFilterSet
    ordering_fields = ["updated_at", "title"]

    def perform_create(self, serializer) -> None:
        serializer.validated_data["created_by"] = self.request.user
        super().perform_create(serializer)
