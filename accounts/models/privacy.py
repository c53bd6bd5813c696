"""The erasure log: proof that a person's data was erased, without the data itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import Role, TenantQuerySet


class ErasureQuerySet(TenantQuerySet):
    action_roles = {"view": Role.MANAGER}


class ErasureLog(models.Model):
    """One erased contact: when, why, by whom, and what each app anonymised."""

    owner_unit = models.ForeignKey(
        "glocal.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    contact_id = models.PositiveBigIntegerField(_("contact id"), db_index=True)
    account_id = models.PositiveBigIntegerField(_("account id"), null=True)
    reason = models.CharField(_("reason"), max_length=40)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_at = models.DateTimeField(_("erased at"), auto_now_add=True)
    summary = models.JSONField(_("what was anonymised"), default=dict)

    objects = ErasureQuerySet.as_manager()

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasure log")

    def __str__(self) -> str:
        return f"contact #{self.contact_id} ({self.reason})"
