"""Accounts, contacts and consents: cleaning, residency and ownership rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import normalise
from accounts.models import Account, Consent, Contact


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.shop.acme.co.uk/about", "acme.co.uk"),
        ("ACME.com", "acme.com"),
        ("jane@mail.acme.fr", "acme.fr"),
        ("localhost", ""),
        ("", ""),
    ],
)
def test_registrable_domain(raw, expected):
    assert normalise.registrable_domain(raw) == expected


def test_company_key_ignores_legal_forms_accents_and_case():
    assert normalise.company_key("Société Générale S.A.") == normalise.company_key(
        "SOCIETE GENERALE"
    )
    assert normalise.company_key("Acme GmbH") == "acme"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("fr", "FR"), ("France", "FR"), ("DEU", "DE"), ("Narnia", "")],
)
def test_country_code(raw, expected):
    assert normalise.country_code(raw) == expected


def test_phone_and_email_cleaning():
    assert normalise.phone_number("+33 (0)1 23 45 67 89") == "+330123456789"
    assert normalise.phone_number("0049 30 1234567") == "+49301234567"
    assert normalise.phone_number("12") == ""
    assert normalise.email_address(" Jane.Doe@ACME.COM ") == "Jane.Doe@acme.com"
    assert normalise.email_address("not-an-email") == ""


def test_an_account_belongs_to_a_local_team_and_is_cleaned(tenants):
    account = Account(owner_unit=tenants.unit("emea"), name="Acme", domain="www.acme.com")
    with pytest.raises(ValidationError) as exc:
        account.full_clean()
    assert "owner_unit" in exc.value.message_dict
    account.owner_unit = tenants.unit("fr")
    account.country = "France"
    account.full_clean()
    assert (account.domain, account.country) == ("acme.com", "FR")


def test_a_family_stays_in_one_organisation_and_has_no_loops(tenants):
    parent = Account.objects.create(owner_unit=tenants.unit("de"), name="Siemens AG")
    child = Account.objects.create(owner_unit=tenants.unit("fr"), name="Siemens SAS", parent=parent)
    parent.parent = child
    with pytest.raises(ValidationError):
        parent.full_clean()
    foreign = Account(owner_unit=tenants.unit("fr", org="globex"), name="X", parent=parent)
    with pytest.raises(ValidationError):
        foreign.full_clean()


@pytest.mark.parametrize(
    ("country", "zone"), [("FR", "EU"), ("CN", "CN"), ("GB", "UK"), ("US", "US"), ("IN", "GLOBAL")]
)
def test_residency_zone_is_derived_from_the_country(tenants, country, zone):
    account = Account.objects.create(owner_unit=tenants.unit("fr"), name="A")
    contact = Contact.objects.create(account=account, last_name="Li", country=country)
    assert contact.residency_zone == zone
    assert contact.owner_unit == account.owner_unit


def test_one_current_consent_per_channel_and_purpose(tenants):
    account = Account.objects.create(owner_unit=tenants.unit("fr"), name="A")
    contact = Contact.objects.create(account=account, email="a@a.fr")
    Consent.objects.create(
        contact=contact,
        channel="email",
        status="granted",
        lawful_basis="consent",
        recorded_at=timezone.now(),
    )
    assert Consent.objects.get().owner_unit == contact.owner_unit
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            contact=contact,
            channel="email",
            status="denied",
            lawful_basis="consent",
            recorded_at=timezone.now(),
        )
