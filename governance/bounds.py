"""Bounds governance enforces; other apps declare theirs the same way."""

from django.utils.translation import gettext_lazy as _

from glocal.layering import bounds

APPROVAL_REQUIRED = {
    "campaign_launch": bounds.declare(
        "approval.required.campaign_launch", bounds.REQUIRED, _("Campaign launch needs approval")
    ),
    "content_publication": bounds.declare(
        "approval.required.content_publication",
        bounds.REQUIRED,
        _("Content publication needs approval"),
    ),
    "budget_allocation": bounds.declare(
        "approval.required.budget_allocation",
        bounds.REQUIRED,
        _("Budget allocation needs approval"),
    ),
}
