"""Filters of the content API: what an asset is, where it sits, whom it targets."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from content import search
from content.languages import normalise_tag
from content.models import Asset, Kind, Layer, LocaleChain, Status
from glocal.models import Tier

LAYER_QUERIES = {
    Layer.ACCOUNT: Q(account__isnull=False),
    Layer.LOCAL: Q(account__isnull=True, owner_unit__tier=Tier.LOCAL),
    Layer.REGIONAL: Q(account__isnull=True, owner_unit__tier=Tier.REGION),
    Layer.CORE: Q(account__isnull=True, owner_unit__tier=Tier.GLOBAL),
}


def _json_list_has(field: str, value: str) -> Q:
    # JSON lists are stored as text on SQLite and as jsonb on PostgreSQL; matching the
    # quoted element works on both, where ``__contains`` is PostgreSQL-only.
    return Q(**{f"{field}__icontains": f'"{value.strip()}"'})


class AssetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, label=_("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    layer = django_filters.MultipleChoiceFilter(
        choices=Layer.choices, method="filter_layer", label=_("Layer")
    )
    language = django_filters.CharFilter(method="filter_language", label=_("Language"))
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code", label=_("Unit"))
    family = django_filters.UUIDFilter(field_name="family", label=_("Family"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("Industry"))
    persona = django_filters.CharFilter(method="filter_persona", label=_("Persona"))

    class Meta:
        model = Asset
        fields = ["owner_unit", "funnel_stage", "account", "parent", "translation_of"]

    def search(self, queryset, name, value):
        """Full-text over effective content, the same search as the dashboard library."""
        return search.search_assets(queryset, value)

    def filter_layer(self, queryset, name, value):
        if not value:
            return queryset
        query = Q(pk__in=[])
        for layer in value:
            query |= LAYER_QUERIES[layer]
        return queryset.filter(query)

    def filter_language(self, queryset, name, value):
        return queryset.filter(language=normalise_tag(value))

    def filter_industry(self, queryset, name, value):
        return queryset.filter(_json_list_has("industries", value))

    def filter_persona(self, queryset, name, value):
        return queryset.filter(_json_list_has("personas", value))


class LocaleChainFilterSet(django_filters.FilterSet):
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code", label=_("Unit"))

    class Meta:
        model = LocaleChain
        fields = ["owner_unit"]
