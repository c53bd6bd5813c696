"""The life of an asset: draft → in review → published → retired.

Publishing is the RACI activity "content publication" at the asset's unit, through the
governance approval workflow: with the default matrix a local team is R and its region
A, so a French marketer's publication waits for EMEA's managers while EMEA's manager
publishes at once. Withdrawing the approval takes the asset back to draft.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from content.models import Asset, Status
from glocal.changes import acting_as
from glocal.models import OrgUnit
from governance import actions, approvals
from governance.models import ApprovalRequest
from governance.models.raci import Activity

PUBLISH_ASSET = "content.publish_asset"


def _check(asset: Asset) -> None:
    if asset.status == Status.PUBLISHED:
        raise ValidationError({"status": _("This asset is already published.")})
    if asset.status == Status.RETIRED:
        raise ValidationError({"status": _("A retired asset cannot be published again.")})
    parent = asset.parent
    if parent is not None and parent.status != Status.PUBLISHED:
        raise ValidationError(
            {
                "parent": _("Publish its source “%(title)s” (%(unit)s) first.")
                % {"title": parent.title, "unit": parent.owner_unit.name}
            }
        )


def _publish(request: ApprovalRequest, asset: Asset | None) -> None:
    if asset is None:
        raise ValidationError({"target_id": _("The asset no longer exists.")})
    asset.status = Status.PUBLISHED
    asset.save(update_fields=["status"])
    # A translation task is done once its variant is live. (The workflow module builds
    # on this one, hence the import here.)
    from content import workflow

    workflow.complete_published(asset, request.decided_by or request.requested_by)


def _unpublish(request: ApprovalRequest, asset: Asset | None) -> None:
    if asset is not None and asset.status == Status.PUBLISHED:
        asset.status = Status.DRAFT
        asset.save(update_fields=["status"])


def _describe(asset: Asset) -> str:
    return _("Publish “%(title)s” (%(language)s)") % {
        "title": asset.title,
        "language": asset.language,
    }


def register_handlers() -> None:
    actions.register(
        PUBLISH_ASSET,
        _publish,
        _unpublish,
        activity=Activity.CONTENT_PUBLICATION,
        model=Asset,
        check=_check,
        describe=_describe,
    )


def _changeable(user: Any, asset: Asset) -> Asset:
    """The asset locked for update, if ``user`` may change it."""
    row = Asset.objects.restrict(user, "change").filter(pk=asset.pk).values("pk").first()
    if row is None:
        raise PermissionDenied(
            _("You may not change “%(title)s” (%(unit)s).")
            % {"title": asset.title, "unit": asset.owner_unit.name}
        )
    return Asset.objects.select_for_update().get(pk=asset.pk)


@transaction.atomic
def submit_for_review(user: Any, asset: Asset) -> Asset:
    """Mark a draft as ready for review (authors' signal; publication stays governed)."""
    asset = _changeable(user, asset)
    if asset.status != Status.DRAFT:
        raise ValidationError(
            {"status": _("Only a draft goes to review; this asset is %(s)s.")
             % {"s": asset.get_status_display().lower()}}
        )  # fmt: skip
    asset.status = Status.IN_REVIEW
    with acting_as(user):
        asset.save(update_fields=["status"])
    return asset


def publish_asset(
    user: Any, asset: Asset, comment: str = "", acting_unit: OrgUnit | None = None
) -> ApprovalRequest:
    """Publish now if the user is accountable, else ask the accountable unit's managers."""
    if not Asset.objects.restrict(user, "change").filter(pk=asset.pk).exists():
        raise PermissionDenied(
            _("You may not change “%(title)s” (%(unit)s).")
            % {"title": asset.title, "unit": asset.owner_unit.name}
        )
    # Decide on the stored state (the caller's instance and its cached source may be old).
    asset = Asset.objects.select_related("owner_unit", "parent__owner_unit").get(pk=asset.pk)
    with acting_as(user):
        return approvals.request_action(
            user, PUBLISH_ASSET, asset, comment=comment, acting_unit=acting_unit
        )


@transaction.atomic
def retire_asset(user: Any, asset: Asset) -> Asset:
    """Take an asset out of use for good; the resolver skips it and its variants."""
    asset = _changeable(user, asset)
    if asset.status == Status.RETIRED:
        raise ValidationError({"status": _("This asset is already retired.")})
    asset.status = Status.RETIRED
    with acting_as(user):
        asset.save(update_fields=["status"])
    return asset
