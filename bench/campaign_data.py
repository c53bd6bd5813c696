"""Campaign data for the campaign scenarios, built in bulk.

One organisation (GLOBAL → REGION → LOCAL units), a published global email asset, a
published global playbook, and per local unit a campaign on its selected accounts,
whose contacts granted consent. Accounts, contacts, consents and the campaign's account
links are bulk-created: their signals (audit trail, scores) are not what the scenarios
measure, and creating 50,000 contacts one by one would make the setup the benchmark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from random import Random

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Account, Consent, Contact, Lifecycle
from accounts.models.contacts import residency_zone_for
from campaigns import mix
from campaigns.models import Campaign, CampaignStatus, Playbook, PlaybookStatus
from content import services as content_services
from content.models import Asset, Status
from glocal.models import Membership, Organization, OrgUnit, Tier
from glocal.tenancy import Role

BODY = (
    "<p>Hello {{ contact.first_name | default:'there' }},</p>"
    "<p>{{ account.name }} loses hours to unplanned downtime; our sensors cut that in half.</p>"
)


@dataclass
class Setup:
    organization: Organization
    root: OrgUnit
    region: OrgUnit
    locals: list[OrgUnit]
    admin: object
    asset: Asset
    playbook: Playbook | None = None
    campaigns: list[Campaign] = field(default_factory=list)


def organisation(slug: str, local_countries: list[str], timezone_name: str) -> Setup:
    """The tree, an admin of the root, the published asset (no playbook yet)."""
    org = Organization.objects.create(name=f"Bench {slug}", slug=f"bench-{slug}")
    root = OrgUnit.objects.create(organization=org, tier=Tier.GLOBAL, code="g", name="Global")
    region = OrgUnit.objects.create(
        organization=org, parent=root, tier=Tier.REGION, code="emea", name="EMEA"
    )
    locals_ = [
        OrgUnit.objects.create(
            organization=org,
            parent=region,
            tier=Tier.LOCAL,
            code=f"l{i}-{country.lower()}",
            name=f"Local {i} {country}",
            countries=[country],
            timezone=timezone_name,
        )
        for i, country in enumerate(local_countries)
    ]
    admin = get_user_model().objects.create(username=f"bench-{slug}-admin")
    Membership.objects.create(user=admin, unit=root, role=Role.ADMIN)
    asset = content_services.create_asset(
        admin,
        root,
        kind="email",
        language="en",
        values={
            "title": "Unplanned downtime is a choice",
            "intro": "Dear {{ contact.full_name }},",
            "body": BODY,
            "cta_label": "See the study",
            "cta_url": "https://acme.example/downtime",
        },
    )
    Asset.objects.filter(pk=asset.pk).update(status=Status.PUBLISHED)
    asset.refresh_from_db()
    return Setup(org, root, region, locals_, admin, asset)


def playbook(setup: Setup, specs: list[tuple[str, int, str]]) -> Playbook:
    """A published global playbook: (channel, delay_days, condition) per step."""
    book = Playbook(
        owner_unit=setup.root,
        name="Downtime sequence",
        steps=[
            {"channel": c, "content": str(setup.asset.family), "delay_days": d, "condition": k}
            for c, d, k in specs
        ],
        status=PlaybookStatus.PUBLISHED,
    )
    book.full_clean()
    book.save()
    setup.playbook = book
    return book


def send_any_time(setup: Setup) -> None:
    """The region allows every hour of every day, so a run does not depend on the clock."""
    mix.set_rule(setup.admin, setup.region, "campaigns.hours.start", 0)
    mix.set_rule(setup.admin, setup.region, "campaigns.hours.end", 24)
    mix.set_rule(setup.admin, setup.region, "campaigns.days.allowed", list(mix.DAY_NAMES))


def accounts(
    unit: OrgUnit,
    count: int,
    per_account: int,
    *,
    countries: list[str],
    channels: tuple[str, ...],
    rng: Random,
    engaged_share: float = 0.0,
    missing_consent: dict[str, float] | None = None,
) -> list[Account]:
    """Selected accounts of ``unit`` with contacts and granted consents, in bulk.

    ``engaged_share`` of the accounts are engaged (a "not engaged" step skips them);
    ``missing_consent`` gives, per channel, the share of contacts without a consent row.
    """
    missing_consent = missing_consent or {}
    made = Account.objects.bulk_create(
        (
            Account(
                owner_unit=unit,
                name=f"{unit.code} Plant {i} SA",
                name_key=f"{unit.code} plant {i}",
                country=countries[i % len(countries)],
                lifecycle=Lifecycle.ENGAGED if rng.random() < engaged_share else Lifecycle.SELECTED,
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    people = Contact.objects.bulk_create(
        (
            Contact(
                owner_unit=unit,
                account=a,
                first_name=f"Ana{i}",
                last_name=f"Silva{a.pk}",
                country=a.country,
                residency_zone=residency_zone_for(a.country),
                language="en",
                email=f"ana{i}.{a.pk}@plant.example",
            )
            for a in made
            for i in range(per_account)
        ),
        batch_size=5000,
    )
    now = timezone.now()
    Consent.objects.bulk_create(
        (
            Consent(
                owner_unit=unit,
                contact=c,
                channel=channel,
                status=Consent.Status.GRANTED,
                lawful_basis=Consent.LawfulBasis.CONSENT,
                recorded_at=now,
            )
            for c in people
            for channel in channels
            if rng.random() >= missing_consent.get(channel, 0.0)
        ),
        batch_size=5000,
    )
    return made


def campaign(
    setup: Setup, unit: OrgUnit, targets: list[Account], starts_on: dt.date, *, name: str
) -> Campaign:
    """A campaign of ``unit`` on ``targets``, handed to the planner (status planning).

    What ``planning.start`` does after an approved launch, without queueing the planner
    task: the scenarios run the chunks themselves.
    """
    made = Campaign(
        owner_unit=unit,
        playbook=setup.playbook,
        name=name,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=60),
    )
    made.full_clean()
    made.save()
    links = Campaign.accounts.through
    links.objects.bulk_create(
        (links(campaign_id=made.pk, account_id=a.pk) for a in targets), batch_size=5000
    )
    Campaign.objects.filter(pk=made.pk).update(
        status=CampaignStatus.PLANNING,
        accounts_total=len(targets),
        accounts_planned=0,
        planning_cursor=0,
        planned_at=None,
    )
    made.refresh_from_db()
    setup.campaigns.append(made)
    return made
