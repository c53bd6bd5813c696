"""Version history of assets: what a node looked like after each effective change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import TenantOwnedModel


class AssetVersion(TenantOwnedModel):
    """A numbered snapshot of a node's effective layered values and status.

    ``owner_unit`` is the asset's, so versions are scoped like the asset; an ancestor's
    versions are visible below only while the asset is published.
    """

    asset = models.ForeignKey(
        "content.Asset", on_delete=models.CASCADE, related_name="versions", verbose_name=_("asset")
    )
    number = models.PositiveIntegerField(_("version"))
    values = models.JSONField(_("effective values"), default=dict)
    status = models.CharField(_("status"), max_length=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    published_lookup = {"asset__status": "published"}

    class Meta:
        ordering = ["asset_id", "-number"]
        verbose_name = _("asset version")
        verbose_name_plural = _("asset versions")
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="asset_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} v{self.number}"
