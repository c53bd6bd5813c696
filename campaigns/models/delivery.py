"""What went out: the send ledger (one row per touch ever sent) and the sandbox outbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Channel
from glocal.tenancy import TenantOwnedModel


class SendLedger(TenantOwnedModel):
    """Proof that a touch was handed to its provider, written in the same transaction as
    the touch's ``sent`` status. The unique key makes a second send unrecordable, and
    the dispatcher consults the ledger before every send."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    touch = models.OneToOneField(
        "campaigns.Touch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ledger",
        verbose_name=_("touch"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    provider = models.CharField(_("provider"), max_length=40)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("send ledger entry")
        verbose_name_plural = _("send ledger")
        indexes = [models.Index(fields=["provider", "provider_message_id"])]

    def __str__(self) -> str:
        return f"{self.idempotency_key} via {self.provider}"


class OutboxMessage(TenantOwnedModel):
    """A message the ``sandbox`` provider "sent": recorded for demos instead of delivered."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sandbox outbox message")
        verbose_name_plural = _("sandbox outbox")

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}"
