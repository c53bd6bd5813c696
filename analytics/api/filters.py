"""One FilterSet per resource of the analytics API (ids only, never model choices: a
choice filter would answer "not a valid choice" for another tenant's id)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.scoring import subtree_ids
from analytics.models import Opportunity, OpportunityStatus
from campaigns.api.filters import IdFilter


class OpportunityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    unit = IdFilter(method="filter_unit", label=_("Unit (with its subtree)"))
    account = IdFilter(field_name="account_id", label=_("Account"))
    status = django_filters.MultipleChoiceFilter(
        choices=OpportunityStatus.choices, label=_("Status")
    )
    crm_id = django_filters.CharFilter(label=_("CRM id"))
    created_after = django_filters.DateFilter(
        field_name="created_on", lookup_expr="gte", label=_("Created on or after")
    )
    created_before = django_filters.DateFilter(
        field_name="created_on", lookup_expr="lte", label=_("Created on or before")
    )
    closed_after = django_filters.DateFilter(
        field_name="closed_on", lookup_expr="gte", label=_("Closed on or after")
    )
    closed_before = django_filters.DateFilter(
        field_name="closed_on", lookup_expr="lte", label=_("Closed on or before")
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(crm_id__icontains=value)

    def filter_unit(self, queryset, name, value):
        # The queryset is already restricted: a unit outside the scope yields nothing.
        return queryset.filter(owner_unit_id__in=subtree_ids([value]))
