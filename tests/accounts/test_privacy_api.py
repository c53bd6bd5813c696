"""PIPL-zone personal data through the API and the dashboard; data-subject endpoints."""

from __future__ import annotations

import pytest

from accounts import privacy
from accounts.models import Account, Contact


@pytest.fixture
def wei(tenants):
    account = Account.objects.create(owner_unit=tenants.unit("cn"), name="Shanghai Co")
    return Contact.objects.create(
        account=account, first_name="Wei", last_name="Zhang", email="wei@sh.cn", country="CN"
    )


def test_a_pipl_contact_is_masked_for_a_global_user_in_lists_and_detail(wei, api):
    client = api("global-admin")
    listed = client.get("/api/v1/contacts/", {"page_size": 500}).json()["results"]
    row = next(r for r in listed if r["id"] == wei.pk)
    assert row["email"] == privacy.MASK and row["personal_data_masked"] is True
    assert row["country"] == "CN"
    detail = client.get(f"/api/v1/contacts/{wei.pk}/").json()
    assert detail["last_name"] == privacy.MASK
    assert "wei@sh.cn" not in client.get("/api/v1/contacts/").content.decode()


def test_the_cn_team_sees_its_contacts_in_full(wei, api):
    detail = api("cn-marketer").get(f"/api/v1/contacts/{wei.pk}/").json()
    assert detail["email"] == "wei@sh.cn" and detail["personal_data_masked"] is False


def test_outside_the_zone_nobody_edits_exports_or_erases_it(wei, api):
    client = api("global-admin")
    assert client.patch(f"/api/v1/contacts/{wei.pk}/", {"job_title": "x"}).status_code == 403
    assert client.get(f"/api/v1/contacts/{wei.pk}/export/").status_code == 403
    assert client.post(f"/api/v1/contacts/{wei.pk}/erase/").status_code == 403
    assert Contact.objects.get(pk=wei.pk).erased_at is None


def test_the_dashboard_masks_it_too(wei, client, tenants):
    client.force_login(tenants.user("global-admin"))
    page = client.get(f"/accounts/{wei.account_id}/")
    assert page.status_code == 200
    assert "wei@sh.cn" not in page.content.decode() and "Zhang" not in page.content.decode()


def test_managers_export_and_erase_through_the_api(tenants, api):
    account = Account.objects.create(owner_unit=tenants.unit("fr"), name="Client SAS")
    contact = Contact.objects.create(account=account, last_name="Martin", email="m@client.fr")
    assert api("fr-marketer").get(f"/api/v1/contacts/{contact.pk}/export/").status_code == 403
    manager = api("fr-manager")
    exported = manager.get(f"/api/v1/contacts/{contact.pk}/export/")
    assert exported.status_code == 200 and exported.json()["contact"]["email"] == "m@client.fr"
    assert (
        manager.post(f"/api/v1/contacts/{contact.pk}/erase/", {"reason": "bogus"}).status_code
        == 400
    )
    assert manager.post(f"/api/v1/contacts/{contact.pk}/erase/").status_code == 204
    assert Contact.objects.get(pk=contact.pk).email == ""
