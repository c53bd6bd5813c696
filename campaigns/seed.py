"""Demo campaigns for ``seed_demo``: playbooks, budgets and spend, and one live campaign.

Runs after the accounts and content steps (``campaigns`` is installed after them) and
goes through the services as the demo users, so RACI, bounds, audit and the budget
invariants apply:

* **Playbooks** — two published global playbooks over the seeded content families
  ("Grid resilience: email then LinkedIn" on the webinar invitation, whose usage rights
  allow email and LinkedIn; "Predictive maintenance: email, LinkedIn, case study" on the
  flagship email, the social post and the case study) and EMEA's published adaptation
  of the second one.
* **Budgets** — the fiscal-year (calendar year) budget of Acme Global allocated by a
  global manager to the three regions and their local units, with channel guidelines;
  FX rates for every unit currency other than the euro; a few spend entries (tools,
  events, CPM and CPC ads, some in local currencies); and one raise for Poland asked by
  EMEA's manager, waiting for the global managers' approval.
* **Campaigns** — a draft (Poland), one waiting for EMEA's approval (France), a
  cancelled one (United Kingdom), a completed one (Germany, sent three weeks ago through
  the sandbox) and ONE LIVE campaign of France.

**Demo device — the live campaign.** So that ``make demo`` shows touches going out at
any hour and on any weekday, France's admin sets ``campaigns.hours.start`` = 0,
``campaigns.hours.end`` = 24 and ``campaigns.days.allowed`` = every day (and, as French
B2B prospecting allows, accepts legitimate interest for email and LinkedIn). A French
marketer launches the campaign, EMEA's manager approves, it is planned in-process
(``planning.plan_all``: running), and the planned touches' send times are then spread
evenly over now + 30 s … now + 10 min (with their local labels). With the demo's worker
and beat running, the sandbox provider records them to the outbox over the next minutes
and the campaign page's progress moves; each touch is charged to France's budget.
Public holidays still apply (no rule lifts them): on a French public holiday the
dispatcher holds the touches until the next day. The completed German campaign is the
other device: planned and dispatched in-process with ``now`` set to its (past) send
times. Both are made only when their channels go to the ``sandbox`` provider (the
default), never to a real one: the contacts' addresses look real.

Deterministic (accounts in id order, dates relative to the seed day) and idempotent: the
step does nothing once Acme has a playbook. A second ``seed_demo`` therefore leaves the
live campaign as it is (completed once its touches went out); to watch it again, start
from a fresh database (``rm var/glocal.sqlite3`` then ``make demo``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, Consent
from campaigns import (
    budgets,
    dispatch,
    gates,
    launch,
    mix,
    planning,
    playbooks,
    scheduling,
    services,
)
from campaigns.adapters import provider_for
from campaigns.models import Budget, Campaign, CampaignStatus, Playbook, Touch, TouchStatus
from campaigns.models.campaigns import TARGETABLE
from content.models import Asset
from glocal.changes import acting_as
from glocal.models import OrgUnit
from glocal.seeding import SeedContext
from governance import approvals

ORGANIZATION = "acme-industrial"
#: the live campaign's touches go out between these offsets from the seed time
SPREAD_START = dt.timedelta(seconds=30)
SPREAD_END = dt.timedelta(minutes=10)
LIVE_NAME = "Grid resilience webinar — France (live demo)"
#: accounts of the live campaign (the demo's France has more with consent)
LIVE_ACCOUNTS = 40
EVERY_DAY = list(mix.DAY_NAMES)

#: (unit, parent unit, amount in EUR, guidelines)
ALLOCATIONS: list[tuple[str, str | None, int, dict[str, float]]] = [
    ("global", None, 2_000_000,
     {"events": 0.3, "ads": 0.25, "linkedin": 0.15, "email": 0.1, "webinars": 0.1}),
    ("emea", "global", 800_000, {"events": 0.35, "ads": 0.2, "linkedin": 0.2, "email": 0.1}),
    ("amer", "global", 600_000, {}),
    ("apac", "global", 400_000, {}),
    ("fr", "emea", 200_000, {}),
    ("de", "emea", 220_000, {}),
    ("uk", "emea", 150_000, {}),
    ("pl", "emea", 80_000, {}),
    ("us", "amer", 300_000, {}),
    ("br", "amer", 100_000, {}),
    ("cn", "apac", 120_000, {}),
    ("jp", "apac", 150_000, {}),
]  # fmt: skip
#: euros for one unit of each currency, on the first day of the fiscal year
FX_RATES = {"USD": "0.92", "GBP": "1.17", "PLN": "0.23", "BRL": "0.17", "CNY": "0.128",
            "JPY": "0.0061"}  # fmt: skip
#: corrected rates from the first day of the seed month
FX_MONTH = {"USD": "0.91", "GBP": "1.18"}
#: (user, budget unit, days before the seed day, fields for record_spend)
SPENDS: list[tuple[str, str, int, dict[str, Any]]] = [
    ("global-marketer", "global", 60, dict(kind="tool", amount_local=Decimal("24000"),
     description="Marketing automation licence (annual)", external_key="seed:global-tool")),
    ("fr-marketer", "fr", 30, dict(kind="event", channel="events", amount_local=Decimal("18500"),
     description="Stand at Global Industrie, Lyon", external_key="seed:fr-event")),
    ("de-marketer", "de", 20, dict(kind="cpm", channel="ads", quantity=400_000,
     unit_price=Decimal("12"), description="Trade-press display ads",
     external_key="seed:de-cpm")),
    ("uk-marketer", "uk", 12, dict(kind="cpc", channel="ads", quantity=1_200,
     unit_price=Decimal("2.5"), currency="GBP", description="Search ads: predictive maintenance",
     external_key="seed:uk-cpc")),
    ("us-marketer", "us", 8, dict(kind="event", channel="webinars", amount_local=Decimal("12000"),
     currency="USD", description="Webinar platform and speakers", external_key="seed:us-webinar")),
    ("jp-marketer", "jp", 5, dict(kind="other", channel="events", amount_local=Decimal("500000"),
     currency="JPY", description="Partner seminar, Osaka", external_key="seed:jp-seminar")),
]  # fmt: skip


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _family(unit: OrgUnit, kind: str) -> str:
    """The family key of the global core of ``kind`` (content/seed.py made one of each)."""
    core = (
        Asset.objects.unrestricted()
        .filter(owner_unit=unit, kind=kind, parent=None, translation_of=None, language="en")
        .order_by("pk")
        .first()
    )
    return str(core.family) if core is not None else ""


@transaction.atomic
def seed_campaigns(ctx: SeedContext, *, now: dt.datetime | None = None) -> None:
    units = {u.code: u for u in OrgUnit.objects.filter(organization__slug=ORGANIZATION)}
    if "global" not in units:
        return
    if Playbook.objects.unrestricted().filter(owner_unit__in=units.values()).exists():
        ctx.log("campaigns: already seeded")
        return
    families = {kind: _family(units["global"], kind) for kind in
                ("email", "case_study", "webinar_invitation", "social_post")}  # fmt: skip
    if not all(families.values()):
        return  # the content step did not run (or made no library): nothing to build on
    now = now or timezone.now()
    grid, maintenance, emea_maintenance = _playbooks(units, families)
    tree = _budgets(units, now)
    _draft(units, emea_maintenance, now)
    _pending(units, maintenance, now)
    _cancelled(units, grid, now)
    _completed(units, emea_maintenance, tree, now)
    live = _live(units, grid, tree, now)
    count = Campaign.objects.unrestricted().filter(owner_unit__in=units.values()).count()
    summary = f"campaigns: 3 playbooks, {len(tree)} budgets, {len(SPENDS)} spend entries, "
    summary += f"{count} campaigns"
    if live is not None:
        going = live.touches.filter(status=TouchStatus.PLANNED).count()
        summary += (
            f"; live: “{live.name}” (/campaigns/{live.pk}/), {going} touches going out over "
            "the next 10 minutes"
        )
    ctx.log(summary)


# --- playbooks ----------------------------------------------------------------------------


def _step(channel: str, family: str, delay: int, condition: str = "always") -> dict[str, Any]:
    return {"channel": channel, "content": family, "delay_days": delay, "condition": condition}


def _playbooks(units: dict[str, OrgUnit], families: dict[str, str]) -> tuple[Playbook, ...]:
    author = _user("global-admin")
    grid = playbooks.create_playbook(
        author,
        units["global"],
        {
            "name": "Grid resilience: email then LinkedIn",
            "description": "Invite energy and utility accounts to the resilient-grid webinar "
            "by email, then remind them on LinkedIn.",
            "kpis": {"registrations": 40, "meetings": 8},
            "steps": [
                _step("email", families["webinar_invitation"], 0),
                _step("linkedin", families["webinar_invitation"], 3),
            ],
        },
    )
    maintenance = playbooks.create_playbook(
        author,
        units["global"],
        {
            "name": "Predictive maintenance: email, LinkedIn, case study",
            "description": "Open with the cost of downtime, follow on LinkedIn, and send the "
            "case study to the accounts that engaged.",
            "kpis": {"meetings": 12, "opportunities": 4},
            "steps": [
                _step("email", families["email"], 0),
                _step("linkedin", families["social_post"], 2),
                _step("email", families["case_study"], 3, "engaged"),
            ],
        },
    )
    grid = playbooks.publish_playbook(author, grid)
    maintenance = playbooks.publish_playbook(author, maintenance)
    emea_admin = _user("emea-admin")
    emea = playbooks.adapt_playbook(
        emea_admin,
        maintenance,
        units["emea"],
        {
            "description": "EMEA: GDPR consent first; a day more between the touches.",
            "steps": [
                _step("email", families["email"], 0),
                _step("linkedin", families["social_post"], 3),
                _step("email", families["case_study"], 4, "engaged"),
            ],
        },
    )
    emea = playbooks.publish_playbook(emea_admin, emea)
    return grid, maintenance, emea


# --- budgets ------------------------------------------------------------------------------


def _fiscal_year(now: dt.datetime) -> tuple[dt.date, dt.date]:
    year = timezone.localdate(now, ZoneInfo("Europe/Paris")).year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _budgets(units: dict[str, OrgUnit], now: dt.datetime) -> dict[str, Budget]:
    """The fiscal year's tree, FX rates, spend, and a raise waiting for approval."""
    starts_on, ends_on = _fiscal_year(now)
    today = timezone.localdate(now, ZoneInfo("Europe/Paris"))
    admin = _user("global-admin")
    for currency, rate in FX_RATES.items():
        budgets.set_fx_rate(admin, units["global"], currency, starts_on, Decimal(rate))
    month = today.replace(day=1)
    if month > starts_on:
        for currency, rate in FX_MONTH.items():
            budgets.set_fx_rate(admin, units["global"], currency, month, Decimal(rate))
    manager = _user("global-manager")
    tree: dict[str, Budget] = {}
    name = f"FY{starts_on.year}"
    for code, parent, amount, guidelines in ALLOCATIONS:
        unit = units[code]
        budget = budgets.allocate(
            manager,
            tree[parent] if parent else None,
            unit,
            Decimal(amount),
            name=name if parent is None else f"{name} {unit.name}",
            starts_on=starts_on,
            ends_on=ends_on,
            guidelines=guidelines,
        )
        if not isinstance(budget, Budget):  # a global manager allocates at once
            raise RuntimeError(f"the allocation to {unit.code} waits for approval")
        tree[code] = budget
    for username, code, days, fields in SPENDS:
        spent_on = max(starts_on, today - dt.timedelta(days=days))
        budgets.record_spend(_user(username), tree[code], spent_on=spent_on, **fields)
    # EMEA asks for more for Poland: responsible, not accountable — it waits for Global.
    budgets.set_amount(
        _user("emea-manager"),
        tree["pl"],
        Decimal(95_000),
        comment="Poland adds a trade fair in Poznań.",
    )
    return tree


