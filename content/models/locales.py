"""Language fallback chains, configured per unit and inherited down the tree."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from content.languages import is_valid_tag, normalise_tag
from glocal.tenancy import ConfigQuerySet, TenantOwnedModel


class LocaleChain(TenantOwnedModel):
    """The languages to try, in order, for contacts of this unit and the units below it.

    The nearest configured unit wins (a Canadian team may say fr-CA → fr → en while its
    region says en only).
    """

    chain = models.JSONField(
        _("language fallback chain"), default=list, help_text=_("For example fr-CA, fr, en.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    # The chain applies to every unit below, so they all may read it.
    published_lookup: ClassVar[dict[str, Any]] = {"pk__isnull": False}

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("language fallback chain")
        verbose_name_plural = _("language fallback chains")
        constraints = [
            models.UniqueConstraint(fields=["owner_unit"], name="locale_chain_one_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.owner_unit}: {' → '.join(self.chain)}"

    def clean_fields(self, exclude=None) -> None:
        if isinstance(self.chain, list):
            self.chain = [normalise_tag(t) if isinstance(t, str) else t for t in self.chain]
        super().clean_fields(exclude)

    def clean(self) -> None:
        if not isinstance(self.chain, list) or not self.chain:
            raise ValidationError({"chain": _("List at least one language.")})
        bad = [t for t in self.chain if not isinstance(t, str) or not is_valid_tag(t)]
        if bad:
            raise ValidationError(
                {"chain": _("Not language tags: %(tags)s") % {"tags": ", ".join(map(str, bad))}}
            )
        if len(set(self.chain)) != len(self.chain):
            raise ValidationError({"chain": _("Each language appears once.")})
