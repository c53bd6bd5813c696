from __future__ import annotations

import django_filters
from django.db.models import Q

from glocal.models import Membership, OrgUnit, Tier
from glocal.tenancy import Role


class OrgUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search code or name")
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    organization = django_filters.CharFilter(field_name="organization__slug")

    class Meta:
        model = OrgUnit
        fields = ["tier", "parent", "code", "is_active", "residency_zone"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class MembershipFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search username or unit")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    unit_code = django_filters.CharFilter(field_name="unit__code")
    user = django_filters.CharFilter(field_name="user__username")

    class Meta:
        model = Membership
        fields = ["unit", "role"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(user__username__icontains=value)
            | Q(unit__code__icontains=value)
            | Q(unit__name__icontains=value)
        )
