"""Touches: one planned contact moment (a step for one contact), the unit of dispatch.

The table is the outbox of DESIGN section 6: the planner writes rows, the dispatcher
(``campaigns.dispatch``) claims due rows in batches and records the outcome on them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel
from glocal.tenancy import TenantOwnedModel


class TouchStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")
    CLAIMED = "claimed", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


#: Not sent yet and still meant to go: what pausing holds and withdrawing cancels.
UNSENT = (TouchStatus.PLANNED, TouchStatus.CLAIMED, TouchStatus.FAILED)
#: Touches that count against frequency caps (sent, or still meant to be sent).
COUNTED = (TouchStatus.PLANNED, TouchStatus.CLAIMED, TouchStatus.SENT, TouchStatus.FAILED)


def idempotency_key(campaign_id: int, step: int, contact_id: int) -> str:
    """Deterministic per (campaign, step, contact): re-planning can never duplicate."""
    return f"c{campaign_id}-s{step}-p{contact_id}"


class Touch(TenantOwnedModel):
    """A step of a campaign for one contact; ``owner_unit`` is the campaign's unit."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="touches"
    )
    step = models.PositiveSmallIntegerField(_("step"))
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    #: the root of the account's family, kept so family frequency caps need no tree walk
    family_root = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    content_family = models.UUIDField(_("content"))
    content_asset = models.ForeignKey(
        "content.Asset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved content"),
    )
    scheduled_at = models.DateTimeField(_("scheduled at (UTC)"))
    #: the send time as the local team reads it, e.g. "2026-03-30 09:00 Europe/Paris"
    local_scheduled = models.CharField(_("local time"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=TouchStatus.choices, default=TouchStatus.PLANNED
    )
    reason_code = models.CharField(_("reason code"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    # Dispatch bookkeeping (``campaigns.dispatch``).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: the claim a send task must present; a stale task (its claim expired and the touch
    #: was claimed again) finds another id and leaves the touch alone
    claim_id = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        indexes = [
            models.Index(fields=["status", "scheduled_at"]),
            models.Index(fields=["account", "scheduled_at"]),
            models.Index(fields=["family_root", "scheduled_at"]),
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["owner_unit", "status", "scheduled_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.channel} @ {self.local_scheduled}: {self.status}"
