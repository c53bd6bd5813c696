"""Best practices and replication: which campaigns to copy, and copying them.

**Campaign performance index** (a simple, per-campaign measure until unit benchmarks
exist): for a campaign that has started, with target accounts,

    pipeline per account = pipeline generated (the KPI engine's definition: amounts of
        opportunities *created* in the campaign's window — first day to last day or today —
        on the campaign's accounts, in the reporting currency at each day's rate)
        ÷ the campaign's number of accounts
    index = pipeline per account ÷ the average pipeline per account of the campaigns of
        the same unit (the candidates below), so teams are compared with themselves.

An index above 1 means the campaign's accounts produced more pipeline than the unit's
campaigns usually do; with a single campaign, or when the unit produced no pipeline at
all, the index is not defined (None). Candidates: campaigns launched (running, paused or
completed) whose window started in the last :data:`LOOKBACK_DAYS` days. Campaigns with an
index of at least :data:`SUGGEST_INDEX` are suggested; a playbook is suggested through
its campaigns (its best and average index).

**Replicate** turns a campaign into:

* **upward** — a draft playbook of a region or global above the campaign's team, derived
  from the campaign's playbook through the layering engine (an adaptation of the nearest
  published playbook above the target, overriding what the local run changed; a new
  source playbook when there is none), carrying the steps as the campaign ran them;
* **sideways** — a draft campaign of another local team running the same playbook with
  the same local overrides (accounts are not copied: a team never sees another's).

Either way a :class:`~analytics.models.Replication` row keeps the link to the origin.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import kpis
from analytics.insights import ancestor_ids
from analytics.models import Opportunity, Replication, ReplicationKind
from campaigns import playbooks as playbook_services
from campaigns import services as campaign_services
from campaigns.models import Campaign, CampaignStatus, Playbook, PlaybookStatus
from campaigns.models.playbooks import normalise_step
from glocal.changes import acting_as
from glocal.models import OrgUnit, Tier

LOOKBACK_DAYS = 365
SUGGEST_INDEX = Decimal("1.2")
MAX_CANDIDATES = 500
RAN = (CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.COMPLETED)


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    value = kpis.ratio(numerator, denominator)
    return None if value is None else value.quantize(kpis.RATIO_STEP)


@dataclass
class CampaignScore:
    campaign: Campaign
    accounts: int
    pipeline: Decimal
    per_account: Decimal | None
    index: Decimal | None = None


@dataclass
class PlaybookScore:
    playbook: Playbook
    campaigns: list[CampaignScore] = field(default_factory=list)

    @property
    def best_index(self) -> Decimal | None:
        indexes = [c.index for c in self.campaigns if c.index is not None]
        return max(indexes) if indexes else None

    @property
    def average_index(self) -> Decimal | None:
        indexes = [c.index for c in self.campaigns if c.index is not None]
        if not indexes:
            return None
        return _ratio(sum(indexes), len(indexes))


def _candidates(today: dt.date):
    return Campaign.objects.filter(
        status__in=RAN,
        starts_on__lte=today,
        starts_on__gte=today - dt.timedelta(days=LOOKBACK_DAYS),
    )


def score_campaigns(campaigns: list[Campaign], today: dt.date) -> list[CampaignScore]:
    """The performance index of each campaign (see the module docstring). A fixed number
    of queries whatever the number of campaigns (plus exchange rates, read once each)."""
    if not campaigns:
        return []
    ids = [c.pk for c in campaigns]
    links = Campaign.accounts.through.objects.filter(campaign_id__in=ids).values_list(
        "campaign_id", "account_id"
    )
    accounts_of: dict[int, set[int]] = defaultdict(set)
    for campaign_id, account_id in links:
        accounts_of[campaign_id].add(account_id)
    all_accounts = set().union(*accounts_of.values()) if accounts_of else set()
    first = min(c.starts_on for c in campaigns)
    opportunities = (
        Opportunity.objects.unrestricted()
        .filter(account_id__in=all_accounts, created_on__range=(first, today))
        .values_list("pk", "account_id", "amount", "currency", "created_on")
    )
    by_account: dict[int, list[tuple]] = defaultdict(list)
    for row in opportunities:
        by_account[row[1]].append(row)
    converters: dict[int, kpis.Converter] = {}
    scores = []
    for campaign in campaigns:
        unit = campaign.owner_unit
        convert = converters.setdefault(unit.organization_id, kpis.Converter(unit))
        end = min(campaign.ends_on, today)
        total = Decimal(0)
        for account_id in accounts_of.get(campaign.pk, ()):
            for _pk, _account, amount, currency, created_on in by_account.get(account_id, ()):
                if campaign.starts_on <= created_on <= end:
                    try:
                        total += convert(amount, currency, created_on)
                    except ValidationError:  # no rate: left out, as the rollups do
                        continue
        pipeline = kpis.pipeline_generated(kpis.Inputs(pipeline_created=total))
        count = len(accounts_of.get(campaign.pk, ()))
        scores.append(
            CampaignScore(campaign, count, pipeline, kpis.ratio(pipeline, count) if count else None)
        )
    per_unit: dict[int, list[Decimal]] = defaultdict(list)
    for score in scores:
        if score.per_account is not None:
            per_unit[score.campaign.owner_unit_id].append(score.per_account)
    for score in scores:
        peers = per_unit.get(score.campaign.owner_unit_id, [])
        if score.per_account is None or len(peers) < 2:
            continue
        average = kpis.ratio(sum(peers), len(peers))
        if not average:
            continue
        score.index = _ratio(score.per_account, average)
    return scores


def suggestions(user: Any, today: dt.date | None = None) -> dict[str, list]:
    """Campaigns (and their playbooks) the user can see whose index makes them worth
    replicating, best first. Indexes are computed over each unit's campaigns whoever
    asks, so a figure does not change with the viewer."""
    today = today or timezone.localdate()
    visible = list(
        _candidates(today)
        .restrict(user, "view")
        .order_by("-starts_on", "-pk")
        .values_list("pk", "owner_unit_id")[:MAX_CANDIDATES]
    )
    if not visible:
        return {"campaigns": [], "playbooks": []}
    units = {unit_id for _pk, unit_id in visible}
    pool = list(
        _candidates(today)
        .filter(owner_unit_id__in=units)
        .select_related("owner_unit__organization", "playbook__owner_unit")
        .order_by("-starts_on", "-pk")[: MAX_CANDIDATES * 4]
    )
    visible_ids = {pk for pk, _unit in visible}
    scores = [s for s in score_campaigns(pool, today) if s.campaign.pk in visible_ids]
    top = sorted(
        (s for s in scores if s.index is not None and s.index >= SUGGEST_INDEX),
        key=lambda s: (-s.index, -s.pipeline, s.campaign.pk),
    )
    by_playbook: dict[int, PlaybookScore] = {}
    for score in top:
        playbook = score.campaign.playbook
        by_playbook.setdefault(playbook.pk, PlaybookScore(playbook)).campaigns.append(score)
    playbooks = sorted(by_playbook.values(), key=lambda p: (-p.best_index, p.playbook.pk))
    return {"campaigns": top, "playbooks": playbooks}


# --- replicate ------------------------------------------------------------------------


def _steps(campaign: Campaign) -> list[dict[str, Any]]:
    """The steps as the campaign ran them (local skips and delays applied)."""
    return [
        normalise_step({k: v for k, v in step.items() if k != "index"})
        for step in campaign.effective_steps()
    ]


def _source_above(playbook: Playbook, target: OrgUnit) -> Playbook | None:
    """The nearest published playbook of the campaign's chain owned above ``target``."""
    above = set(ancestor_ids(target))
    node: Playbook | None = playbook
    while node is not None:
        if node.owner_unit_id in above and node.status == PlaybookStatus.PUBLISHED:
            return node
        node = node.parent
    return None