# --- campaigns ----------------------------------------------------------------------------


def _local_today(unit: OrgUnit, now: dt.datetime) -> dt.date:
    return timezone.localdate(now, ZoneInfo(unit.timezone))


def _targetable(unit: OrgUnit, channels: list[str] | None = None, limit: int = 20):
    """Accounts of ``unit`` a campaign may target, in id order; with ``channels``, only
    those with a contact who granted consent on one of them (on an accepted basis)."""
    accounts = Account.objects.unrestricted().filter(owner_unit=unit, lifecycle__in=TARGETABLE)
    if channels:
        rules = mix.rules_for(unit)
        consented = Q()
        for channel in channels:
            rule = rules.get(mix.LAWFUL_BASES[channel])
            bases = rule.value if rule is not None else gates.DEFAULT_BASES
            consented |= Q(channel=channel, lawful_basis__in=bases)
        with_consent = (
            Consent.objects.unrestricted()
            .filter(consented, status=Consent.Status.GRANTED, contact__owner_unit=unit)
            .filter(contact__do_not_contact=False, contact__erased_at=None)
            .values("contact__account_id")
        )
        accounts = accounts.filter(pk__in=with_consent)
    return list(accounts.order_by("pk")[:limit])


def _fund(user, campaign: Campaign, budget: Budget, costs: dict[str, float]) -> Campaign:
    """Name the budget and the price per touch, when the budget's period covers the
    window (early in a fiscal year the past campaigns belong to the previous one)."""
    if not budget.starts_on <= campaign.starts_on <= campaign.ends_on <= budget.ends_on:
        return campaign
    campaign.budget, campaign.touch_costs = budget, costs
    campaign.full_clean()
    with acting_as(user):
        campaign.save(update_fields=["budget", "touch_costs", "updated_at"])
    return campaign


