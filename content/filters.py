"""The asset FilterSet: kind, language, status, tags and a full-text ``q``.

Written for the dashboard library; the REST API can reuse it as is (``request`` is
optional), so both lists filter identically.
"""

from __future__ import annotations

import django_filters
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from content import search
from content.languages import normalise_tag
from content.models import Asset, FunnelStage, Kind, Status


def _json_list_has(queryset: QuerySet, field: str, value: str) -> QuerySet:
    """Rows whose JSON list ``field`` holds ``value`` (SQLite has no JSON containment)."""
    if connections[queryset.db].features.supports_json_field_contains:
        return queryset.filter(**{f"{field}__contains": [value]})
    # The list is stored as JSON text: a quoted element cannot match part of another one.
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return queryset.filter(**{f"{field}__icontains": quoted})


class AssetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"))
    language = django_filters.CharFilter(method="filter_language", label=_("Language"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    funnel_stage = django_filters.ChoiceFilter(choices=FunnelStage.choices, label=_("Funnel stage"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("Industry"))
    persona = django_filters.CharFilter(method="filter_persona", label=_("Persona"))

    class Meta:
        model = Asset
        fields = ["owner_unit", "account"]

    def filter_search(self, queryset, name, value):
        return search.search_assets(queryset, value)

    def filter_language(self, queryset, name, value):
        """``fr`` finds fr and its regional variants (fr-CA); ``fr-CA`` only fr-CA."""
        tag = normalise_tag(value)
        if "-" in tag:
            return queryset.filter(language=tag)
        return queryset.filter(Q(language=tag) | Q(language__startswith=f"{tag}-"))

    def filter_industry(self, queryset, name, value):
        return _json_list_has(queryset, "industries", value.strip())

    def filter_persona(self, queryset, name, value):
        return _json_list_has(queryset, "personas", value.strip())
