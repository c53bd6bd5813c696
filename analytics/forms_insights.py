"""Dashboard forms of insights and replication; every choice goes through ``restrict``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from analytics.models import Insight, Sentiment
from analytics.models.insights import MAX_TAGS
from campaigns.models import Campaign
from glocal.models import OrgUnit
from glocal.tenancy import Role, scope_for


def writable_units(user: Any):
    """Units the user writes insights for: those where they are marketer or above."""
    return OrgUnit.objects.filter(
        pk__in=scope_for(user, Role.MARKETER).member, is_active=True
    ).order_by("name")


class InsightForm(forms.Form):
    owner_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Unit"))
    text = forms.CharField(label=_("Insight"), max_length=5000, widget=forms.Textarea)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Up to %(n)s words, separated by commas or spaces.") % {"n": MAX_TAGS},
    )
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices)
    # Ids, not drop-downs: a unit may have thousands of accounts.
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        required=False,
        widget=forms.NumberInput,
        label=_("Linked account (id)"),
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(),
        required=False,
        widget=forms.NumberInput,
        label=_("Linked campaign (id)"),
    )

    def __init__(self, *args, user: Any, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = writable_units(user)
        self.fields["account"].queryset = Account.objects.restrict(user, "view")
        self.fields["campaign"].queryset = Campaign.objects.restrict(user, "view")
        self.fields["sentiment"].initial = Sentiment.NEUTRAL


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea)


class MergeForm(forms.Form):
    duplicates = forms.CharField(
        label=_("Duplicates (ids)"),
        max_length=500,
        help_text=_("Ids of the insights to fold into this one, separated by commas."),
    )

    def __init__(self, *args, user: Any, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_duplicates(self) -> list[Insight]:
        raw = [part.strip().lstrip("#") for part in self.cleaned_data["duplicates"].split(",")]
        ids: set[int] = set()
        for part in filter(None, raw):
            if not part.isdigit() or len(part) > 18:
                raise forms.ValidationError(_("“%(v)s” is not an insight id.") % {"v": part[:20]})
            ids.add(int(part))
        if not ids:
            raise forms.ValidationError(_("Choose the duplicates to merge."))
        found = list(Insight.objects.restrict(self.user, "view").filter(pk__in=ids))
        missing = sorted(ids - {i.pk for i in found})
        if missing:
            raise forms.ValidationError(
                _("No insight you can see has the id(s) %(ids)s.")
                % {"ids": ", ".join(map(str, missing))}
            )
        return found


class ReplicateForm(forms.Form):
    origin_campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), widget=forms.HiddenInput
    )
    target_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Replicate to"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    starts_on = forms.DateField(
        label=_("First day (new campaign)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user: Any, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin_campaign"].queryset = Campaign.objects.restrict(user, "view")
        self.fields["target_unit"].queryset = OrgUnit.objects.restrict(user, "own").order_by(
            "tier", "name"
        )
