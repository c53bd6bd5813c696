from __future__ import annotations

import django_filters
from django.db.models import Q

from governance.models import Directive


class DirectiveFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search title or body")
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")

    class Meta:
        model = Directive
        fields = ["status", "owner_unit"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(body__icontains=value))
