"""Language fallback chains: the contact's language, its base, then the unit's chain."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from content.locales import language_chain
from content.models import LocaleChain


def test_default_chain_is_language_base_then_organisation_default(tenants):
    assert language_chain(tenants.unit("fr"), "fr-CA") == ["fr-CA", "fr", "en"]
    assert language_chain(tenants.unit("fr"), "en") == ["en"]
    assert language_chain(tenants.unit("fr"), "") == ["en"]


def test_the_nearest_configured_unit_wins(tenants):
    LocaleChain.objects.create(owner_unit=tenants.unit("emea"), chain=["de", "en"])
    LocaleChain.objects.create(owner_unit=tenants.unit("fr"), chain=["fr", "en"])
    assert language_chain(tenants.unit("fr"), "fr-CA") == ["fr-CA", "fr", "en"]
    assert language_chain(tenants.unit("fr"), "") == ["fr", "en"]
    assert language_chain(tenants.unit("de"), "pl") == ["pl", "de", "en"]  # EMEA's chain
    assert language_chain(tenants.unit("us"), "es-MX") == ["es-MX", "es", "en"]


def test_a_chain_lists_valid_tags_once(tenants):
    with pytest.raises(ValidationError) as exc:
        LocaleChain(owner_unit=tenants.unit("fr"), chain=["fr", "french"]).full_clean()
    assert "french" in exc.value.message_dict["chain"][0]
    with pytest.raises(ValidationError):
        LocaleChain(owner_unit=tenants.unit("fr"), chain=["fr", "FR"]).full_clean()
