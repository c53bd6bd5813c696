"""Dashboard forms. They parse input only; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel
from content.models import Asset

#: layered fields typed as long text in the edit form
LONG_FIELDS = {"body", "intro", "legal_notice", "personal_text"}


class AssetFieldsForm(forms.Form):
    """Every layered field, prefilled with the node's effective values."""

    def __init__(self, *args: Any, asset: Asset, **kwargs: Any) -> None:
        kwargs.setdefault("initial", asset.layered_values())
        super().__init__(*args, **kwargs)
        self.asset = asset
        for name in Asset.layered_fields:
            model_field = Asset._meta.get_field(name)
            label = str(model_field.verbose_name).capitalize()
            if name == "case_study":
                self.fields[name] = forms.IntegerField(label=label, required=False, min_value=1)
            elif name in LONG_FIELDS:
                self.fields[name] = forms.CharField(
                    label=label, required=False, strip=False, widget=forms.Textarea({"rows": 4})
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label, required=False, max_length=model_field.max_length
                )

    def changes(self) -> dict[str, Any]:
        """Only the submitted fields whose value differs from the effective one, so an
        untouched locked or inherited field is never re-submitted as an override."""
        current = self.asset.layered_values()
        changed = {}
        for name, value in self.cleaned_data.items():
            if name not in self.data:
                continue
            if isinstance(value, str):
                value = value.replace("\r\n", "\n")  # browsers send CRLF from textareas
            if value != current[name] and not (value in ("", None) and current[name] in ("", None)):
                changed[name] = value
        return changed


class DeriveForm(forms.Form):
    """Adapt a node for one of my units, optionally for one account."""

    unit = forms.TypedChoiceField(label=_("For unit"), coerce=int)
    account = forms.TypedChoiceField(
        label=_("For account (optional)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, units, accounts, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["account"].choices = [("", "—")] + [(a.pk, a.name) for a in accounts]


class PreviewForm(forms.Form):
    contact = forms.TypedChoiceField(label=_("Contact"), coerce=int)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial="email")

    def __init__(self, *args: Any, contacts, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [(c.pk, _label(c)) for c in contacts]


def _label(contact) -> str:
    return f"{contact} · {contact.account.name}"
