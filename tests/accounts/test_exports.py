"""CSV exports of accounts and contacts: scope, residency masking, injection, audit."""

from __future__ import annotations

import csv
import io

import pytest

from accounts import privacy
from accounts.models import Account, Contact
from governance.models import AuditEntry


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def french_account(tenants):
    return Account.objects.create(owner_unit=tenants.unit("fr"), name="Export SAS", country="FR")


@pytest.fixture
def li(french_account):
    """A person in China working for a French team's account: personal data under PIPL."""
    return Contact.objects.create(
        account=french_account,
        first_name="Li",
        last_name="Na",
        email="li.na@example.cn",
        phone="+8613800000000",
        country="CN",
    )


@pytest.fixture
def claire(french_account):
    return Contact.objects.create(
        account=french_account, first_name="Claire", last_name="=HYPERLINK(1)", country="FR"
    )


def test_a_pipl_contact_is_masked_in_the_api_export_for_emea_users(li, claire, api):
    for username in ("fr-manager", "emea-admin"):
        rows = _rows(api(username).get("/api/v1/contacts/csv/", {"account": li.account_id}))
        by_id = {int(r["id"]): r for r in rows}
        assert set(by_id) == {li.pk, claire.pk}
        masked = by_id[li.pk]
        assert masked["email"] == privacy.MASK and masked["last_name"] == privacy.MASK
        assert masked["phone"] == privacy.MASK and masked["personal_data_masked"] == "True"
        assert masked["country"] == "CN" and masked["residency_zone"] == "CN"
        assert by_id[claire.pk]["first_name"] == "Claire"


def test_the_dashboard_export_masks_it_too_and_leaks_nothing(li, claire, client, tenants):
    client.force_login(tenants.user("emea-admin"))
    response = client.get("/accounts/export/contacts.csv", {"account": li.account_id})
    rows = _rows(response)
    assert {r["email"] for r in rows if int(r["id"]) == li.pk} == {privacy.MASK}


def test_the_export_bytes_hold_no_personal_data_of_the_masked_contact(li, api):
    response = api("global-admin").get("/api/v1/contacts/csv/")
    body = b"".join(response.streaming_content).decode()
    for value in ("li.na@example.cn", "+8613800000000", "Li", "Na,"):
        assert value not in body


def test_the_cn_team_would_export_its_own_zone_in_full(tenants, api):
    account = Account.objects.create(owner_unit=tenants.unit("cn"), name="Shenzhen Co")
    wang = Contact.objects.create(account=account, last_name="Wang", email="w@sz.cn", country="CN")
    rows = _rows(api("cn-manager").get("/api/v1/contacts/csv/"))
    assert {r["email"] for r in rows if int(r["id"]) == wang.pk} == {"w@sz.cn"}


def test_searching_masked_fields_reveals_nothing(li, api):
    found = api("fr-manager").get("/api/v1/contacts/", {"q": "li.na@"}).json()["results"]
    assert found == []
    rows = _rows(api("fr-manager").get("/api/v1/contacts/csv/", {"q": "li.na@"}))
    assert rows == []


def test_exports_are_scoped_and_neutralise_formulas(claire, api):
    sibling_rows = _rows(api("de-admin").get("/api/v1/contacts/csv/"))
    assert all(int(r["id"]) != claire.pk for r in sibling_rows)
    rows = _rows(api("fr-marketer").get("/api/v1/contacts/csv/"))
    assert {r["last_name"] for r in rows if int(r["id"]) == claire.pk} == {"'=HYPERLINK(1)"}


def test_account_export_follows_the_list_filters(french_account, tenants, api, client):
    Account.objects.create(owner_unit=tenants.unit("fr"), name="Other SARL", country="FR")
    rows = _rows(api("fr-marketer").get("/api/v1/accounts/csv/", {"q": "Export SAS"}))
    assert [r["name"] for r in rows] == ["Export SAS"]
    client.force_login(tenants.user("de-admin"))
    page_rows = _rows(client.get("/accounts/export/accounts.csv"))
    assert all(r["unit"] != "fr" for r in page_rows)


def test_every_export_is_audited_with_its_size(claire, api, tenants):
    api("fr-manager", HTTP_X_GLOCAL_UNIT="fr").get(
        "/api/v1/contacts/csv/", {"account": claire.account_id}
    )
    entry = AuditEntry.objects.filter(action="export.contacts").latest("at")
    assert entry.actor == tenants.user("fr-manager") and entry.owner_unit == tenants.unit("fr")
    assert entry.note.startswith("1 contacts")
