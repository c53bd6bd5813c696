"""The organisation glossary as stored: terms per unit, inherited down the tree.

The organisation's glossary lives at GLOBAL; a region (or a local team) may add terms
of its own. Every unit translates with the terms of its chain (``terms_for``), the
nearest unit winning where two units define the same term.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from content import glossary
from content.languages import is_valid_tag, normalise_tag, validate_language_tag
from glocal.tenancy import DEFAULT_ACTION_ROLES, Role, TenantOwnedModel, TenantQuerySet


class GlossaryQuerySet(TenantQuerySet):
    """Visible down the tree; written by managers, since a term binds every translation
    of the unit's subtree (a brand rule, not one marketer's preference)."""

    action_roles = {
        **DEFAULT_ACTION_ROLES,
        "add": Role.MANAGER,
        "change": Role.MANAGER,
        "delete": Role.MANAGER,
    }


class GlossaryTerm(TenantOwnedModel):
    term = models.CharField(_("term"), max_length=200)
    source_language = models.CharField(
        _("source language"),
        max_length=35,
        blank=True,
        validators=[validate_language_tag],
        help_text=_("Language the term is written in; empty means any."),
    )
    do_not_translate = models.BooleanField(_("do not translate"), default=False)
    translations = models.JSONField(
        _("mandated translations"),
        default=dict,
        blank=True,
        help_text=_('Language → mandated rendering, e.g. {"ja": "アクメ"}.'),
    )
    case_sensitive = models.BooleanField(_("case sensitive"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Terms are rules for the whole subtree: always visible below their unit.
    published_lookup = {"pk__isnull": False}

    objects = GlossaryQuerySet.as_manager()

    class Meta:
        ordering = ["term", "id"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "term", "source_language"],
                name="glossary_term_unique_per_unit",
                violation_error_message=_(
                    "This unit already has this term for this source language."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.term

    def clean_fields(self, exclude=None) -> None:
        self.term = (self.term or "").strip()
        if self.source_language:
            self.source_language = normalise_tag(self.source_language)
        super().clean_fields(exclude)

    def clean(self) -> None:
        super().clean()
        translations = self.translations
        if not isinstance(translations, dict):
            raise ValidationError({"translations": _("Expected an object {language: text}.")})
        bad = sorted(str(tag) for tag in translations if not is_valid_tag(str(tag)))
        if bad:
            raise ValidationError(
                {"translations": _("Not language tags: %(tags)s.") % {"tags": ", ".join(bad)}}
            )
        if any(not isinstance(v, str) or not v.strip() for v in translations.values()):
            raise ValidationError({"translations": _("A mandated translation cannot be blank.")})
        if not self.do_not_translate and not translations:
            raise ValidationError(
                {
                    "do_not_translate": _(
                        "A term is either kept untranslated or has mandated translations."
                    )
                }
            )
        self.translations = {normalise_tag(k): v.strip() for k, v in translations.items()}

    def as_term(self) -> glossary.GlossaryTerm:
        """The plain value the glossary rules (protect, restore, violations) work on."""
        return glossary.GlossaryTerm(
            term=self.term,
            source_language=self.source_language,
            do_not_translate=self.do_not_translate,
            translations=dict(self.translations),
            case_sensitive=self.case_sensitive,
        )


def terms_for(unit) -> list[glossary.GlossaryTerm]:
    """The glossary a unit translates with: its own terms and its ancestors' (one query).

    Where several units of the chain define the same term (same text, ignoring case,
    and same source language), the unit nearest to ``unit`` wins.
    """
    chain = []
    while unit is not None:
        chain.append(unit.pk)
        unit = unit.parent
    distance = {unit_id: index for index, unit_id in enumerate(chain)}
    rows = sorted(
        GlossaryTerm.objects.unrestricted().filter(owner_unit_id__in=chain),
        key=lambda row: (distance[row.owner_unit_id], row.pk),
    )
    chosen: dict[tuple[str, str], GlossaryTerm] = {}
    for row in rows:
        chosen.setdefault((row.term.casefold(), row.source_language.lower()), row)
    return [row.as_term() for row in chosen.values()]
