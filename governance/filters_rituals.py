"""Filters for rituals, their occurrences and action items (shared by API and dashboard)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from governance.models import ActionItem, Ritual, RitualOccurrence


class RitualFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search name or description")
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")
    participant_unit = django_filters.NumberFilter(field_name="participant_units")

    class Meta:
        model = Ritual
        fields = ["kind", "owner_unit", "is_active", "participant_mode"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class RitualOccurrenceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="ritual__name", lookup_expr="icontains")
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    kind = django_filters.ChoiceFilter(field_name="ritual__kind", choices=Ritual.Kind.choices)

    class Meta:
        model = RitualOccurrence
        fields = ["ritual", "status"]


class ActionItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search title or description")
    ritual = django_filters.NumberFilter(field_name="occurrence__ritual")
    assignee = django_filters.CharFilter(field_name="assignee__username")
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue now")

    class Meta:
        model = ActionItem
        fields = ["status", "occurrence", "owner_unit"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
