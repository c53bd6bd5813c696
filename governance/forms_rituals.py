"""Dashboard forms of ritual meetings: minutes, new action items, action item status.

Choices are restricted like the API's inputs: owning units are participants the user can
see, owners are people whose membership the user can see.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from glocal.models import OrgUnit
from governance import rituals
from governance.models import ActionItem, RitualOccurrence


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["title", "owner_unit", "assignee", "due_on", "description"]
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, occurrence: RitualOccurrence, user, **kwargs):
        kwargs.setdefault("instance", ActionItem(occurrence=occurrence, created_by=user))
        super().__init__(*args, **kwargs)
        participants = occurrence.participant_unit_ids()
        self.fields["owner_unit"].queryset = OrgUnit.objects.restrict(user, "view").filter(
            pk__in=participants
        )
        self.fields["assignee"].queryset = rituals.assignable_users(user, participants).order_by(
            "username"
        )
        self.fields["assignee"].label_from_instance = lambda u: u.get_username()


class ActionItemStatusForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)
