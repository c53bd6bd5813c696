"""Accounts API: filters, defaults, selection actions, clear 400s, no N+1."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import icp, selection
from accounts.models import Account, Contact, Lifecycle, Tier
from governance.models import ApprovalRequest
from tests.accounts.test_icp import set_bound


def errors(response) -> dict[str, str]:
    """Field → message of a 400 (the API's standardised error shape)."""
    assert response.status_code == 400, response.content
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


@pytest.fixture
def fr(tenants):
    return tenants.unit("fr")


def test_it_creates_an_account_in_the_acting_unit_and_scores_it(tenants, api, fr):
    set_bound(tenants.unit("global"), icp.INDUSTRIES.key, ["energy"])
    client = api("fr-marketer")
    response = client.post(
        "/api/v1/accounts/", {"name": "Total SA", "industry": "energy"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_unit"] == fr.pk and body["fit_score"] == 100
    assert body["lifecycle"] == Lifecycle.CANDIDATE


def test_lifecycle_and_scores_are_read_only(api, fr):
    account = Account.objects.create(owner_unit=fr, name="A")
    response = api("fr-marketer").patch(
        f"/api/v1/accounts/{account.pk}/",
        {"lifecycle": "customer", "fit_score": 99},
        format="json",
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert (account.lifecycle, account.fit_score) == (Lifecycle.CANDIDATE, 0)


def test_filters(api, fr):
    Account.objects.create(owner_unit=fr, name="Alpha", country="FR", industry="energy")
    Account.objects.create(
        owner_unit=fr, name="Beta", country="DE", tier=Tier.STRATEGIC, fit_score=80
    )
    client = api("fr-viewer")

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/accounts/?{query}")
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names("country=fr") == ["Alpha"]
    assert names("industry=Energy") == ["Alpha"]
    assert names("tier=one_to_one") == ["Beta"]
    assert names("min_fit=50") == ["Beta"]
    assert names("q=alp") == ["Alpha"]
    assert names("lifecycle=candidate&lifecycle=proposed") == ["Alpha", "Beta"]


def test_the_list_makes_a_fixed_number_of_queries(api, fr):
    client = api("fr-viewer")
    Account.objects.create(owner_unit=fr, name="A0")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/accounts/")
    for i in range(10):
        Account.objects.create(owner_unit=fr, name=f"A{i + 1}")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/accounts/")
    assert len(many) == len(one)


def test_select_by_a_marketer_waits_for_approval(tenants, api, fr):
    account = Account.objects.create(owner_unit=fr, name="A", lifecycle=Lifecycle.PROPOSED)
    response = api("fr-marketer").post(f"/api/v1/accounts/{account.pk}/select/", format="json")
    assert response.status_code == 202, response.content
    request = ApprovalRequest.objects.get(pk=response.json()["approval_request"])
    assert request.action_type == selection.SELECT_ACTION and request.is_pending


def test_a_selection_beyond_the_cap_is_a_400_naming_the_rule(tenants, api, fr):
    set_bound(tenants.unit("global"), selection.CAPS[Tier.STRATEGIC].key, 1)
    Account.objects.create(
        owner_unit=fr, name="Taken", tier=Tier.STRATEGIC, lifecycle=Lifecycle.SELECTED
    )
    account = Account.objects.create(
        owner_unit=fr, name="B", tier=Tier.STRATEGIC, lifecycle=Lifecycle.PROPOSED
    )
    response = api("fr-manager").post(f"/api/v1/accounts/{account.pk}/select/", format="json")
    assert "Selected 1:1 strategic accounts" in errors(response)["tier"]


def test_moving_a_selected_account_into_a_full_tier_is_refused(tenants, api, fr):
    set_bound(tenants.unit("global"), selection.CAPS[Tier.STRATEGIC].key, 1)
    Account.objects.create(
        owner_unit=fr, name="Taken", tier=Tier.STRATEGIC, lifecycle=Lifecycle.SELECTED
    )
    other = Account.objects.create(owner_unit=fr, name="B", lifecycle=Lifecycle.SELECTED)
    response = api("fr-manager").patch(
        f"/api/v1/accounts/{other.pk}/", {"tier": Tier.STRATEGIC}, format="json"
    )
    assert "tier" in errors(response)


def test_deselect_needs_a_reason(api, fr):
    account = Account.objects.create(owner_unit=fr, name="A", lifecycle=Lifecycle.PROPOSED)
    client = api("fr-manager")
    assert "reason" in errors(client.post(f"/api/v1/accounts/{account.pk}/deselect/"))
    response = client.post(
        f"/api/v1/accounts/{account.pk}/deselect/", {"reason": "Closed"}, format="json"
    )
    assert response.status_code == 200 and response.json()["lifecycle"] == "deselected"
    assert response.json()["lifecycle_changed_by"] == "fr-manager"


def test_a_viewer_may_not_move_accounts(api, fr):
    account = Account.objects.create(owner_unit=fr, name="A")
    assert api("fr-viewer").post(f"/api/v1/accounts/{account.pk}/propose/").status_code == 403


def test_a_contact_follows_its_account_unit_and_foreign_accounts_are_refused(tenants, api, fr):
    mine = Account.objects.create(owner_unit=fr, name="Mine")
    theirs = Account.objects.create(owner_unit=tenants.unit("de"), name="Theirs")
    client = api("fr-marketer")
    response = client.post(
        "/api/v1/contacts/", {"account": mine.pk, "last_name": "Durand"}, format="json"
    )
    assert response.status_code == 201 and response.json()["owner_unit"] == fr.pk
    response = client.post(
        "/api/v1/contacts/", {"account": theirs.pk, "last_name": "Weber"}, format="json"
    )
    assert "account" in errors(response)
    assert not Contact.objects.filter(last_name="Weber").exists()


def test_a_consent_follows_its_contact(api, fr):
    account = Account.objects.create(owner_unit=fr, name="Mine")
    contact = Contact.objects.create(account=account, last_name="Durand")
    response = api("fr-marketer").post(
        "/api/v1/consents/",
        {
            "contact": contact.pk,
            "channel": "email",
            "status": "granted",
            "lawful_basis": "consent",
            "recorded_at": "2026-01-05T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["owner_unit"] == fr.pk


# --- dashboard --------------------------------------------------------------------


def test_the_dashboard_lists_filters_and_moves_accounts(client, tenants, fr):
    set_bound(tenants.unit("global"), icp.COUNTRIES.key, ["FR"])
    account = Account.objects.create(owner_unit=fr, name="Alpha SAS", country="FR")
    Account.objects.create(owner_unit=fr, name="Beta GmbH", country="DE")
    client.force_login(tenants.user("fr-manager"))
    page = client.get("/accounts/?country=FR").content.decode()
    assert "Alpha SAS" in page and "Beta GmbH" not in page
    assert 'href="/accounts/"' in page  # the nav links to accounts
    response = client.post(
        f"/accounts/{account.pk}/move/", {"move": "propose", "next": "/accounts/board/"}
    )
    assert response.status_code == 303 and response["Location"] == "/accounts/board/"
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.PROPOSED
    board = client.get("/accounts/board/").content.decode()
    assert f'data-id="account-{account.pk}"' in board and 'value="select"' in board


def test_the_dashboard_shows_refusals_as_messages(client, tenants, fr):
    account = Account.objects.create(owner_unit=fr, name="Alpha SAS")
    client.force_login(tenants.user("fr-manager"))
    response = client.post(f"/accounts/{account.pk}/move/", {"move": "deselect"}, follow=True)
    assert "Say why the account is deselected." in response.content.decode()
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CANDIDATE


def test_the_account_page_shows_contacts_consents_family_and_icp(client, tenants, fr):
    from django.utils import timezone

    from accounts.models import Consent

    set_bound(tenants.unit("global"), icp.INDUSTRIES.key, ["energy"])
    parent = Account.objects.create(owner_unit=fr, name="Group SA")
    account = Account.objects.create(owner_unit=fr, name="Alpha SAS", parent=parent)
    contact = Contact.objects.create(account=account, last_name="Durand", country="FR")
    Consent.objects.create(
        contact=contact,
        channel="email",
        status="granted",
        lawful_basis="consent",
        recorded_at=timezone.now(),
    )
    client.force_login(tenants.user("fr-viewer"))
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "Durand" in page and "Email/marketing: Granted" in page
    assert "Group SA" in page and "ICP industries" in page
    assert 'name="move"' not in page  # a viewer gets no lifecycle actions
