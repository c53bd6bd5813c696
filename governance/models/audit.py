"""The audit trail: one append-only row per governance decision or tracked change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import Role, TenantQuerySet

ACTION_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "withdrawn": _("withdrawn"),
    "expired": _("expired"),
    "consulted": _("consulted"),
}


class AuditQuerySet(TenantQuerySet):
    """The trail of a unit is read by its managers (and those above), never edited."""

    action_roles = {"view": Role.MANAGER, "export": Role.MANAGER}


class AuditEntry(models.Model):
    """Who changed what, where and when, with the values before and after.

    ``owner_unit`` is the unit the change concerns (the row's owner, the membership's
    unit, the unit itself), so managers read the trail of their scope through
    ``restrict`` like any tenant-owned row.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    owner_unit = models.ForeignKey(
        "glocal.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    action = models.CharField(_("action"), max_length=40, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, db_index=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    bulk = models.BooleanField(_("bulk change"), default=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["owner_unit", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language (codes from bulk changes and decisions)."""
        return str(ACTION_LABELS.get(self.action, self.action))