def _sandboxed(playbook: Playbook) -> bool:
    """Seeded sends go to the sandbox only: the demo contacts' addresses look real."""
    return all(provider_for(step["channel"]) == "sandbox" for step in playbook.steps)


def _draft(units: dict[str, OrgUnit], playbook: Playbook, now: dt.datetime) -> Campaign:
    unit = units["pl"]
    starts_on = _local_today(unit, now) + dt.timedelta(days=14)
    return services.create_campaign(
        _user("pl-marketer"),
        unit,
        playbook=playbook,
        name="Predictive maintenance — Poland (draft)",
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=30),
        accounts=_targetable(unit),
    )


def _pending(units: dict[str, OrgUnit], playbook: Playbook, now: dt.datetime) -> Campaign:
    """A French marketer's launch: EMEA's managers have it in their approvals."""
    unit = units["fr"]
    starts_on = _local_today(unit, now) + dt.timedelta(days=21)
    marketer = _user("fr-marketer")
    campaign = services.create_campaign(
        marketer,
        unit,
        playbook=playbook,
        name="Predictive maintenance — France, next wave",
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=30),
        overrides={"delay_days": {"1": 4}},
        accounts=_targetable(unit),
    )
    launch.launch_campaign(marketer, campaign, comment="Next wave after the webinar.")
    campaign.refresh_from_db()
    return campaign


