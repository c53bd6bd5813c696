"""Campaign use-cases: create, edit a draft, target accounts, pause, resume, cancel.

Launching is governed by the RACI and lives in ``campaigns.launch``. State moves are
conditional updates (``UPDATE ... WHERE status IN (...)``) on the locked row, so a
pause racing a cancel leaves one clear outcome. The dispatcher reads the state from the
database before each batch: a paused campaign's planned touches simply wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Lifecycle
from campaigns.models import Campaign, CampaignStatus, Playbook, Touch, TouchStatus
from campaigns.models.campaigns import FINISHED, TARGETABLE
from campaigns.models.touches import UNSENT
from glocal.changes import acting_as
from glocal.models import OrgUnit


def check_accounts(unit: OrgUnit, accounts: Iterable[Account]) -> None:
    """Refuse accounts of another unit or not in a targeted lifecycle stage."""
    wrong_unit = [a.name for a in accounts if a.owner_unit_id != unit.pk]
    not_selected = [
        f"{a.name} ({Lifecycle(a.lifecycle).label.lower()})"
        for a in accounts
        if a.owner_unit_id == unit.pk and a.lifecycle not in TARGETABLE
    ]
    errors = []
    if wrong_unit:
        errors.append(
            _("Not accounts of %(unit)s: %(names)s.")
            % {"unit": unit.name, "names": ", ".join(sorted(wrong_unit))}
        )
    if not_selected:
        errors.append(
            _("Only selected, engaged or opportunity accounts can be targeted: %(names)s.")
            % {"names": ", ".join(sorted(not_selected))}
        )
    if errors:
        raise ValidationError({"accounts": errors})


def create_campaign(
    user: Any,
    unit: OrgUnit,
    *,
    playbook: Playbook,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    overrides: dict[str, Any] | None = None,
    accounts: Iterable[Account] = (),
) -> Campaign:
    """A draft campaign of ``unit`` from a playbook it can see."""
    if not OrgUnit.objects.restrict(user, "own").filter(pk=unit.pk).exists():
        raise PermissionDenied(
            _("You may not create campaigns for %(unit)s.") % {"unit": unit.name}
        )
    if not Playbook.objects.restrict(user, "view").filter(pk=playbook.pk).exists():
        raise ValidationError({"playbook": _("Choose a playbook you can see.")})
    accounts = list(accounts)
    check_accounts(unit, accounts)
    campaign = Campaign(
        owner_unit=unit,
        playbook=playbook,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        overrides=overrides or {},
    )
    campaign.full_clean()
    with transaction.atomic(), acting_as(user):
        campaign.save()
        campaign.accounts.set(accounts)
    return campaign


def _locked(user: Any, campaign: Campaign) -> Campaign:
    """The campaign locked for update, if ``user`` may change it."""
    if not Campaign.objects.restrict(user, "change").filter(pk=campaign.pk).exists():
        raise PermissionDenied(
            _("You may not change the campaign “%(name)s”.") % {"name": campaign.name}
        )
    return Campaign.objects.select_for_update().select_related("owner_unit").get(pk=campaign.pk)


@transaction.atomic
def set_accounts(user: Any, campaign: Campaign, accounts: Iterable[Account]) -> Campaign:
    """Choose the accounts of a draft campaign."""
    campaign = _locked(user, campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError({"accounts": _("Accounts are chosen while the campaign is a draft.")})
    accounts = list(accounts)
    check_accounts(campaign.owner_unit, accounts)
    campaign.accounts.set(accounts)
    return campaign


#: what a draft's owner may still change (the playbook and unit stay: create another)
EDITABLE = ("name", "starts_on", "ends_on", "overrides")


@transaction.atomic
def update_campaign(
    user: Any,
    campaign: Campaign,
    values: dict[str, Any],
    accounts: Iterable[Account] | None = None,
) -> Campaign:
    """Change a draft's name, window, overrides and, when given, its accounts — all or
    nothing. Once launched, what the approver saw must not change under them."""
    campaign = _locked(user, campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(
            {
                "status": _("A %(status)s campaign can no longer be edited.")
                % {"status": campaign.get_status_display().lower()}
            }
        )
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    with acting_as(user):
        campaign.save()
    if accounts is not None:
        campaign = set_accounts(user, campaign, accounts)
    return campaign


def _move(user: Any, campaign: Campaign, allowed: Iterable[str], to: str) -> Campaign:
    allowed = tuple(allowed)
    if campaign.status not in allowed:
        raise ValidationError(
            {
                "status": _("A %(status)s campaign cannot become %(to)s.")
                % {
                    "status": campaign.get_status_display().lower(),
                    "to": CampaignStatus(to).label.lower(),
                }
            }
        )
    with acting_as(user):
        Campaign.objects.filter(pk=campaign.pk, status__in=allowed).update(status=to)
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def pause_campaign(user: Any, campaign: Campaign) -> Campaign:
    """Hold every unsent touch; planning goes on, nothing is sent until resumed."""
    campaign = _locked(user, campaign)
    return _move(
        user, campaign, (CampaignStatus.PLANNING, CampaignStatus.RUNNING), CampaignStatus.PAUSED
    )


@transaction.atomic
def resume_campaign(user: Any, campaign: Campaign) -> Campaign:
    campaign = _locked(user, campaign)
    to = CampaignStatus.RUNNING if campaign.planned_at else CampaignStatus.PLANNING
    return _move(user, campaign, (CampaignStatus.PAUSED,), to)


def cancel_unsent(campaign: Campaign, reason: str) -> int:
    """Cancel every touch of the campaign not sent yet; returns how many."""
    return (
        Touch.objects.unrestricted()
        .filter(campaign_id=campaign.pk, status__in=UNSENT)
        .update(
            status=TouchStatus.CANCELLED,
            reason_code="campaign_cancelled",
            reason=reason,
            claimed_until=None,
            updated_at=timezone.now(),
        )
    )


@transaction.atomic
def cancel_campaign(user: Any, campaign: Campaign) -> Campaign:
    """Stop for good: unsent touches are cancelled (sent ones stay in the record)."""
    campaign = _locked(user, campaign)
    allowed = [s for s in CampaignStatus.values if s not in FINISHED]
    campaign = _move(user, campaign, allowed, CampaignStatus.CANCELLED)
    cancel_unsent(campaign, _("Campaign cancelled by %(user)s.") % {"user": user.get_username()})
    return campaign


def retryable(touches: models.QuerySet) -> models.QuerySet:
    """Those of ``touches`` a retry would act on: given up or failed, campaign not
    cancelled."""
    return touches.filter(status__in=(TouchStatus.DEAD, TouchStatus.FAILED)).exclude(
        campaign__status=CampaignStatus.CANCELLED
    )


def retry_touches(touches: models.QuerySet) -> int:
    """Give dead letters (and failed touches waiting for their retry) another round now.

    Their attempts start again from zero; the gates run again at send time. Touches of a
    cancelled campaign stay as they are. A completed campaign runs again, since the
    dispatcher only sends for live campaigns; a paused one sends them once resumed.
    """
    with transaction.atomic():
        pks = list(retryable(touches).values_list("pk", flat=True))
        retried = Touch.objects.unrestricted().filter(pk__in=pks)
        campaign_ids = set(retried.values_list("campaign_id", flat=True))
        count = retried.update(
            status=TouchStatus.FAILED,
            retry_at=timezone.now(),
            attempts=0,
            claim_id=None,
            claimed_until=None,
            reason_code="",
            reason="",
            updated_at=timezone.now(),
        )
        Campaign.objects.unrestricted().filter(
            pk__in=campaign_ids, status=CampaignStatus.COMPLETED
        ).update(status=CampaignStatus.RUNNING)
    return count


def progress(campaign: Campaign) -> dict[str, Any]:
    """Planning progress, touch counts per status and a percentage (one query).

    A touch is *settled* once nothing more will happen to it: sent, skipped, cancelled
    or dead. 100 % means planned in full and every touch settled.
    """
    counts = dict(
        Touch.objects.unrestricted()
        .filter(campaign_id=campaign.pk)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    touches = {status: counts.get(status, 0) for status in TouchStatus.values}
    total = sum(touches.values())
    settled = total - sum(touches[s] for s in UNSENT)
    planning_share = (
        campaign.accounts_planned / campaign.accounts_total if campaign.accounts_total else 1
    )
    # Planning is the first half of the way until it is done, then touches settle the rest.
    if campaign.planned_at is None:
        percent = 50 * min(planning_share, 1)
    else:
        percent = 50 + 50 * (settled / total) if total else 100
    return {
        "accounts_total": campaign.accounts_total,
        "accounts_planned": campaign.accounts_planned,
        "planning_done": campaign.planned_at is not None,
        "touches": touches,
        "settled": settled,
        "percent": round(percent, 1),
    }
