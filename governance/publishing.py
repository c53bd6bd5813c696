"""Publishing a directive: the governed action governance itself owns.

Publishing a directive is activity "content publication" at the directive's unit: with
the default matrix a local team is R and its region is A, so a French marketer's
publication waits for EMEA's managers, and EMEA's manager publishes at once.
Withdrawing the approval takes the directive back to draft.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from glocal.models import OrgUnit
from governance import actions, approvals
from governance.models import ApprovalRequest, Directive
from governance.models.raci import Activity

PUBLISH_DIRECTIVE = "governance.publish_directive"


def _check(directive: Directive) -> None:
    if directive.status == Directive.Status.PUBLISHED:
        raise ValidationError({"target_id": _("This directive is already published.")})


def _publish(request: ApprovalRequest, directive: Directive | None) -> None:
    if directive is None:
        raise ValidationError({"target_id": _("The directive no longer exists.")})
    directive.status = Directive.Status.PUBLISHED
    directive.save(update_fields=["status", "published_at", "updated_at"])


def _unpublish(request: ApprovalRequest, directive: Directive | None) -> None:
    if directive is not None and directive.status == Directive.Status.PUBLISHED:
        directive.status = Directive.Status.DRAFT
        directive.save(update_fields=["status", "published_at", "updated_at"])


def _describe(directive: Directive) -> str:
    return _("Publish “%(title)s”") % {"title": directive.title}


def register_handlers() -> None:
    actions.register(
        PUBLISH_DIRECTIVE,
        _publish,
        _unpublish,
        activity=Activity.CONTENT_PUBLICATION,
        model=Directive,
        check=_check,
        describe=_describe,
    )


def publish_directive(
    user: Any, directive: Directive, *, comment: str = "", acting_unit: OrgUnit | None = None
) -> ApprovalRequest:
    """Publish now if the user is accountable, else ask the accountable unit."""
    return approvals.request_action(
        user, PUBLISH_DIRECTIVE, directive, comment=comment, acting_unit=acting_unit
    )
