"""Approval requests and the consultations they open.

An ``ApprovalRequest`` is owned by the Accountable unit: its managers decide. The
requesting unit (R), the scope's chain and every consulted unit can read it too.
Consultations are owned by the consulted (C) unit, whose managers answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import (
    DEFAULT_ACTION_ROLES,
    RestrictedQuerySet,
    Role,
    Scope,
    TenantOwnedModel,
    scope_for,
)
from governance.models.raci import Activity

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class ApprovalQuerySet(RestrictedQuerySet):
    """Who may see or act on a request.

    RACI is explicit about units, so deciding is for managers *of the accountable unit*
    (not of any unit above it); withdrawing is for the requester, managers of the
    requesting unit and the deciders.
    """

    action_roles = {
        **DEFAULT_ACTION_ROLES,
        "add": Role.MARKETER,
        "approve": Role.MANAGER,
        "withdraw": Role.MARKETER,
    }

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        if action == "view":
            return (
                Q(owner_unit_id__in=scope.down)
                | Q(requesting_unit_id__in=scope.down)
                | Q(scope_id__in=scope.down)
                | Q(consultations__owner_unit_id__in=scope.down)
                | Q(requested_by_id=user.pk)
            )
        managers = scope_for(user, Role.MANAGER).member
        if action == "approve":
            return Q(owner_unit_id__in=managers)
        if action == "withdraw":
            return (
                Q(requested_by_id=user.pk)
                | Q(requesting_unit_id__in=managers)
                | Q(owner_unit_id__in=managers)
            )
        if action == "add":
            return Q(requested_by_id=user.pk, requesting_unit_id__in=scope.member)
        return Q(pk__in=[])  # requests change only through the approval services

    def pending(self) -> ApprovalQuerySet:
        return self.filter(status=ApprovalRequest.Status.PENDING)

    def due(self, now=None) -> ApprovalQuerySet:
        return self.pending().filter(expires_at__lte=now or timezone.now())


class ApprovalRequest(TenantOwnedModel):
    """An R-but-not-A action waiting for the accountable unit's managers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    activity = models.CharField(_("activity"), max_length=40, choices=Activity.choices)
    scope = models.ForeignKey(
        "glocal.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scope"),
        help_text=_("The unit the action concerns."),
    )
    requesting_unit = models.ForeignKey(
        "glocal.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requesting unit"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    action_type = models.CharField(_("action"), max_length=100)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_comment = models.TextField(_("withdrawal comment"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [models.Index(fields=["owner_unit", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["action_type", "target_type", "target_id"],
                condition=Q(status="pending"),
                name="approval_one_pending_per_action_and_object",
                violation_error_message=_("This action already waits for approval."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def activity_label(self) -> str:
        return Activity(self.activity).label


class ConsultationQuerySet(RestrictedQuerySet):
    """Consulted units and everyone who reads the request see the answers; only the
    consulted unit's managers answer."""

    action_roles = {**DEFAULT_ACTION_ROLES, "answer": Role.MANAGER}

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        if action == "view":
            return (
                Q(owner_unit_id__in=scope.down)
                | Q(request__owner_unit_id__in=scope.down)
                | Q(request__requesting_unit_id__in=scope.down)
                | Q(request__requested_by_id=user.pk)
            )
        if action == "answer":
            return Q(owner_unit_id__in=scope.member)
        return Q(pk__in=[])


class Consultation(TenantOwnedModel):
    """A consulted (C) unit's opinion on a pending request, due before a deadline."""

    class Opinion(models.TextChoices):
        FAVOURABLE = "favourable", _("Favourable")
        RESERVATIONS = "reservations", _("Favourable with reservations")
        UNFAVOURABLE = "unfavourable", _("Unfavourable")

    request = models.ForeignKey(
        ApprovalRequest,
        on_delete=models.CASCADE,
        related_name="consultations",
        verbose_name=_("request"),
    )
    due_at = models.DateTimeField(_("answer due by"))
    opinion = models.CharField(_("opinion"), max_length=12, choices=Opinion.choices, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "owner_unit"], name="consultation_one_per_unit_and_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_unit.code}: {self.request.title}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_answered and self.due_at <= timezone.now()
