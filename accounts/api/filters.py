"""One FilterSet per model, shared by the API and the dashboard lists."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import privacy
from accounts.models import Account, Consent, Contact, Lifecycle, Tier


class AccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    lifecycle = django_filters.MultipleChoiceFilter(choices=Lifecycle.choices, label=_("Lifecycle"))
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices, label=_("Tier"))
    country = django_filters.CharFilter(method="filter_country", label=_("Country"))
    industry = django_filters.CharFilter(
        field_name="industry", lookup_expr="iexact", label=_("Industry")
    )
    min_fit = django_filters.NumberFilter(
        field_name="fit_score", lookup_expr="gte", label=_("Minimum fit")
    )
    owner_unit_code = django_filters.CharFilter(field_name="owner_unit__code", label=_("Unit"))

    class Meta:
        model = Account
        fields = ["owner_unit", "parent"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(legal_name__icontains=value) | Q(domain__icontains=value)
        )

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())


class ContactFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Contact
        fields = ["account", "country", "buying_role", "residency_zone", "do_not_contact"]

    def search(self, queryset, name, value):
        personal = (
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(job_title__icontains=value)
        )
        # Searching masked fields would reveal them one guess at a time.
        hidden = privacy.hidden_zones(getattr(self.request, "user", None))
        if hidden:
            personal &= ~Q(residency_zone__in=hidden)
        return queryset.filter(personal)


class ConsentFilterSet(django_filters.FilterSet):
    class Meta:
        model = Consent
        fields = ["contact", "contact__account", "channel", "purpose", "status", "lawful_basis"]
