"""Opportunities over the API (list, retrieve, create, update; deleted in the CRM only).

The viewset parses and renders; ``analytics.services.store_opportunity`` validates,
saves and refreshes the rollups.
"""

from __future__ import annotations

from analytics.api.filters import OpportunityFilterSet
from analytics.api.serializers import OpportunitySerializer
from analytics.models import Opportunity
from glocal.api.base import TenantViewSet


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
