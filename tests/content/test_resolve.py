"""Resolution: most specific published layer, language chain, rights, constant queries."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Contact
from content import services
from content.models import LocaleChain
from content.resolve import resolve, resolve_one
from tests.content.conftest import fresh, publish


def contact_in(tenants, unit: str, country: str, language: str = "en", name: str = "X"):
    account = Account.objects.create(owner_unit=tenants.unit(unit), name=name, country=country)
    return Contact.objects.create(account=account, last_name=name, language=language)


def test_most_specific_published_layer_first(tenants, library):
    personal = services.derive_asset(
        tenants.user("fr-marketer"),
        library.local,
        tenants.unit("fr"),
        {"personal_text": "Vu à Lyon"},
        account=library.account,
    )
    other_fr = contact_in(tenants, "fr", "FR", name="Engie")
    german = contact_in(tenants, "de", "DE", name="RWE")
    american = contact_in(tenants, "us", "US", name="Duke")
    contacts = [library.contact, other_fr, german, american]
    # Only the core and EMEA's adaptation are published so far.
    got = [r.asset for r in resolve(library.core, contacts=contacts, channel="email")]
    assert got == [library.regional, library.regional, library.regional, library.core]
    publish(library.local, personal)
    results = resolve(library.core, contacts=contacts, channel="email")
    assert [r.asset for r in results] == [personal, library.local, library.regional, library.core]
    assert results[0].values["personal_text"] == "Vu à Lyon"
    assert results[0].values["brand_claim"] == "Acme keeps the lights on"
    assert results[1].values["intro"] == "Hello France,"
    assert results[0].usable and results[0].reason == ""


def test_a_retired_or_unpublished_source_takes_its_variants_out(tenants, library):
    publish(library.local)
    services.edit_asset(tenants.user("emea-marketer"), library.regional, {"cta_label": "More"})
    from content.publishing import retire_asset

    retire_asset(tenants.user("emea-manager"), library.regional)
    result = resolve_one(library.core, library.contact, channel="email")
    assert result.asset == library.core  # EMEA's node and France's below it are out


def test_rights_fall_back_to_the_next_allowed_layer(tenants, library):
    publish(library.local)
    now = timezone.now()
    services.set_rights(tenants.user("fr-marketer"), library.local, channels=["email"])
    services.set_rights(
        tenants.user("emea-marketer"), library.regional, expires_at=now + timedelta(days=7)
    )
    assert resolve_one(library.core, library.contact, channel="email").asset == library.local
    # LinkedIn: France's variant is email-only; EMEA's adaptation is still licensed.
    assert resolve_one(library.core, library.contact, channel="linkedin").asset == library.regional
    # After EMEA's expiry its adaptation and France's variant are out; the core remains.
    later = resolve_one(
        library.core, library.contact, channel="linkedin", when=now + timedelta(days=8)
    )
    assert later.asset == library.core


def test_a_clear_reason_when_nothing_is_usable(tenants, library):
    services.set_rights(tenants.user("global-marketer"), library.core, territories=["FR", "DE"])
    american = contact_in(tenants, "us", "US", name="Duke")
    result = resolve_one(library.core, american, channel="email")
    assert not result.usable and result.asset is None and result.values == {}
    assert "No version of “Grid resilience” may be used here" in result.reason
    assert "Not licensed in US: only DE, FR (set by “Grid resilience” (Acme Global))" in (
        result.reason
    )
    draft = services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="ad", language="en",
        values={"title": "Spring ad"},
    )  # fmt: skip
    result = resolve_one(draft, library.contact, channel="ads")
    assert result.reason == "No published version of “Spring ad” in en is available to France."


def test_the_language_chain_picks_the_contacts_language_first(tenants, library):
    publish(library.local)
    french = services.translate_asset(
        tenants.user("global-marketer"), library.core, "fr", {"title": "Résilience du réseau"}
    )
    canadian = services.translate_asset(
        tenants.user("global-marketer"), library.core, "fr-CA", {"title": "Résilience (CA)"}
    )
    publish(french)
    speaks = {
        lang: Contact.objects.create(account=library.account, last_name=lang, language=lang)
        for lang in ("fr-CA", "fr-BE", "de")
    }
    results = resolve(library.local, contacts=speaks.values(), channel="email")
    assert [r.asset for r in results] == [french, french, library.local]
    assert results[0].languages == ["fr-CA", "fr", "en"]
    publish(canadian)
    assert resolve_one(french, speaks["fr-CA"], channel="email").asset == canadian
    # A unit's configured chain applies to contacts without a language of their own.
    LocaleChain.objects.create(owner_unit=tenants.unit("emea"), chain=["fr", "en"])
    silent = Contact.objects.create(account=library.account, last_name="Silent")
    assert resolve_one(library.core, silent, channel="email").asset == french


def test_constant_number_of_queries_for_any_number_of_contacts(tenants, library):
    publish(library.local)
    services.derive_asset(
        tenants.user("fr-marketer"), library.local, tenants.unit("fr"), {}, account=library.account
    )
    accounts = [
        Account.objects.create(owner_unit=tenants.unit(code), name=f"A{i}", country=country)
        for i, (code, country) in enumerate([("fr", "FR"), ("de", "DE"), ("us", "US")] * 4)
    ]
    Contact.objects.bulk_create(
        Contact(
            account=accounts[i % len(accounts)],
            owner_unit_id=accounts[i % len(accounts)].owner_unit_id,
            last_name=f"C{i}",
            language=["en", "fr", "de-AT"][i % 3],
        )
        for i in range(199)
    )
    many = [library.contact, *Contact.objects.exclude(pk=library.contact.pk)]
    assert len(many) == 200
    asset = fresh(library.core)
    with CaptureQueriesContext(connection) as one:
        resolve(asset, contacts=many[:1], channel="email")
    with CaptureQueriesContext(connection) as all_of_them:
        results = resolve(asset, contacts=many, channel="email")
    assert len(one) == len(all_of_them) <= 5
    assert all(r.usable for r in results)


def test_an_unknown_slot_says_so(library):
    import uuid

    result = resolve_one(uuid.uuid4(), library.contact, channel="email")
    assert not result.usable and "does not exist" in result.reason
