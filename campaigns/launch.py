"""Launching a campaign: the RACI activity "campaign launch" at the campaign's unit.

With the default matrix the local team is R and its region A: a French marketer's
launch becomes an approval request for EMEA's managers, an EMEA manager launches at
once. Approval re-checks the campaign (accounts, window, channel mix may have changed
while it waited) and hands it to the planner. Withdrawing the approval cancels every
touch not sent yet and the campaign with them.

A rejected or expired request leaves the campaign waiting for approval; launching it
again opens a new request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import mix, planning
from campaigns.models import Campaign, CampaignStatus
from campaigns.models.campaigns import FINISHED
from campaigns.services import cancel_unsent, check_accounts
from glocal.changes import acting_as
from glocal.models import OrgUnit
from governance import actions, approvals
from governance.models import ApprovalRequest
from governance.models.raci import Activity

LAUNCH_CAMPAIGN = "campaigns.launch"
LAUNCHABLE = (CampaignStatus.DRAFT, CampaignStatus.PENDING_APPROVAL)


def check_launchable(campaign: Campaign) -> None:
    """Everything a launch needs, checked on request and again on approval."""
    if campaign.status not in LAUNCHABLE:
        raise ValidationError(
            {
                "status": _("A %(status)s campaign cannot be launched.")
                % {"status": campaign.get_status_display().lower()}
            }
        )
    campaign.full_clean()
    accounts = list(campaign.accounts.all())
    if not accounts:
        raise ValidationError({"accounts": _("Choose the accounts to target first.")})
    check_accounts(campaign.owner_unit, accounts)
    if campaign.ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("The campaign's window is already over.")})
    mix.check_mix(campaign)


def _approved(request: ApprovalRequest, campaign: Campaign | None) -> None:
    if campaign is None:
        raise ValidationError({"target_id": _("The campaign no longer exists.")})
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    check_launchable(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(
        launched_by=request.requested_by, launched_at=timezone.now()
    )
    planning.start(campaign)


def _withdrawn(request: ApprovalRequest, campaign: Campaign | None) -> None:
    if campaign is None:
        return
    cancel_unsent(campaign, _("The launch approval was withdrawn."))
    Campaign.objects.filter(pk=campaign.pk).exclude(status__in=FINISHED).update(
        status=CampaignStatus.CANCELLED
    )


def _describe(campaign: Campaign) -> str:
    return _("Launch the campaign “%(name)s” (%(unit)s)") % {
        "name": campaign.name,
        "unit": campaign.owner_unit.name,
    }


def register_handlers() -> None:
    actions.register(
        LAUNCH_CAMPAIGN,
        _approved,
        _withdrawn,
        activity=Activity.CAMPAIGN_LAUNCH,
        model=Campaign,
        check=check_launchable,
        describe=_describe,
    )


def launch_campaign(
    user: Any, campaign: Campaign, *, comment: str = "", acting_unit: OrgUnit | None = None
) -> ApprovalRequest:
    """Launch now if the user is accountable, else ask the accountable unit's managers."""
    if not Campaign.objects.restrict(user, "change").filter(pk=campaign.pk).exists():
        raise PermissionDenied(
            _("You may not change the campaign “%(name)s”.") % {"name": campaign.name}
        )
    campaign = Campaign.objects.select_related("owner_unit", "playbook").get(pk=campaign.pk)
    with transaction.atomic(), acting_as(user):
        request = approvals.request_action(
            user, LAUNCH_CAMPAIGN, campaign, comment=comment, acting_unit=acting_unit
        )
        if request.is_pending:
            Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAFT).update(
                status=CampaignStatus.PENDING_APPROVAL
            )
    return request
