"""Insight use-cases: submit, comment, endorse, merge, publish, archive.

Who may do what follows the direction insights flow (up):

* a team **submits** insights for a unit it belongs to (marketer or above);
* the owning team and its ancestors **comment** (marketer or above);
* a manager of a unit *above* the owner **endorses**, **merges** duplicates or
  **archives** — a team does not curate its own feedback;
* a manager of the organisation's global unit **publishes** an insight as a best
  practice, which makes it visible to the whole organisation.

The caller has already fetched the insight through ``Insight.objects.restrict(user,
"view")`` (so what the user cannot see is a 404 before we get here); a refusal here is a
``PermissionDenied`` (wrong role or tier) or a ``ValidationError`` (wrong state). Every
decision is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from analytics.models import Insight, InsightComment, InsightStatus
from analytics.models.insights import OPEN_STATUSES
from campaigns.models import Campaign
from glocal.changes import acting_as
from glocal.models import OrgUnit, Tier
from glocal.tenancy import Role, scope_for
from governance import audit


def ancestor_ids(unit: OrgUnit) -> list[int]:
    """Strict ancestors of ``unit``, nearest first (the tree is at most three deep)."""
    ids: list[int] = []
    node = unit
    while node.parent_id is not None:
        ids.append(node.parent_id)
        node = node.parent
    return ids


def _holds(user: Any, role: str, unit_ids: Iterable[int]) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(scope_for(user, role).member & set(unit_ids))


def may_submit(user: Any, unit: OrgUnit) -> bool:
    return unit.is_active and _holds(user, Role.MARKETER, [unit.pk])


def may_comment(user: Any, insight: Insight) -> bool:
    unit = insight.owner_unit
    return _holds(user, Role.MARKETER, [unit.pk, *ancestor_ids(unit)])


def may_curate(user: Any, insight: Insight) -> bool:
    """Endorse, merge, archive: a manager of a unit strictly above the owner."""
    return _holds(user, Role.MANAGER, ancestor_ids(insight.owner_unit))


def may_publish(user: Any, insight: Insight) -> bool:
    """A manager of the organisation's global (root) unit."""
    unit = insight.owner_unit
    root_id = ([unit.pk, *ancestor_ids(unit)])[-1]
    return _holds(user, Role.MANAGER, [root_id])


def _locked(insight: Insight) -> Insight:
    return Insight.objects.select_related("owner_unit").select_for_update().get(pk=insight.pk)


def _check_linkable(user: Any, account: Account | None, campaign: Campaign | None) -> None:
    errors = {}
    if (
        account is not None
        and not Account.objects.restrict(user, "view").filter(pk=account.pk).exists()
    ):
        errors["account"] = _("Choose an account you can see.")
    if (
        campaign is not None
        and not Campaign.objects.restrict(user, "view").filter(pk=campaign.pk).exists()
    ):
        errors["campaign"] = _("Choose a campaign you can see.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def submit(
    user: Any,
    unit: OrgUnit,
    *,
    text: str,
    tags: Iterable[str] | str = (),
    sentiment: str = "neutral",
    account: Account | None = None,
    campaign: Campaign | None = None,
) -> Insight:
    """A new insight of ``unit``, written by one of its marketers (or above)."""
    if not may_submit(user, unit):
        raise PermissionDenied(
            _("Only marketers of %(unit)s may submit its insights.") % {"unit": unit.name}
        )
    _check_linkable(user, account, campaign)
    insight = Insight(
        owner_unit=unit,
        author=user,
        text=(text or "").strip(),
        tags=list(tags) if not isinstance(tags, str) else tags,
        sentiment=sentiment,
        account=account,
        campaign=campaign,
    )
    insight.full_clean()
    with acting_as(user):
        insight.save()
    return insight


@transaction.atomic
def comment(user: Any, insight: Insight, text: str) -> InsightComment:
    """A remark on an insight by its team or a unit above it."""
    if not may_comment(user, insight):
        raise PermissionDenied(
            _("Only %(unit)s and the units above it may comment on its insights.")
            % {"unit": insight.owner_unit.name}
        )
    insight = _locked(insight)  # a concurrent merge must not strand the comment
    if insight.status == InsightStatus.MERGED:
        raise ValidationError(
            {"text": _("This insight was merged; comment on the one it was merged into.")}
        )
    remark = InsightComment(insight=insight, author=user, text=(text or "").strip())
    remark.full_clean()
    with acting_as(user):
        remark.save()
    return remark


def _refuse_curation(user: Any, insight: Insight, verb: str) -> None:
    if not may_curate(user, insight):
        raise PermissionDenied(
            _("Only a manager of a unit above %(unit)s may %(verb)s its insights.")
            % {"unit": insight.owner_unit.name, "verb": verb}
        )


