"""Admin of opportunities (through the service, restricted) and of rollups (read-only)."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from analytics.models import DailyFact, Opportunity
from tests.conftest import PASSWORD

from .conftest import D, facts, make_account, make_opportunity

DAY = dt.date(2031, 3, 10)


def staff(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_changelist_shows_the_units_opportunities_only(tenants):
    mine = make_opportunity(make_account(tenants.unit("fr")), 10, DAY, crm_id="FR-ADMIN")
    theirs = make_opportunity(make_account(tenants.unit("de")), 10, DAY, crm_id="DE-ADMIN")
    page = staff("fr-admin").get("/admin/analytics/opportunity/?q=ADMIN").content.decode()
    assert f"/admin/analytics/opportunity/{mine.pk}/change/" in page
    assert f"/admin/analytics/opportunity/{theirs.pk}/change/" not in page


def test_adding_goes_through_the_service_and_refreshes_the_rollups(tenants, worker):
    account = make_account(tenants.unit("fr"))
    form = {
        "account": account.pk,
        "crm_id": "ADM-1",
        "name": "Admin deal",
        "amount": "321",
        "currency": "EUR",
        "stage": "",
        "status": "open",
        "created_on": "2031-03-10",
        "closed_on": "",
    }
    with worker():
        response = staff("fr-admin").post("/admin/analytics/opportunity/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    opportunity = Opportunity.objects.get(crm_id="ADM-1")
    assert opportunity.owner_unit == tenants.unit("fr")
    assert facts(tenants.unit("fr"), name="pipeline_created") == {
        ("fr", DAY, "pipeline_created"): D("321.0000")
    }


def test_a_sibling_account_cannot_be_chosen(tenants):
    account = make_account(tenants.unit("de"))
    response = staff("fr-admin").post(
        "/admin/analytics/opportunity/add/",
        {
            "account": account.pk,
            "crm_id": "ADM-2",
            "name": "Sideways",
            "amount": "1",
            "currency": "EUR",
            "status": "open",
            "created_on": "2031-03-10",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Opportunity.objects.filter(crm_id="ADM-2").exists()


def test_rollups_are_read_only(tenants):
    fact = DailyFact.objects.create(
        owner_unit=tenants.unit("fr"), day=DAY, name="spend", value=D(5)
    )
    client = staff("fr-admin")
    assert client.get("/admin/analytics/dailyfact/").status_code == 200
    assert client.get("/admin/analytics/dailyfact/add/").status_code == 403
    client.post(f"/admin/analytics/dailyfact/{fact.pk}/change/", {"value": "9"})
    fact.refresh_from_db()
    assert fact.value == D(5)
