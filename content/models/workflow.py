"""Translation and local-variant requests, and the per-unit tasks they fan out into.

A request is owned by the requester's unit; each task is owned by the unit responsible
for the variant, so the assigned unit sees its task (and the requester's unit, above
it, sees it too by the tree rule) while siblings never do. Status changes go through
``content.workflow``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from content.languages import validate_language_tag
from glocal.tenancy import TenantOwnedModel


class RequestStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("status", "Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("status", "Open")
    MACHINE_DRAFTED = "machine_drafted", _("Machine draft ready")
    IN_REVIEW = "in_review", _("In review")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


#: statuses in which a task still expects work (a duplicate of it is refused)
ACTIVE_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.MACHINE_DRAFTED, TaskStatus.IN_REVIEW)


class TranslationRequest(TenantOwnedModel):
    source = models.ForeignKey(
        "content.Asset",
        on_delete=models.PROTECT,
        related_name="translation_requests",
        verbose_name=_("source asset"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    instructions = models.TextField(_("instructions"), blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("translation request")
        verbose_name_plural = _("translation requests")

    def __str__(self) -> str:
        return f"{self.source.title} ({self.created_at:%Y-%m-%d})" if self.created_at else "—"

    def derived_status(self, task_statuses: list[str]) -> str:
        """Open while any task is; cancelled when every task was; done otherwise."""
        if any(status in ACTIVE_TASK_STATUSES for status in task_statuses):
            return RequestStatus.OPEN
        if task_statuses and all(status == TaskStatus.CANCELLED for status in task_statuses):
            return RequestStatus.CANCELLED
        return RequestStatus.DONE


class TranslationTask(TenantOwnedModel):
    request = models.ForeignKey(
        TranslationRequest,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("request"),
    )
    language = models.CharField(
        _("target language"), max_length=35, validators=[validate_language_tag]
    )
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    provider = models.CharField(_("provider"), max_length=40, blank=True)
    result = models.ForeignKey(
        "content.Asset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("draft variant"),
    )
    violations = models.JSONField(_("glossary violations"), default=dict, blank=True)
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("machine attempts"), default=0)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("translation task")
        verbose_name_plural = _("translation tasks")
        indexes = [models.Index(fields=["owner_unit", "status"])]

    def __str__(self) -> str:
        return f"{self.request.source.title} → {self.language} ({self.owner_unit.name})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_TASK_STATUSES
