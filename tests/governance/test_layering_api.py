"""The layering engine through the API: adapt, override, refusals, review, locks."""

from __future__ import annotations

import pytest

from glocal import layering
from governance.models import Directive


@pytest.fixture
def core(tenants):
    return Directive.objects.create(
        owner_unit=tenants.unit("global"),
        title="Brand voice",
        body="Be clear.",
        legal_notice="© Acme",
        status="published",
    )


def test_a_region_adapts_and_a_local_adapts_the_adaptation(core, api, tenants):
    emea = api("emea-marketer").post(
        "/api/v1/directives/",
        {"parent": core.pk, "body": "Be clear in every language."},
        format="json",
    )
    assert emea.status_code == 201, emea.json()
    assert emea.json()["title"] == "Brand voice"
    assert emea.json()["overridden_fields"] == ["body"]
    # A draft adaptation stays invisible below until the region publishes it.
    fr_client = api("fr-marketer")
    hidden = fr_client.post("/api/v1/directives/", {"parent": emea.json()["id"]}, format="json")
    assert hidden.status_code == 400
    published = api("emea-marketer").patch(
        f"/api/v1/directives/{emea.json()['id']}/", {"status": "published"}, format="json"
    )
    assert published.status_code == 200
    fr = api("fr-marketer").post(
        "/api/v1/directives/", {"parent": emea.json()["id"], "title": "Notre voix"}, format="json"
    )
    assert fr.status_code == 201, fr.json()
    body = fr.json()
    assert (body["title"], body["body"], body["owner_unit_code"]) == (
        "Notre voix",
        "Be clear in every language.",
        "fr",
    )


def test_a_policy_refusal_is_a_400_naming_the_field_and_rule(core, api, tenants):
    local = layering.adapt(core, tenants.unit("fr"), {})
    response = api("fr-marketer").patch(
        f"/api/v1/directives/{local.pk}/", {"legal_notice": "Aucune"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "legal_notice" and "GLOBAL tier up" in error["detail"]
    assert Directive.objects.get(pk=local.pk).legal_notice == "© Acme"


def test_a_lock_refusal_names_the_owner_and_only_managers_lock(core, api, tenants):
    regional = layering.adapt(core, tenants.unit("emea"), {})
    local = layering.adapt(regional, tenants.unit("fr"), {})
    denied = api("emea-marketer").post(
        f"/api/v1/directives/{regional.pk}/locks/", {"lock": ["title"]}, format="json"
    )
    assert denied.status_code == 403
    locked = api("emea-manager").post(
        f"/api/v1/directives/{regional.pk}/locks/", {"lock": ["title"]}, format="json"
    )
    assert locked.status_code == 200 and locked.json()["locked_fields"] == ["title"]
    refused = api("fr-marketer").patch(
        f"/api/v1/directives/{local.pk}/", {"title": "Autre"}, format="json"
    )
    assert refused.status_code == 400
    assert "locked by EMEA (REGION)" in refused.json()["errors"][0]["detail"]


def test_overview_review_and_revert(core, api, tenants):
    local = layering.adapt(core, tenants.unit("fr"), {"title": "Notre voix"})
    layering.set_fields(core, {"title": "Brand voice 2027"})
    layering.cascade(Directive.objects.get(pk=core.pk), ["title"])
    client = api("fr-marketer")
    overview = {
        row["field"]: row for row in client.get(f"/api/v1/directives/{local.pk}/governance/").json()
    }
    assert overview["title"]["stale"] and "+Brand voice 2027" in overview["title"]["diff"]
    assert overview["legal_notice"]["inherited_from"] == "global"
    assert overview["legal_notice"]["lowest_tier"] == "GLOBAL"
    kept = client.post(f"/api/v1/directives/{local.pk}/keep/", {"fields": ["title"]})
    assert kept.status_code == 200 and kept.json()["title"] == "Notre voix"
    reverted = client.post(f"/api/v1/directives/{local.pk}/revert/", {"fields": ["title"]})
    assert reverted.status_code == 200
    assert reverted.json()["title"] == "Brand voice 2027"
    again = client.post(f"/api/v1/directives/{local.pk}/revert/", {"fields": ["title"]})
    assert again.status_code == 400


def test_a_sibling_cannot_adapt_what_it_cannot_see(core, api, tenants):
    fr_draft = Directive.objects.create(owner_unit=tenants.unit("fr"), title="fr only")
    response = api("de-marketer").post(
        "/api/v1/directives/", {"parent": fr_draft.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "parent"
