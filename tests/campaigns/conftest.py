"""Campaign fixtures on the demo tree: published content, a published global playbook,
and selected accounts with contacts and consents, built through the real services."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from accounts.models import Account, Consent, Contact, Lifecycle
from campaigns import planning, services
from campaigns.models import Campaign, Playbook, PlaybookStatus
from content import services as content_services
from content.models import Asset, Status

#: a Monday in winter, far enough ahead for any test run (planning never goes back in time)
START = dt.date(2031, 1, 6)
NOW = dt.datetime(2030, 12, 1, 12, tzinfo=dt.UTC)
_names = itertools.count(1)


def publish(*assets: Asset) -> None:
    """Test shortcut: publication itself is tested in tests/content."""
    for asset in assets:
        Asset.objects.filter(pk=asset.pk).update(status=Status.PUBLISHED)
        asset.refresh_from_db()


@pytest.fixture
def email_content(tenants) -> Asset:
    """A published global email core (no rights restriction of its own)."""
    asset = content_services.create_asset(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        kind="email",
        language="en",
        values={"title": "Grid resilience", "body": "<p>Outages cost money.</p>"},
    )
    publish(asset)
    return asset


def steps(family, *specs: tuple[str, int, str]) -> list[dict]:
    return [
        {"channel": channel, "content": str(family), "delay_days": delay, "condition": condition}
        for channel, delay, condition in specs
    ]


def make_playbook(tenants, family, specs, unit: str = "global") -> Playbook:
    playbook = Playbook(
        owner_unit=tenants.unit(unit),
        name="Grid resilience sequence",
        steps=steps(family, *specs),
        status=PlaybookStatus.PUBLISHED,
    )
    playbook.full_clean()
    playbook.save()
    return playbook


@pytest.fixture
def playbook(tenants, email_content) -> Playbook:
    """Email on day 0, LinkedIn two days later if not engaged, email again a day later."""
    return make_playbook(
        tenants,
        email_content.family,
        [("email", 0, "always"), ("linkedin", 2, "not_engaged"), ("email", 1, "always")],
    )


def make_account(unit, *, country: str, contacts: int = 1, channels=("email", "linkedin"),
                 basis: str = "consent", parent: Account | None = None,
                 lifecycle: str = Lifecycle.SELECTED) -> Account:  # fmt: skip
    """A selected account with contacts who granted consent on ``channels``."""
    n = next(_names)
    account = Account.objects.create(
        owner_unit=unit, name=f"Account {n}", country=country, lifecycle=lifecycle, parent=parent
    )
    for i in range(contacts):
        contact = Contact.objects.create(
            account=account, first_name=f"C{i}", last_name=f"A{n}", country=country,
            email=f"c{i}@a{n}.example",
        )  # fmt: skip
        for channel in channels:
            Consent.objects.create(
                contact=contact,
                channel=channel,
                status=Consent.Status.GRANTED,
                lawful_basis=basis,
                recorded_at=timezone.now(),
            )
    return account


def make_campaign(tenants, unit_code: str, playbook: Playbook, accounts, **fields) -> Campaign:
    fields.setdefault("starts_on", START)
    fields.setdefault("ends_on", START + dt.timedelta(days=60))
    fields.setdefault("name", f"Campaign {next(_names)}")
    return services.create_campaign(
        tenants.user(f"{unit_code}-marketer"),
        tenants.unit(unit_code),
        playbook=playbook,
        accounts=accounts,
        **fields,
    )


def plan(campaign: Campaign, *, now: dt.datetime = NOW, limit: int = planning.CHUNK) -> Campaign:
    """What the launch handler and the Celery chain do, run in this process."""
    planning.start(campaign)
    planning.plan_all(campaign.pk, now=now, limit=limit)
    campaign.refresh_from_db()
    return campaign