def _cancelled(units: dict[str, OrgUnit], playbook: Playbook, now: dt.datetime) -> Campaign:
    """Launched by EMEA's manager, planned, then cancelled by the UK team."""
    unit = units["uk"]
    starts_on = _local_today(unit, now) + dt.timedelta(days=7)
    campaign = services.create_campaign(
        _user("uk-marketer"),
        unit,
        playbook=playbook,
        name="Grid resilience — United Kingdom (cancelled)",
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=21),
        accounts=_targetable(unit),
    )
    if not campaign.accounts.exists():
        return campaign
    launch.launch_campaign(_user("emea-manager"), campaign, comment="Go.")
    planning.plan_all(campaign.pk, now=now)
    return services.cancel_campaign(_user("uk-manager"), campaign)


def _completed(
    units: dict[str, OrgUnit], playbook: Playbook, tree: dict[str, Budget], now: dt.datetime
) -> Campaign | None:
    """Germany's first wave, three weeks ago: planned and sent then, through the sandbox.

    Planned and dispatched in-process with ``now`` set to each send time (inside the
    default 09:00-18:00 on business days), so nothing here depends on the seed's hour.
    """
    if not _sandboxed(playbook):
        return None
    unit = units["de"]
    tz = ZoneInfo(unit.timezone)
    country = unit.countries[0]
    today = _local_today(unit, now)
    starts_on = scheduling.next_business_day(today - dt.timedelta(days=21), country)
    manager = _user("emea-manager")
    campaign = services.create_campaign(
        _user("de-marketer"),
        unit,
        playbook=playbook,
        name="Predictive maintenance — Germany, wave 1",
        starts_on=starts_on,
        ends_on=today,
        accounts=_targetable(unit, ["email", "linkedin"]),
    )
    if not campaign.accounts.exists():
        return campaign  # no German account with consent: it stays a draft
    _fund(manager, campaign, tree["de"], {"email": 0.05, "linkedin": 1.2})
    launch.launch_campaign(manager, campaign, comment="Wave 1 for the Hannover leads.")
    planned_at = scheduling.localize(starts_on, 7, tz)
    planning.plan_all(campaign.pk, now=planned_at)
    Campaign.objects.filter(pk=campaign.pk).update(launched_at=planned_at)
    times = sorted(
        set(
            Touch.objects.unrestricted()
            .filter(campaign=campaign, status=TouchStatus.PLANNED, scheduled_at__lte=now)
            .values_list("scheduled_at", flat=True)
        )
    )
    for when in times:
        sent_at = when + dt.timedelta(minutes=3)
        for batch in dispatch.claim(sent_at).batches:
            dispatch.send_claimed(batch.claim_id, now=sent_at)
    dispatch.finish_campaigns({campaign.pk: campaign})
    campaign.refresh_from_db()
    return campaign


