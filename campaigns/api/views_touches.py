"""Touches over the API: read-only, the record of what each campaign planned and sent.

Touches are written by the planner and the dispatcher only; the list route answers
POST with 405. Contacts appear by id; provider errors of contacts whose personal data
the reader may not see (PIPL residency) are masked like the contacts API masks them.
"""

from __future__ import annotations

from campaigns.api.filters import TouchFilterSet
from campaigns.api.serializers import TouchSerializer
from campaigns.models import Touch
from glocal.api.base import TenantViewSet


class TouchViewSet(TenantViewSet):
    """Touches of your units' campaigns: when, which channel, and why one was skipped."""

    queryset = Touch.objects.select_related("account", "campaign", "contact")
    serializer_class = TouchSerializer
    filterset_class = TouchFilterSet
    ordering_fields = ["scheduled_at", "updated_at", "status"]
    http_method_names = ["get", "head", "options"]
