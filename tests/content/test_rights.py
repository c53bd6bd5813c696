"""Usage rights: intersected down the chain, never widened, checked for a use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from content import services
from content.rights import rights_allow
from tests.content.conftest import fresh


def test_effective_rights_are_the_intersection_along_the_chain(tenants, library):
    now = timezone.now()
    services.set_rights(
        tenants.user("global-marketer"),
        library.core,
        territories=["FR", "DE", "US"],
        expires_at=now + timedelta(days=30),
    )
    services.set_rights(
        tenants.user("emea-marketer"),
        library.regional,
        territories=["FR", "DE"],
        channels=["email"],
    )
    local = fresh(library.local)
    assert rights_allow(local, "FR", "email", now) is None
    assert "Not licensed in US" in rights_allow(local, "US", "email", now)  # EMEA narrowed
    assert "only email" in rights_allow(local, "DE", "linkedin", now)
    expired = rights_allow(local, "FR", "email", now + timedelta(days=31))
    assert "expired" in expired and "Acme Global" in expired
    assert "country is unknown" in rights_allow(local, "", "email", now)
    assert rights_allow(fresh(library.core), "US", "linkedin", now) is None


def test_a_child_may_not_widen_its_parents_rights(tenants, library):
    now = timezone.now()
    services.set_rights(
        tenants.user("global-marketer"),
        library.core,
        territories=["FR"],
        channels=["email", "linkedin"],
        valid_from=now,
        expires_at=now + timedelta(days=10),
    )
    with pytest.raises(ValidationError) as exc:
        services.set_rights(
            tenants.user("emea-marketer"),
            library.regional,
            territories=["FR", "DE"],
            channels=["wechat"],
            valid_from=now - timedelta(days=1),
            expires_at=now + timedelta(days=20),
        )
    errors = exc.value.message_dict
    assert (
        "DE would widen the territories licensed by “Grid resilience” (Acme Global)"
        in (errors["territories"][0])
    )
    assert "wechat" in errors["channels"][0]
    assert "Acme Global" in errors["valid_from"][0] and "Acme Global" in errors["expires_at"][0]
    services.set_rights(
        tenants.user("emea-marketer"), library.regional, territories=["FR"], channels=["email"]
    )  # narrowing is fine


def test_unknown_codes_and_inverted_dates_are_refused(tenants, library):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        services.set_rights(
            tenants.user("global-marketer"),
            library.core,
            territories=["XX"],
            channels=["fax"],
            valid_from=now,
            expires_at=now - timedelta(days=1),
        )
    assert {"territories", "channels", "expires_at"} <= set(exc.value.message_dict)
