"""Hand-offs: a marketing-qualified account passed to its sales owner with an SLA."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import ConfigQuerySet, TenantOwnedModel, TenantQuerySet


class HandoffStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class HandoffQuerySet(TenantQuerySet):
    def open(self) -> HandoffQuerySet:
        return self.filter(status=HandoffStatus.PENDING)

    def due(self, at=None) -> HandoffQuerySet:
        """Pending hand-offs past their SLA that nobody flagged yet."""
        return self.open().filter(sla_due_at__lte=at or timezone.now(), overdue=False)


class Handoff(TenantOwnedModel):
    """One hand-off of an account to sales; ``owner_unit`` is the account's unit."""

    owner_follows = "account"  # owned by its account's unit, wherever that moves

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="handoffs",
        verbose_name=_("account"),
    )  # fmt: skip
    sales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="account_handoffs", verbose_name=_("sales owner"),
    )  # fmt: skip
    score = models.FloatField(_("engagement score at hand-off"), default=0)
    threshold = models.FloatField(_("threshold at hand-off"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sla_due_at = models.DateTimeField(_("SLA due at"))
    status = models.CharField(
        _("status"), max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    overdue_notified_at = models.DateTimeField(_("overdue notified at"), null=True, blank=True)

    objects = HandoffQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        constraints = [
            # The database, not a check-then-act, guarantees one open hand-off per account
            # when two recomputations cross the threshold at once.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status="pending"),
                name="handoff_one_open_per_account",
            )
        ]
        indexes = [models.Index(fields=["status", "sla_due_at"])]

    def __str__(self) -> str:
        return str(_("Hand-off of %(account)s") % {"account": self.account})

    @property
    def is_open(self) -> bool:
        return self.status == HandoffStatus.PENDING


class SalesOwner(TenantOwnedModel):
    """Who receives the hand-offs of a unit's accounts (and of its subtree), instead of
    the unit's manager. Configured by unit admins; the nearest unit's choice wins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("sales owner"),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["owner_unit", "id"]
        verbose_name = _("sales owner")
        verbose_name_plural = _("sales owners")
        constraints = [
            models.UniqueConstraint(fields=["owner_unit"], name="sales_owner_one_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.owner_unit} → {self.user}"

    def clean(self) -> None:
        # The owner must be able to see the hand-offs they receive: a member of the unit
        # or of one of its ancestors (visibility runs down the tree, never sideways).
        if not (self.owner_unit_id and self.user_id):
            return
        from glocal.models import Membership

        chain, unit = [], self.owner_unit
        while unit is not None:
            chain.append(unit.pk)
            unit = unit.parent
        if not Membership.objects.filter(
            user_id=self.user_id, unit_id__in=chain, unit__is_active=True
        ).exists():
            raise ValidationError(
                {"user": _("Choose a member of this unit or of a unit above it.")}
            )
