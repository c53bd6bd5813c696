"""Dashboard forms of the budget pages: record a spend, allocate to a child unit.

They parse input only; ``campaigns.budgets.record_spend`` and ``allocate`` decide what
is allowed (the cap, the period, the RACI) and their refusals become form errors.
Choices come from restricted querysets, so a posted id outside them is not valid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel
from campaigns.forms import DateInput
from campaigns.models import Budget, Campaign, SpendKind
from campaigns.models.budgets import MONEY
from glocal.models import OrgUnit


def spendable_campaigns(user: Any, budget: Budget) -> QuerySet[Campaign]:
    """Campaigns the user sees of the budget's unit or below, not funded elsewhere."""
    unit = budget.owner_unit_id
    return (
        Campaign.objects.restrict(user, "view")
        .filter(
            Q(owner_unit_id=unit)
            | Q(owner_unit__parent_id=unit)
            | Q(owner_unit__parent__parent_id=unit)
        )
        .filter(Q(budget__isnull=True) | Q(budget=budget))
        .select_related("owner_unit")
        .order_by("name", "pk")
    )


def allocatable_units(user: Any, budget: Budget) -> QuerySet[OrgUnit]:
    """Active child units of the budget's unit that the user sees."""
    return (
        OrgUnit.objects.restrict(user, "view")
        .filter(parent_id=budget.owner_unit_id, is_active=True)
        .order_by("name")
    )


class SpendForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SpendKind.choices)
    spent_on = forms.DateField(label=_("Spent on"), widget=DateInput)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("None (e.g. a tool licence)")), *Channel.choices],
        required=False,
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text=_("Impressions (CPM), clicks (CPC), touches"),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=Decimal(0),
        max_digits=18,
        decimal_places=6,
        required=False,
        help_text=_("Per thousand impressions (CPM), per click (CPC), per touch"),
    )
    amount_local = forms.DecimalField(
        label=_("Amount in local currency"),
        min_value=Decimal(0),
        required=False,
        help_text=_("Computed from quantity and unit price when both are given"),
        **MONEY,
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("ISO 4217; default: the budget unit's currency"),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, budget: Budget, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"currency": budget.owner_unit.currency})
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = spendable_campaigns(user, budget)

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "spent_on": data["spent_on"],
            "channel": data["channel"],
            "quantity": data["quantity"],
            "unit_price": data["unit_price"],
            "amount_local": data["amount_local"],
            "currency": data["currency"],
            "campaign": data["campaign"],
            "description": data["description"],
        }


class AllocateForm(forms.Form):
    owner_unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal(0), **MONEY)
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Default: the name of this budget"),
    )
    comment = forms.CharField(label=_("Comment for the approvers"), required=False)

    def __init__(self, *args: Any, user: Any, budget: Budget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = allocatable_units(user, budget)
