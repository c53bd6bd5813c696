"""Dashboard forms. They parse input only; the services decide what is allowed.

Choices come from restricted querysets (playbooks the user sees, accounts of the unit
in a targeted lifecycle stage), so a posted id outside them is simply not valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Channel
from campaigns import mix
from campaigns.models import Campaign, Condition, Playbook, PlaybookStatus
from campaigns.models.campaigns import TARGETABLE
from glocal.layering import bounds
from glocal.models import OrgUnit, Tier
from governance.forms_bounds import BoundForm


def unit_path(unit: OrgUnit) -> list[int]:
    ids = []
    node: OrgUnit | None = unit
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def usable_playbooks(user: Any, unit: OrgUnit) -> QuerySet[Playbook]:
    """Published playbooks of the unit or its ancestors that ``user`` can see."""
    return (
        Playbook.objects.restrict(user, "view")
        .filter(status=PlaybookStatus.PUBLISHED, owner_unit_id__in=unit_path(unit))
        .select_related("owner_unit")
        .order_by("name", "pk")
    )


def targetable_accounts(user: Any, unit: OrgUnit) -> QuerySet[Account]:
    """The unit's accounts a campaign may target (selected, engaged, opportunity)."""
    return Account.objects.restrict(user, "view").filter(owner_unit=unit, lifecycle__in=TARGETABLE)


class DateInput(forms.DateInput):
    input_type = "date"


class CampaignForm(forms.Form):
    """Name, window, accounts and per-step overrides (skip a step, change its delay).

    The playbook is fixed before the form is built (chosen on the first step of the
    builder, or the campaign's own), so the step fields match its steps.
    """

    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput)
    accounts = forms.ModelMultipleChoiceField(
        label=_("Accounts"), queryset=Account.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        unit: OrgUnit,
        playbook: Playbook,
        campaign: Campaign | None = None,
        **kwargs: Any,
    ) -> None:
        if campaign is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": campaign.name,
                    "starts_on": campaign.starts_on,
                    "ends_on": campaign.ends_on,
                    "accounts": list(campaign.accounts.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        self.playbook = playbook
        self.fields["accounts"].queryset = targetable_accounts(user, unit)
        overrides = campaign.overrides if campaign is not None else {}
        skipped = set(overrides.get("skip_steps", []))
        delays = {int(k): v for k, v in overrides.get("delay_days", {}).items()}
        self.step_rows = []
        for index, step in enumerate(playbook.steps):
            skip, delay = f"skip_{index}", f"delay_{index}"
            self.fields[skip] = forms.BooleanField(
                label=_("Skip step %(n)s") % {"n": index + 1},
                required=False,
                initial=index in skipped,
            )
            self.fields[delay] = forms.IntegerField(
                label=_("Delay of step %(n)s (days)") % {"n": index + 1},
                min_value=0,
                max_value=365,
                initial=delays.get(index, step["delay_days"]),
            )
            self.step_rows.append(
                {
                    "number": index + 1,
                    "step": step,
                    "channel": Channel(step["channel"]).label,
                    "condition": Condition(step.get("condition", Condition.ALWAYS)).label,
                    "skip": self[skip],
                    "delay": self[delay],
                }
            )

    @property
    def window_fields(self) -> list[forms.BoundField]:
        return [self["name"], self["starts_on"], self["ends_on"]]

    def overrides(self) -> dict[str, Any]:
        """The local tailoring: skipped steps, and delays that differ from the playbook's."""
        skip, delays = [], {}
        for index, step in enumerate(self.playbook.steps):
            if self.cleaned_data.get(f"skip_{index}"):
                skip.append(index)
            delay = self.cleaned_data.get(f"delay_{index}")
            if delay is not None and delay != step["delay_days"]:
                delays[str(index)] = delay
        overrides: dict[str, Any] = {}
        if skip:
            overrides["skip_steps"] = skip
        if delays:
            overrides["delay_days"] = delays
        return overrides


class PlaybookChoiceForm(forms.Form):
    """The builder's first step: which playbook to run."""

    playbook = forms.ModelChoiceField(label=_("Playbook"), queryset=Playbook.objects.none())

    def __init__(self, *args: Any, user: Any, unit: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["playbook"].queryset = usable_playbooks(user, unit)


class MixRuleForm(BoundForm):
    """The governance bound form, narrowed to channel-mix keys of the page's unit."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["owner_unit"]  # the page's unit; set_rule checks the admin right
        self.fields["key"].choices = [
            (spec.key, f"{spec.label} ({spec.key})")
            for spec in bounds.declared()
            if spec.key in mix.ALL_KEYS
        ]


def is_local(unit: OrgUnit | None) -> bool:
    return unit is not None and unit.tier == Tier.LOCAL
