"""Qualitative insights flowing up the tree, their curation, and campaign replications.

An :class:`Insight` is field feedback written by a unit (usually a local team). It flows
**up**: the writer's ancestors see it (for them it is "down"), its siblings never do —
until global publishes it as a best practice, which makes it visible to the whole
organisation. Regions curate (endorse, merge duplicates, comment); global publishes.

A :class:`Replication` records that a campaign was turned into a playbook for a region or
global (upward) or into a campaign for another local team (sideways). Campaigns must not
import analytics, so the link to the origin lives here rather than on the campaign.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import RestrictedQuerySet, Scope, TenantOwnedModel, TenantQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MAX_TAGS = 10
TAG_RE = re.compile(r"^[\w-]{1,40}$")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class InsightStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ENDORSED = "endorsed", _("Endorsed by the region")
    PUBLISHED = "published", _("Published as a best practice")
    MERGED = "merged", _("Merged into another insight")
    ARCHIVED = "archived", _("Archived")


#: statuses still being curated (a ritual agenda lists them; they may be merged)
OPEN_STATUSES = (InsightStatus.SUBMITTED, InsightStatus.ENDORSED)


def normalise_tags(value: Any) -> list[str]:
    """Lower-case, de-duplicated tags in their first order; refuses anything else than a
    short list of words (a tag filter matches whole tags, so they must stay simple)."""
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if not isinstance(value, list | tuple):
        raise ValidationError({"tags": gettext("Tags are a list of words.")})
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or not TAG_RE.match(tag.strip()):
            raise ValidationError(
                {
                    "tags": gettext(
                        "“%(tag)s” is not a valid tag: use up to 40 letters, digits, "
                        "hyphens or underscores."
                    )
                    % {"tag": str(tag)[:50]}
                }
            )
        tag = tag.strip().lower()
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(
            {"tags": gettext("At most %(n)s tags per insight.") % {"n": MAX_TAGS}}
        )
    return tags


class InsightQuerySet(TenantQuerySet):
    """Down the tree as usual (an ancestor sees its descendants' insights, which is how
    insights flow up); published best practices are visible to the whole organisation —
    siblings included — and nothing crosses organisations."""

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        q = Q(owner_unit_id__in=scope.down)
        if action == "view":
            q |= Q(
                status=InsightStatus.PUBLISHED,
                owner_unit__organization_id__in=scope.organizations,
            )
        return q | self.shared_filter(scope, action, user)

    def best_practices(self) -> InsightQuerySet:
        return self.filter(status=InsightStatus.PUBLISHED)

    def with_tag(self, tag: str) -> InsightQuerySet:
        # Tags are stored as a JSON list of simple words: the quoted word matches one
        # whole tag on every database (no JSON containment on SQLite). SQLite keeps the
        # JSON text ASCII-escaped ("\u00e9"), PostgreSQL does not: match either form.
        tag = tag.strip().lower()
        return self.filter(Q(tags__icontains=f'"{tag}"') | Q(tags__icontains=json.dumps(tag)))


class Insight(TenantOwnedModel):
    """Qualitative feedback of one unit (``owner_unit``: the team that wrote it)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=5000)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    sentiment = models.CharField(
        _("sentiment"), max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("campaign"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InsightStatus.choices,
        default=InsightStatus.SUBMITTED,
        db_index=True,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("endorsed by"),
    )
    endorsed_at = models.DateTimeField(_("endorsed at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    published_lookup: ClassVar[dict[str, Any]] = {"status": InsightStatus.PUBLISHED}

    objects = InsightQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("insight")
        verbose_name_plural = _("insights")
        indexes = [models.Index(fields=["owner_unit", "status", "created_at"])]
        constraints = [
            # A merged insight always names its survivor, and only a merged one does.
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="insight_merged_into_matches_status",
            ),
        ]

    def __str__(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 80 else text[:79] + "…"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        try:
            self.tags = normalise_tags(self.tags)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if not (self.text or "").strip():
            errors["text"] = gettext("Write the insight.")
        org_id = self.owner_unit.organization_id if self.owner_unit_id else None
        if self.account_id and org_id and self.account.owner_unit.organization_id != org_id:
            errors["account"] = gettext("Link an account of your own organisation.")
        if self.campaign_id and org_id and self.campaign.owner_unit.organization_id != org_id:
            errors["campaign"] = gettext("Link a campaign of your own organisation.")
        if self.merged_into_id and self.merged_into_id == self.pk:
            errors["merged_into"] = gettext("An insight cannot be merged into itself.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class InsightCommentQuerySet(RestrictedQuerySet):
    """A comment follows its insight (whoever sees the insight sees its discussion)."""

    organization_lookup = "insight__owner_unit__organization_id"

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        q = Q(insight__owner_unit_id__in=scope.down)
        if action == "view":
            q |= Q(
                insight__status=InsightStatus.PUBLISHED,
                insight__owner_unit__organization_id__in=scope.organizations,
            )
        return q


class InsightComment(models.Model):
    """A remark of the owning team or one of its ancestors on an insight."""

    insight = models.ForeignKey(
        Insight, on_delete=models.CASCADE, related_name="comments", verbose_name=_("insight")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=2000)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = InsightCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("insight comment")
        verbose_name_plural = _("insight comments")

    def __str__(self) -> str:
        return gettext("Comment #%(n)s on “%(insight)s”") % {
            "n": self.pk,
            "insight": str(self.insight)[:40],
        }

    def clean(self) -> None:
        if not (self.text or "").strip():
            raise ValidationError({"text": gettext("Write a comment.")})


class ReplicationKind(models.TextChoices):
    UPWARD = "upward", _("Upward (a playbook for a region or global)")
    SIDEWAYS = "sideways", _("Sideways (a campaign for another local team)")


class ReplicationQuerySet(TenantQuerySet):
    """Seen by the target unit's subtree and by the origin campaign's team (and its
    ancestors): both ends of the link."""

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        q = Q(owner_unit_id__in=scope.down)
        if action == "view":
            q |= Q(origin_campaign__owner_unit_id__in=scope.down)
        return q


class Replication(TenantOwnedModel):
    """Origin campaign → the playbook or campaign made from it (``owner_unit`` is the
    target unit, which owns what was created)."""

    origin_campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("origin campaign"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReplicationKind.choices)
    playbook = models.ForeignKey(
        "campaigns.Playbook",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created playbook"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created campaign"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("replication")
        verbose_name_plural = _("replications")

    def __str__(self) -> str:
        made = self.playbook or self.campaign
        return f"{self.origin_campaign} → {made or '—'}"
