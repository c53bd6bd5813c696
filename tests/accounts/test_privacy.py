"""Access export, erasure everywhere, retention purge and PIPL-zone visibility."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts import privacy
from accounts.models import Account, Consent, Contact, ErasureLog
from glocal.changes import acting_as

PERSON = {
    "first_name": "Ingrid",
    "last_name": "Zylberstein",
    "email": "ingrid.zylberstein@example-client.de",
    "phone": "+4930123456789",
    "job_title": "Chief Procurement Officer",
}


@pytest.fixture
def person(tenants):
    account = Account.objects.create(owner_unit=tenants.unit("de"), name="Client GmbH")
    with acting_as(tenants.user("de-marketer")):
        contact = Contact.objects.create(account=account, country="DE", **PERSON)
        contact.job_title = "CPO, " + PERSON["job_title"]
        contact.save()
        Consent.objects.create(
            contact=contact,
            channel="email",
            status="granted",
            lawful_basis="consent",
            source=f"form signed by {PERSON['email']}",
            evidence=f"IP log for {PERSON['first_name']} {PERSON['last_name']}",
            recorded_at=timezone.now(),
        )
    return contact


def rows_mentioning(text: str) -> list[str]:
    """Every row of every table with a text or JSON column containing ``text``."""
    found = []
    for model in apps.get_models():
        lookups = models.Q()
        for field in model._meta.concrete_fields:
            if isinstance(
                field, models.CharField | models.TextField | models.EmailField | models.JSONField
            ):
                lookups |= models.Q(**{f"{field.attname}__icontains": text})
        if lookups and model._base_manager.filter(lookups).exists():
            found.append(model._meta.label)
    return found


def test_erasure_leaves_no_personal_data_in_any_table(person, tenants):
    # The audit trail and the consent recorded the person's data on the way in.
    assert "governance.AuditEntry" in rows_mentioning(PERSON["last_name"])
    log = privacy.erase_contact(person, actor=tenants.user("de-manager"))
    for value in PERSON.values():
        assert rows_mentioning(value) == [], value
    person.refresh_from_db()
    assert person.erased_at and person.do_not_contact
    assert log.summary["contact"] == 1 and log.summary["audit_entries"] >= 3
    assert ErasureLog.objects.get().contact_id == person.pk


def test_access_export_contains_everything_about_the_person(person):
    data = privacy.export_contact(person)
    assert data["contact"]["email"] == PERSON["email"]
    assert data["consents"][0]["channel"] == "email"
    assert data["account"]["name"] == "Client GmbH"


def test_contributors_erase_and_export_their_own_data(person):
    calls = []
    privacy.register(
        privacy.Contributor(
            "test-app", export=lambda c: {"touches": 3}, erase=lambda c: calls.append(c.pk) or 3
        )
    )
    try:
        assert privacy.export_contact(person)["test-app"] == {"touches": 3}
        log = privacy.erase_contact(person)
        assert calls == [person.pk] and log.summary["test-app"] == 3
    finally:
        privacy._contributors.pop("test-app")


def test_retention_purges_only_stale_contacts_of_accounts_not_pursued(person, tenants):
    old = timezone.now() - datetime.timedelta(days=800)
    Contact._base_manager.filter(pk=person.pk).update(updated_at=old)
    selected = Account.objects.create(
        owner_unit=tenants.unit("de"), name="Active", lifecycle="selected"
    )
    kept = Contact.objects.create(account=selected, email="keep@active.de")
    Contact._base_manager.filter(pk=kept.pk).update(updated_at=old)
    assert privacy.purge_expired() == 1
    assert Contact.objects.get(pk=person.pk).erased_at is not None
    assert Contact.objects.get(pk=kept.pk).erased_at is None


@pytest.fixture
def chinese_contact(tenants):
    account = Account.objects.create(owner_unit=tenants.unit("cn"), name="Shanghai Co")
    return Contact.objects.create(
        account=account, first_name="Wei", last_name="Zhang", email="wei@sh.cn", country="CN"
    )


def test_pipl_contacts_are_masked_outside_the_cn_zone(chinese_contact, tenants):
    emea = tenants.user("global-admin")  # sees every Acme row, but is not in the CN zone
    [seen] = privacy.protect(emea, [Contact.objects.get(pk=chinese_contact.pk)])
    assert seen.email == privacy.MASK and seen.last_name == privacy.MASK
    assert seen.country == "CN"  # non-personal attributes stay for aggregates
    [local] = privacy.protect(
        tenants.user("cn-marketer"), [Contact.objects.get(pk=chinese_contact.pk)]
    )
    assert local.email == "wei@sh.cn"


def test_an_explicit_grant_reveals_one_pipl_contact(chinese_contact, tenants):
    user = tenants.user("apac-manager")  # APAC hub: GLOBAL residency zone
    assert privacy.visible_personal_data(user, [chinese_contact]) == set()
    assign_perm("accounts.view_personal_data", user, chinese_contact)
    assert privacy.visible_personal_data(user, [chinese_contact]) == {chinese_contact.pk}
