"""What hangs off an account (contacts, consents, engagement, hand-offs, opportunities)
belongs to the account's unit, also after the account changes hands or is merged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts import dedup
from accounts.engagement import record_event
from accounts.models import Account, Consent, Contact, DuplicateCandidate, Handoff
from accounts.models.engagement import EngagementEvent, EventKind
from analytics import rollups
from analytics.models import Opportunity
from glocal import ownership

from ..analytics.conftest import make_opportunity

DAY = dt.date(2031, 3, 10)


@pytest.fixture
def french_account(tenants) -> Account:
    """A French account with everything that hangs off it."""
    account = Account.objects.create(
        owner_unit=tenants.unit("fr"), name="Moving SA", domain="moving.fr", country="FR"
    )
    contact = Contact.objects.create(account=account, email="ana@moving.fr", first_name="Ana")
    Consent.objects.create(
        contact=contact, channel="email", status="granted", lawful_basis="consent",
        recorded_at=timezone.now(),
    )  # fmt: skip
    record_event(
        account=account, kind=EventKind.CLICKED, occurred_at=timezone.now(),
        external_id=f"moving-{account.pk}", contact=contact, rescore=False,
    )  # fmt: skip
    Handoff.objects.create(
        owner_unit=account.owner_unit, account=account, sla_due_at=timezone.now()
    )
    make_opportunity(account, 1000, DAY, crm_id=f"MOVING-{account.pk}")
    return account


def owners(account: Account) -> set[int]:
    rows = [
        *Contact.objects.filter(account=account),
        *Consent.objects.filter(contact__account=account),
        *EngagementEvent.objects.filter(account=account),
        *Handoff.objects.filter(account=account),
        *Opportunity.objects.filter(account=account),
    ]
    assert len(rows) == 5
    return {row.owner_unit_id for row in rows}


def test_every_row_owned_through_an_account_declares_it():
    followers = {model._meta.label for model, _field in ownership.followers(Account)}
    assert followers == {
        "accounts.Contact",
        "accounts.EngagementEvent",
        "accounts.Handoff",
        "analytics.Opportunity",
    }
    assert [model._meta.label for model, _ in ownership.followers(Contact)] == ["accounts.Consent"]


def test_an_account_handed_to_another_team_takes_everything_along(
    tenants, french_account, api, django_capture_on_commit_callbacks
):
    de = tenants.unit("de")
    with django_capture_on_commit_callbacks() as callbacks:
        response = api("emea-admin").patch(
            f"/api/v1/accounts/{french_account.pk}/", {"owner_unit": de.pk}, format="json"
        )
    assert response.status_code == 200, response.content
    assert owners(french_account) == {de.pk}
    contact = Contact.objects.get(account=french_account)
    # The new team sees the people; the old one no longer does.
    assert api("de-admin").get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    assert api("fr-admin").get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    # One rebuild of the organisation's rollups (both units), from the earliest fact
    # moved: the event (a day early, for time zones), before the opportunity's day.
    event = EngagementEvent.objects.get(account=french_account)
    since = event.occurred_at.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    rebuilds = [c for c in callbacks if isinstance(c, rollups._Rebuild)]
    assert [(r.organization_id, r.since) for r in rebuilds] == [(de.organization_id, since)]


def test_a_merge_into_another_units_account_moves_the_merged_history(tenants, french_account):
    de = tenants.unit("de")
    survivor = Account.objects.create(
        owner_unit=de, name="Moving GmbH", domain="moving.fr", country="DE"
    )
    low, high = sorted([survivor, french_account], key=lambda a: a.pk)
    candidate = DuplicateCandidate.objects.create(
        owner_unit=tenants.unit("emea"), account_a=low, account_b=high, score=1.0
    )
    dedup.merge(candidate, tenants.user("emea-manager"), survivor.pk)
    assert owners(survivor) == {de.pk}
    assert Handoff.objects.get(account=survivor).owner_unit == de
