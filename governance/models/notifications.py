"""In-app notifications (each also mailed once through Django's mail backend).

A notification stores its kind and parameters, not a sentence: the text is rendered in
the reader's language when shown, and in the unit's language when mailed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import RestrictedQuerySet, Role, Scope, TenantOwnedModel

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class NotificationQuerySet(RestrictedQuerySet):
    """Notifications are personal: a user reaches only their own, whatever their role."""

    action_roles = {"view": Role.VIEWER, "change": Role.VIEWER, "delete": Role.VIEWER}

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        return Q(recipient_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(TenantOwnedModel):
    """One message to one user, sent on behalf of the unit in ``owner_unit``."""

    class Kind(models.TextChoices):
        APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
        CONSULTATION_REQUESTED = "consultation_requested", _("Consultation requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        RITUAL_REMINDER = "ritual_reminder", _("Meeting reminder")
        ACTION_ITEM_OVERDUE = "action_item_overdue", _("Action item overdue")
        # Raised by the apps above governance (content, accounts) through ``notify``.
        RIGHTS_EXPIRING = "rights_expiring", _("Usage rights expiring")
        TRANSLATION_ASSIGNED = "translation_assigned", _("Translation assigned")
        TRANSLATION_READY = "translation_ready", _("Draft translation ready")
        HANDOFF_OPENED = "handoff_opened", _("Account handed off to sales")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="governance_notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    request = models.ForeignKey(
        "governance.ApprovalRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("approval request"),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["emailed_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unsent_email",
            ),
        ]

    def __str__(self) -> str:
        return self.message()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def message(self) -> str:
        """The sentence in the active language."""
        params = {key: value for key, value in self.params.items() if isinstance(value, str)}
        due = parse_datetime(params.get("due", "") or "")
        params["due"] = formats.date_format(due, "SHORT_DATETIME_FORMAT") if due else ""
        template = {
            self.Kind.APPROVAL_REQUESTED: gettext(
                "%(requester)s (%(unit)s) asks %(accountable)s to approve: %(title)s"
            ),
            self.Kind.CONSULTATION_REQUESTED: gettext(
                "%(consulted)s is consulted on “%(title)s” — please answer by %(due)s"
            ),
            self.Kind.APPROVED: gettext("“%(title)s” was approved by %(decider)s."),
            self.Kind.REJECTED: gettext("“%(title)s” was rejected by %(decider)s."),
            self.Kind.WITHDRAWN: gettext("“%(title)s” was withdrawn by %(decider)s."),
            self.Kind.EXPIRED: gettext("“%(title)s” expired without a decision."),
            self.Kind.RIGHTS_EXPIRING: gettext("Usage rights of “%(title)s” expire on %(due)s."),
            self.Kind.TRANSLATION_ASSIGNED: gettext(
                "%(requester)s asks %(unit)s for a %(language)s version of “%(title)s” by %(due)s."
            ),
            self.Kind.TRANSLATION_READY: gettext(
                "A draft %(language)s version of “%(title)s” is ready for review."
            ),
            self.Kind.HANDOFF_OPENED: gettext(
                "“%(title)s” is marketing-qualified: accept or reject the hand-off by %(due)s."
            ),
        }.get(self.kind, "%(title)s")
        keys = (
            "requester", "unit", "accountable", "consulted", "title", "decider", "due", "language",
        )  # fmt: skip
        return template % {key: params.get(key, "") for key in keys}
