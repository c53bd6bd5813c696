"""Directives: guidance a unit publishes downwards, adapted layer by layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from glocal.layering.models import LayeredModel


class Directive(LayeredModel):
    """A rule or guidance a unit publishes to every unit below it.

    Layered: a region adapts a global directive, a local team adapts the region's; the
    legal notice stays global, the body may be adapted by regions, title and summary by
    anyone (defaults; each organisation sets its own override policies).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    legal_notice = models.TextField(_("legal notice"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="draft")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    published_lookup = {"status": Status.PUBLISHED}
    layered_fields = ("title", "summary", "body", "legal_notice")
    default_override_tiers = {"legal_notice": "GLOBAL", "body": "REGION"}

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        permissions = [("lock_directive", "Can lock fields of a directive for descendants")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        elif self.status == self.Status.DRAFT:
            self.published_at = None
        super().save(*args, **kwargs)
