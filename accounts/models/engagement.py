"""Engagement events: what an account's people did with our touches (DESIGN section 6.5).

Events arrive by webhook or import (the campaigns issue feeds them); each carries the
provider's id so a redelivered webhook or a re-imported file never counts twice.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import TenantOwnedModel


class EventKind(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    REPLIED = "replied", _("Replied")
    REGISTERED = "registered", _("Registered")
    ATTENDED = "attended", _("Attended")
    MEETING = "meeting", _("Meeting")
    INTENT_SIGNAL = "intent_signal", _("Intent signal")


class EngagementEvent(TenantOwnedModel):
    """One engagement of an account (or one of its contacts). ``owner_unit`` is the
    account's unit, so visibility follows the account."""

    owner_follows = "account"  # owned by its account's unit, wherever that moves

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="engagement_events",
        verbose_name=_("account"),
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagement_events",
        verbose_name=_("contact"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    source = models.CharField(_("source"), max_length=60, blank=True)
    external_id = models.CharField(
        _("external id"),
        max_length=200,
        unique=True,
        help_text=_("The provider's id of the event, recorded only once."),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        indexes = [models.Index(fields=["account", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"

    def clean(self) -> None:
        errors = {}
        if (
            self.account_id
            and self.owner_unit_id
            and self.owner_unit_id != self.account.owner_unit_id
        ):
            errors["owner_unit"] = _("An event belongs to its account's unit.")
        if self.contact_id and self.account_id and self.contact.account_id != self.account_id:
            errors["contact"] = _("This contact works at another account.")
        if errors:
            raise ValidationError(errors)
