"""Duplicate candidates: pairs of accounts that may be the same company.

A candidate is owned by the lowest common ancestor (LCA) of the two accounts' units, so
the review queue sits where someone can see both accounts: two French accounts are
reviewed in France, a French and a German one in EMEA, never by France or Germany alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from glocal.tenancy import TenantOwnedModel


class DuplicateCandidate(TenantOwnedModel):
    """Two accounts (``account_a.pk < account_b.pk``) that detection thinks are one company.

    The account links are ``SET_NULL`` so that a merge, which deletes the merged-away
    account, leaves the decided candidate (and its ``summary``) in the history.
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Dismissed")

    account_a = models.ForeignKey(
        "accounts.Account", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    account_b = models.ForeignKey(
        "accounts.Account", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    score = models.FloatField(_("score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    survivor = models.ForeignKey(
        "accounts.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(fields=["account_a", "account_b"], name="duplicate_pair_once")
        ]
        indexes = [models.Index(fields=["owner_unit", "status"])]

    def __str__(self) -> str:
        a = self.summary.get("a", {}).get("name", self.account_a_id)
        b = self.summary.get("b", {}).get("name", self.account_b_id)
        return f"{a} ~ {b}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
