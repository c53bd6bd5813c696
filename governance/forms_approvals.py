"""Dashboard forms for the RACI grid, approvals and consultations (parsing only; the
rules live in the models and services)."""

from __future__ import annotations

from django import forms
from django.db import models
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.models import ApprovalRequest, Consultation, Directive
from governance.models.raci import Letters
from governance.publishing import PUBLISH_DIRECTIVE


class RaciRowForm(forms.Form):
    """One activity's row of the grid; ``tailored`` only at a region, the tailoring flag
    only at the root."""

    global_letters = forms.ChoiceField(label=_("Global"), choices=Letters.choices, required=False)
    region_letters = forms.ChoiceField(label=_("Region"), choices=Letters.choices, required=False)
    local_letters = forms.ChoiceField(label=_("Local"), choices=Letters.choices, required=False)
    regions_may_tailor = forms.BooleanField(label=_("Regions may tailor"), required=False)
    tailored = forms.BooleanField(label=_("Tailored here"), required=False)

    LETTERS = ("global_letters", "region_letters", "local_letters")

    def letters(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.LETTERS}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)


class AnswerForm(forms.Form):
    opinion = forms.ChoiceField(label=_("Opinion"), choices=Consultation.Opinion.choices)
    answer = forms.CharField(
        label=pgettext_lazy("noun", "Answer"), required=False, widget=forms.Textarea
    )


class PublishDirectiveForm(forms.Form):
    """Ask to publish one of the draft directives the user may change (and that does not
    already wait for approval)."""

    directive = forms.ModelChoiceField(label=_("Directive"), queryset=Directive.objects.none())
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        waiting = (
            ApprovalRequest.objects.pending()
            .filter(action_type=PUBLISH_DIRECTIVE)
            .annotate(directive_id=Cast("target_id", models.BigIntegerField()))
            .values("directive_id")
        )
        self.fields["directive"].queryset = (
            Directive.objects.restrict(user, "change")
            .filter(status=Directive.Status.DRAFT)
            .exclude(pk__in=waiting)
            .select_related("owner_unit")
            .order_by("owner_unit__code", "title")
        )
        self.fields["directive"].label_from_instance = lambda d: f"{d.title} ({d.owner_unit.name})"