def _live(
    units: dict[str, OrgUnit], playbook: Playbook, tree: dict[str, Budget], now: dt.datetime
) -> Campaign | None:
    """France's live campaign (see the module notes: a demo device)."""
    if not _sandboxed(playbook):
        return None
    unit = units["fr"]
    admin = _user("fr-admin")
    for key, value in [
        (mix.HOURS_START.key, 0),
        (mix.HOURS_END.key, 24),
        (mix.SEND_DAYS.key, EVERY_DAY),
        (mix.LAWFUL_BASES["email"].key, ["consent", "legitimate_interest"]),
        (mix.LAWFUL_BASES["linkedin"].key, ["consent", "legitimate_interest"]),
    ]:
        mix.set_rule(admin, unit, key, value)
    today = _local_today(unit, now)
    marketer = _user("fr-marketer")
    campaign = services.create_campaign(
        marketer,
        unit,
        playbook=playbook,
        name=LIVE_NAME,
        starts_on=today,
        ends_on=min(today + dt.timedelta(days=14), tree["fr"].ends_on),
        accounts=_targetable(unit, ["email", "linkedin"], limit=LIVE_ACCOUNTS),
    )
    if not campaign.accounts.exists():
        return None  # no French account with consent: it stays a draft
    _fund(_user("emea-manager"), campaign, tree["fr"], {"email": 0.05, "linkedin": 1.5})
    request = launch.launch_campaign(marketer, campaign, comment="Webinar invitations, live.")
    if request.is_pending:  # the default matrix: France is R, EMEA accountable
        approvals.decide(request, _user("emea-manager"), approve=True, comment="Approved.")
    planning.plan_all(campaign.pk, now=now)
    campaign.refresh_from_db()
    if campaign.status != CampaignStatus.RUNNING:
        raise RuntimeError(f"the live demo campaign is {campaign.status}, not running")
    spread(campaign, now)
    return campaign


def spread(campaign: Campaign, now: dt.datetime) -> int:
    """Spread the planned touches evenly over now + 30 s … now + 10 min (demo device).

    Step by step, then in planning order: the invitations go out first, the LinkedIn
    reminders after them. Returns how many touches moved.
    """
    tz = ZoneInfo(campaign.owner_unit.timezone)
    touches = list(
        Touch.objects.unrestricted()
        .filter(campaign=campaign, status=TouchStatus.PLANNED)
        .order_by("step", "scheduled_at", "pk")
    )
    span = SPREAD_END - SPREAD_START
    for i, touch in enumerate(touches):
        share = i / (len(touches) - 1) if len(touches) > 1 else 0
        touch.scheduled_at = (now + SPREAD_START + span * share).replace(microsecond=0)
        touch.local_scheduled = scheduling.local_label(touch.scheduled_at, tz)
    Touch.objects.unrestricted().bulk_update(touches, ["scheduled_at", "local_scheduled"])
    return len(touches)
