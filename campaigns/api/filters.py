"""One FilterSet per resource of the campaigns API.

Related objects are filtered by plain ids (:class:`IdFilter`), never by model choices:
a choice filter would answer "not a valid choice" for another tenant's id and so
reveal that it exists.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel
from campaigns.models import Campaign, CampaignStatus, Playbook, PlaybookStatus, Touch, TouchStatus
from glocal.models import OrgUnit, Tier

#: the largest id a database column holds (a bigger number would overflow the query)
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A whole, positive id: anything else is a 400, not a database overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class PlaybookFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    unit = IdFilter(field_name="owner_unit_id", label=_("Unit"))
    unit_code = django_filters.CharFilter(field_name="owner_unit__code", label=_("Unit code"))
    status = django_filters.ChoiceFilter(choices=PlaybookStatus.choices, label=_("Status"))
    parent = IdFilter(field_name="parent_id", label=_("Adapted from"))

    class Meta:
        model = Playbook
        fields: list[str] = []


class CampaignFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    unit = IdFilter(field_name="owner_unit_id", label=_("Unit"))
    unit_code = django_filters.CharFilter(field_name="owner_unit__code", label=_("Unit code"))
    status = django_filters.MultipleChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))
    playbook = IdFilter(field_name="playbook_id", label=_("Playbook"))

    class Meta:
        model = Campaign
        fields: list[str] = []


class TouchFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("Campaign"))
    account = IdFilter(field_name="account_id", label=_("Account"))
    contact = IdFilter(field_name="contact_id", label=_("Contact"))
    status = django_filters.MultipleChoiceFilter(choices=TouchStatus.choices, label=_("Status"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("Channel"))
    reason_code = django_filters.CharFilter(label=_("Reason code"))
    scheduled_after = django_filters.IsoDateTimeFilter(
        field_name="scheduled_at", lookup_expr="gte", label=_("Scheduled at or after")
    )
    scheduled_before = django_filters.IsoDateTimeFilter(
        field_name="scheduled_at", lookup_expr="lt", label=_("Scheduled before")
    )

    class Meta:
        model = Touch
        fields: list[str] = []


class ChannelMixFilterSet(django_filters.FilterSet):
    unit = IdFilter(field_name="pk", label=_("Unit"))
    unit_code = django_filters.CharFilter(field_name="code", label=_("Unit code"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"))

    class Meta:
        model = OrgUnit
        fields: list[str] = []