def _replicate_upward(user: Any, campaign: Campaign, target: OrgUnit, name: str) -> Playbook:
    origin = campaign.playbook
    values = {
        "name": name,
        "description": _("Replicated from the campaign “%(c)s” of %(unit)s.")
        % {"c": campaign.name, "unit": campaign.owner_unit.name}
        + (f"\n\n{origin.description}" if origin.description else ""),
        "kpis": origin.kpis,
        "steps": _steps(campaign),
    }
    source = _source_above(origin, target)
    if source is None:
        return playbook_services.create_playbook(user, target, values)
    overrides = {k: v for k, v in values.items() if getattr(source, k) != v}
    return playbook_services.adapt_playbook(user, source, target, overrides)


def _replicate_sideways(
    user: Any,
    campaign: Campaign,
    target: OrgUnit,
    name: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> Campaign:
    starts_on = starts_on or timezone.localdate()
    ends_on = ends_on or starts_on + (campaign.ends_on - campaign.starts_on)
    return campaign_services.create_campaign(
        user,
        target,
        playbook=campaign.playbook,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        overrides=campaign.overrides,
    )


def replication_kind(campaign: Campaign, target: OrgUnit) -> str:
    """Upward to a unit above the campaign's team, sideways to another local team."""
    if target.organization_id != campaign.owner_unit.organization_id:
        raise ValidationError({"target_unit": _("Choose a unit of the campaign's organisation.")})
    if target.pk == campaign.owner_unit_id:
        raise ValidationError(
            {"target_unit": _("Choose another unit than the campaign's own team.")}
        )
    if target.pk in ancestor_ids(campaign.owner_unit):
        return ReplicationKind.UPWARD
    if target.tier == Tier.LOCAL:
        return ReplicationKind.SIDEWAYS
    raise ValidationError(
        {
            "target_unit": _(
                "A campaign is replicated up to a unit above its team (a playbook) or "
                "sideways to another local team (a campaign); %(unit)s is neither."
            )
            % {"unit": target.name}
        }
    )


@transaction.atomic
def replicate(
    campaign: Campaign,
    target_unit: OrgUnit,
    user: Any,
    *,
    name: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Replication:
    """Turn ``campaign`` into a playbook above it or a campaign beside it, linked to it.

    The user must see the campaign and be allowed to create in the target unit (the
    playbook and campaign services check the latter). All or nothing.
    """
    if not Campaign.objects.restrict(user, "view").filter(pk=campaign.pk).exists():
        raise PermissionDenied(_("You cannot see this campaign."))
    # Work on the rows as stored now (the playbook's locks may have changed since).
    campaign = Campaign.objects.select_related("owner_unit", "playbook").get(pk=campaign.pk)
    kind = replication_kind(campaign, target_unit)
    name = (name or "").strip() or campaign.name
    replication = Replication(
        owner_unit=target_unit, origin_campaign=campaign, kind=kind, created_by=user
    )
    if kind == ReplicationKind.UPWARD:
        replication.playbook = _replicate_upward(user, campaign, target_unit, name)
    else:
        replication.campaign = _replicate_sideways(
            user, campaign, target_unit, name, starts_on, ends_on
        )
    replication.full_clean()
    with acting_as(user):
        replication.save()
    return replication
