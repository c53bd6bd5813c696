"""Dashboard form for one bound: which unit, which declared bound, and its value as text.

Values are typed by the bound's kind (a number for caps and minimums, a comma-separated
list for allowed sets, yes/no for requirements); the tighten-never-loosen check itself is
the model's (``Bound.clean``), so the refusal names the rule and the unit that set it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from glocal.layering import bounds
from glocal.models import OrgUnit

YES = {"yes", "y", "true", "1", "oui", "required"}
NO = {"no", "n", "false", "0", "non", "not required"}


def parse_value(kind: bounds.BoundKind, text: str) -> Any:
    """The typed value for ``kind``; ``forms.ValidationError`` names what was expected."""
    text = text.strip()
    if kind in (bounds.MAX, bounds.MIN):
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise forms.ValidationError(_("Expected a number.")) from None
        return int(number) if number.is_integer() else number
    if kind == bounds.ALLOWED:
        items = sorted({item.strip() for item in text.split(",") if item.strip()})
        if not items:
            raise forms.ValidationError(_("List at least one value, separated by commas."))
        return items
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise forms.ValidationError(_("Expected yes or no."))


def describe_value(kind: bounds.BoundKind, value: Any) -> str:
    if kind == bounds.ALLOWED:
        return ", ".join(value)
    if kind == bounds.REQUIRED:
        return "yes" if value else "no"
    return str(value)


class BoundForm(forms.Form):
    owner_unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    key = forms.ChoiceField(label=_("Bound"))
    value = forms.CharField(
        label=_("Value"),
        max_length=2000,
        help_text=_("A number, a comma-separated list, or yes/no, depending on the bound."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = OrgUnit.objects.restrict(user, "configure")
        self.fields["key"].choices = [(s.key, f"{s.label} ({s.key})") for s in bounds.declared()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        spec = bounds.spec(data.get("key", ""))
        if spec is not None and "value" in data:
            try:
                data["typed_value"] = parse_value(spec.kind, data["value"])
            except forms.ValidationError as exc:
                self.add_error("value", exc)
        return data
