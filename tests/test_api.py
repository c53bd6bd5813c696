"""API conventions: tokens, current unit, errors, pagination, filters, throttling, schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def test_it_issues_a_hashed_expiring_token(tenants):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "fr-marketer", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    stored = AuthToken.objects.get(user__username="fr-marketer")
    assert key not in (stored.digest, stored.token_key)  # only a digest is kept
    assert stored.expiry > timezone.now()


def test_wrong_credentials_answer_400_with_a_field_error(tenants):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "fr-marketer", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["errors"][0]["code"] == "authorization"


def test_missing_fields_are_named(tenants):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"username", "password"}


def test_an_expired_token_is_refused(tenants, api):
    client = api("fr-marketer")
    AuthToken.objects.filter(user__username="fr-marketer").update(
        expiry=timezone.now() - timedelta(seconds=1)
    )
    assert client.get("/api/v1/me/").status_code == 401


def test_a_revoked_token_is_refused(tenants, api):
    client = api("fr-marketer")
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_me_tells_who_and_for_which_unit(tenants, api):
    body = api("fr-marketer").get("/api/v1/me/").json()
    assert body["username"] == "fr-marketer"
    assert body["current_unit"]["code"] == "fr"
    assert [m["unit"]["code"] for m in body["memberships"]] == ["fr"]


@pytest.fixture
def multi_member(tenants):
    from glocal.models import Membership

    user = tenants.user("fr-marketer")
    Membership.objects.create(user=user, unit=tenants.unit("de"), role="viewer")
    return user


def test_the_current_unit_is_switchable_by_header(multi_member, api):
    client = api("fr-marketer")
    assert client.get("/api/v1/me/").json()["current_unit"]["code"] in {"fr", "de"}
    body = client.get("/api/v1/me/", HTTP_X_GLOCAL_UNIT="de").json()
    assert body["current_unit"]["code"] == "de"


def test_an_unknown_unit_header_is_a_400(tenants, api):
    response = api("fr-marketer").get("/api/v1/me/", HTTP_X_GLOCAL_UNIT="de")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_unit"


def test_lists_are_paginated_and_filterable(tenants, api):
    client = api("global-admin")
    body = client.get("/api/v1/org-units/", {"tier": "LOCAL", "page_size": 3}).json()
    assert body["count"] == 8
    assert len(body["results"]) == 3
    assert body["next"]
    found = client.get("/api/v1/org-units/", {"q": "germ"}).json()["results"]
    assert [u["code"] for u in found] == ["de"]
    members = client.get("/api/v1/memberships/", {"unit_code": "fr", "role": "admin"}).json()
    assert [m["user"] for m in members["results"]] == ["fr-admin"]


def test_an_admin_creates_a_local_unit_under_its_region(tenants, api):
    response = api("emea-admin").post(
        "/api/v1/org-units/",
        {
            "parent": tenants.unit("emea").pk,
            "tier": "LOCAL",
            "code": "es",
            "name": "Spain",
            "countries": ["ES"],
            "timezone": "Europe/Madrid",
            "languages": ["es"],
            "currency": "EUR",
            "regulations": ["GDPR"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organization"] == "acme-industrial"


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"tier": "REGION", "code": "x", "name": "X"}, "parent"),  # REGION under REGION
        ({"tier": "LOCAL", "code": "fr", "name": "Dup"}, "code"),  # code taken
        ({"tier": "LOCAL", "code": "x", "name": "X", "timezone": "Nowhere/Land"}, "timezone"),
        ({"tier": "LOCAL", "code": "x", "name": "X", "countries": "FR"}, "countries"),
        ({"tier": "BOGUS", "code": "x", "name": "X"}, "tier"),
        ({"tier": "LOCAL", "code": "x y", "name": "X"}, "code"),
    ],
)
def test_bad_units_answer_400_with_the_field(tenants, api, payload, attr):
    payload = {"parent": tenants.unit("emea").pk, **payload}
    response = api("emea-admin").post("/api/v1/org-units/", payload, format="json")
    assert response.status_code == 400, response.content
    assert attr in {e["attr"] for e in response.json()["errors"]}


def test_an_unknown_or_foreign_parent_is_a_400_not_a_leak(tenants, api):
    client = api("emea-admin")
    for parent in (999999, tenants.unit("emea", org="globex").pk, tenants.unit("amer").pk):
        response = client.post(
            "/api/v1/org-units/",
            {"parent": parent, "tier": "LOCAL", "code": "x", "name": "X"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "parent"


def test_a_superuser_gets_the_cross_organisation_rule_by_name(tenants, api):
    response = api("ops").patch(
        f"/api/v1/org-units/{tenants.unit('fr').pk}/",
        {"parent": tenants.unit("emea", org="globex").pk},
        format="json",
    )
    assert response.status_code == 400
    assert "another organisation" in response.json()["errors"][0]["detail"]


def test_rename_move_and_retire_through_the_api(tenants, api):
    client = api("global-admin")
    fr = tenants.unit("fr")
    assert client.patch(f"/api/v1/org-units/{fr.pk}/", {"name": "France SAS"}).status_code == 200
    moved = client.patch(f"/api/v1/org-units/{fr.pk}/", {"parent": tenants.unit("amer").pk})
    assert moved.status_code == 200
    retire = client.post(
        f"/api/v1/org-units/{fr.pk}/retire/", {"reassign_to": tenants.unit("us").pk}
    )
    assert retire.status_code == 200, retire.json()
    assert retire.json()["unit"]["is_active"] is False
    again = client.post(
        f"/api/v1/org-units/{fr.pk}/retire/", {"reassign_to": tenants.unit("us").pk}
    )
    assert again.status_code == 400
    assert client.post(f"/api/v1/org-units/{fr.pk}/reactivate/").status_code == 200


def test_units_cannot_be_deleted(tenants, api):
    response = api("global-admin").delete(f"/api/v1/org-units/{tenants.unit('fr').pk}/")
    assert response.status_code == 405


def test_a_directive_defaults_to_the_current_unit(tenants, api):
    response = api("fr-marketer").post("/api/v1/directives/", {"title": "Q1 focus"})
    assert response.status_code == 201, response.json()
    assert response.json()["owner_unit_code"] == "fr"
    assert response.json()["created_by"] == "fr-marketer"


def test_a_directive_cannot_be_given_to_a_unit_outside_ones_scope(tenants, api):
    response = api("fr-marketer").post(
        "/api/v1/directives/", {"title": "x", "owner_unit": tenants.unit("emea").pk}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "owner_unit"


def test_membership_roles_are_validated(tenants, api):
    response = api("fr-admin").post(
        "/api/v1/memberships/",
        {"user": "de-viewer", "unit": tenants.unit("fr").pk, "role": "emperor"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "role"


def test_unknown_api_paths_answer_json_404(tenants, api):
    response = api("fr-marketer").get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.fixture
def low_unit_quota(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "unit": "3/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        from rest_framework.settings import api_settings
        from rest_framework.throttling import SimpleRateThrottle

        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()
        yield
    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    cache.clear()


def test_one_units_quota_does_not_starve_another_unit(tenants, api, low_unit_quota):
    fr_one, fr_two, de = api("fr-marketer"), api("fr-viewer"), api("de-marketer")
    statuses = [fr_one.get("/api/v1/me/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    # The quota is shared by the unit: another fr caller is throttled too ...
    throttled = fr_two.get("/api/v1/me/")
    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["code"] == "throttled"
    # ... while Germany is unaffected.
    assert de.get("/api/v1/me/").status_code == 200


def test_the_schema_is_valid_openapi_and_docs_are_served_locally(tenants, client):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert "/api/v1/org-units/" in schema["paths"]
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower()


def test_a_local_admin_may_resubmit_its_unit_with_the_current_parent(tenants, api):
    fr = tenants.unit("fr")
    client = api("fr-admin")
    body = client.get(f"/api/v1/org-units/{fr.pk}/").json()
    body["name"] = "France SAS"
    response = client.put(f"/api/v1/org-units/{fr.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    moved = client.patch(f"/api/v1/org-units/{fr.pk}/", {"parent": tenants.unit("amer").pk})
    assert moved.status_code == 400