def _decide(user: Any, insight: Insight, action: str, before: str, note: str = "") -> None:
    audit.record(
        action,
        actor=user,
        unit=insight.owner_unit_id,
        target=insight,
        before={"status": before},
        after={"status": insight.status},
        note=note,
    )


@transaction.atomic
def endorse(user: Any, insight: Insight) -> Insight:
    """A region (or global) vouches for a submitted insight."""
    _refuse_curation(user, insight, _("endorse"))
    insight = _locked(insight)
    if insight.status != InsightStatus.SUBMITTED:
        raise ValidationError(
            {
                "status": _("Only a submitted insight can be endorsed (this one is %(s)s).")
                % {"s": insight.get_status_display().lower()}
            }
        )
    before = insight.status
    insight.status = InsightStatus.ENDORSED
    insight.endorsed_by = user
    insight.endorsed_at = timezone.now()
    with acting_as(user):
        insight.save(update_fields=["status", "endorsed_by", "endorsed_at", "updated_at"])
    _decide(user, insight, "insight_endorsed", before)
    return insight


@transaction.atomic
def archive(user: Any, insight: Insight) -> Insight:
    """Set aside an insight still being curated (outdated, not actionable)."""
    _refuse_curation(user, insight, _("archive"))
    insight = _locked(insight)
    if insight.status not in OPEN_STATUSES:
        raise ValidationError({"status": _("Only an insight still being curated can be archived.")})
    before = insight.status
    insight.status = InsightStatus.ARCHIVED
    with acting_as(user):
        insight.save(update_fields=["status", "updated_at"])
    _decide(user, insight, "insight_archived", before)
    return insight


@transaction.atomic
def publish(user: Any, insight: Insight) -> Insight:
    """Global makes an endorsed insight a best practice for the whole organisation."""
    if not may_publish(user, insight):
        raise PermissionDenied(_("Only managers of the global team may publish best practices."))
    insight = _locked(insight)
    # An insight of the global team itself has nobody above it to endorse it.
    ready = insight.status == InsightStatus.ENDORSED or (
        insight.status == InsightStatus.SUBMITTED and insight.owner_unit.tier == Tier.GLOBAL
    )
    if not ready:
        raise ValidationError(
            {
                "status": _("Only an endorsed insight can be published (this one is %(s)s).")
                % {"s": insight.get_status_display().lower()}
            }
        )
    before = insight.status
    insight.status = InsightStatus.PUBLISHED
    insight.published_by = user
    insight.published_at = timezone.now()
    with acting_as(user):
        insight.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    _decide(user, insight, "insight_published", before)
    return insight


@transaction.atomic
def merge(user: Any, survivor: Insight, duplicates: Iterable[Insight]) -> Insight:
    """Fold duplicates into ``survivor``: their comments move to it, their tags join its
    tags, and each duplicate points to the survivor (as do insights merged into them)."""
    duplicates = list(duplicates)
    if not duplicates:
        raise ValidationError({"duplicates": _("Choose the duplicates to merge.")})
    ids = sorted({d.pk for d in duplicates})
    if survivor.pk in ids:
        raise ValidationError({"duplicates": _("An insight cannot be merged into itself.")})
    for insight in [survivor, *duplicates]:
        _refuse_curation(user, insight, _("merge"))
    # Lock in id order so two merges touching the same insights take turns.
    locked = {
        i.pk: i
        for i in Insight.objects.select_related("owner_unit")
        .select_for_update()
        .filter(pk__in=[survivor.pk, *ids])
        .order_by("pk")
    }
    survivor = locked[survivor.pk]
    others = [locked[pk] for pk in ids]
    if survivor.status in (InsightStatus.MERGED, InsightStatus.ARCHIVED):
        raise ValidationError(
            {"survivor": _("Merge into an insight that is still open or published.")}
        )
    closed = [str(i.pk) for i in others if i.status not in OPEN_STATUSES]
    if closed:
        raise ValidationError(
            {
                "duplicates": _("Only insights still being curated can be merged: #%(ids)s.")
                % {"ids": ", #".join(closed)}
            }
        )
    if any(i.owner_unit.organization_id != survivor.owner_unit.organization_id for i in others):
        raise ValidationError({"duplicates": _("Merge insights of one organisation only.")})
    tags = list(survivor.tags)
    for other in others:
        tags += [t for t in other.tags if t not in tags]
    with acting_as(user):
        InsightComment.objects.filter(insight_id__in=ids).update(insight=survivor)
        Insight.objects.filter(merged_into_id__in=ids).update(merged_into=survivor)
        for other in others:
            before = other.status
            other.status = InsightStatus.MERGED
            other.merged_into = survivor
            other.save(update_fields=["status", "merged_into", "updated_at"])
            _decide(user, other, "insight_merged", before, note=f"into #{survivor.pk}")
        if tags != survivor.tags:
            survivor.tags = tags
            survivor.full_clean()
            survivor.save(update_fields=["tags", "updated_at"])
    return survivor
