"""Bulk validation and upsert matching give the verdicts of ``full_clean`` and of a plain
lookup, only faster."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import imports, validation
from accounts.models import Account

FK_FIELDS = ["owner_unit", "parent", "lifecycle_changed_by"]


def full_clean_errors(account: Account) -> dict[str, list[str]]:
    try:
        account.full_clean(exclude=FK_FIELDS, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return validation.error_dict(exc)
    return {}


def bulk_errors(account: Account) -> dict[str, list[str]]:
    fields = validation.fields_to_check(frozenset(validation.MODEL_FIELDS) - {"name_key"})
    try:
        validation.validate_account(account, fields, "en")
    except ValidationError as exc:
        return validation.error_dict(exc)
    return {}


@pytest.mark.parametrize(
    "values",
    [
        {"name": "Acme"},
        {"name": ""},
        {"name": "x" * 200},
        {"name": "x" * 201},
        {"name": "Nul\x00Byte"},
        {"name": "Acme", "legal_name": "y" * 256},
        {"name": "Acme", "country": "Atlantis"},
        {"name": "Acme", "country": "FRA"},
        {"name": "Acme", "employee_band": "huge"},
        {"name": "Acme", "tier": "one_to_one"},
        {"name": "Acme", "tier": "1:1"},
        {"name": "Acme", "annual_revenue": "12.5", "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": "twelve", "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": "-3", "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": "1e30", "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": "5"},
        {"name": "Acme", "annual_revenue": 0, "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": 10**16 - 1, "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": 10**16, "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": -(10**16) + 1, "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": -(10**16), "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": 0.1, "revenue_currency": "EUR"},
        {"name": "Acme", "annual_revenue": Decimal("12.345"), "revenue_currency": "EUR"},
        {"name": "Acme", "revenue_currency": "EURO"},
        {"name": "Acme", "tags": ["a", "b"], "crm_ids": {"sf": "001"}},
        {"name": "Acme", "tags": [], "crm_ids": {}},
        {"name": "Acme", "tags": [{"nested": [1, 2]}], "crm_ids": {"sf": {"id": 1}}},
        {"name": "Acme", "tags": [{1, 2}]},
        {"name": "Acme", "crm_ids": {"when": Decimal("1")}},
        {"name": "Acme", "domain": "https://www.acme.co.uk/x"},
    ],
)
def test_bulk_validation_gives_the_verdict_of_full_clean(tenants, values):
    unit = tenants.unit("fr")
    expected = Account(owner_unit=unit, **values)
    checked = Account(owner_unit=unit, **values)
    assert bulk_errors(checked) == full_clean_errors(expected)
    if not full_clean_errors(Account(owner_unit=unit, **values)):
        for name in ("name", "country", "domain", "annual_revenue", "tier", "name_key"):
            assert getattr(checked, name) == getattr(expected, name), name


def test_lookup_matches_the_lowest_id_within_the_unit_by_domain_else_by_name(tenants):
    fr, de = tenants.unit("fr"), tenants.unit("de")
    other_unit = Account.objects.create(owner_unit=de, name="Acme", domain="acme.com")
    first = Account.objects.create(owner_unit=fr, name="Acme SA", domain="acme.com")
    Account.objects.create(owner_unit=fr, name="Acme Again", domain="acme.com")
    nameless = Account.objects.create(owner_unit=fr, name="Bolt S.A.")
    Account.objects.create(owner_unit=fr, name="BOLT")
    keys = [
        ("d", fr.pk, "acme.com"),
        ("d", de.pk, "acme.com"),
        ("n", fr.pk, "bolt"),
        ("n", de.pk, "bolt"),
        ("d", fr.pk, "unknown.com"),
        ("n", fr.pk, ""),
    ]
    found = imports._existing_accounts(keys)
    assert {key: account.pk for key, account in found.items()} == {
        ("d", fr.pk, "acme.com"): first.pk,
        ("d", de.pk, "acme.com"): other_unit.pk,
        ("n", fr.pk, "bolt"): nameless.pk,
    }
