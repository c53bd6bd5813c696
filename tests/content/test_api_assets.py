"""Content assets over the API: CRUD, derive, layering refusals, publication, history."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from content import services
from content.models import Asset, Status
from governance.models import ApprovalRequest
from tests.content.conftest import fresh, run_cascade

ASSETS = "/api/v1/content/assets/"


def errors(response) -> dict[str, str]:
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


def url(asset: Asset, suffix: str = "") -> str:
    return f"{ASSETS}{asset.pk}/{suffix}"


def test_a_core_is_created_as_a_draft_through_the_service(tenants, api):
    client = api("global-marketer")
    response = client.post(
        ASSETS,
        {
            "owner_unit": tenants.unit("global").pk,
            "kind": "case_study",
            "language": "EN",
            "title": "Smart grid in Lyon",
            "body": "<p>Hi {{ contact.first_name }}</p><script>x()</script>",
            "industries": ["energy"],
            "territories": ["fr", "DE"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["layer"] == "core" and body["language"] == "en"
    assert body["body"] == "<p>Hi {{ contact.first_name }}</p>"  # sanitised, token kept
    assert body["territories"] == ["FR", "DE"]
    assert body["effective_rights"]["territories"] == ["DE", "FR"]
    assert body["rights_status"] == "ok" and body["stale_fields"] == []
    assert Asset.objects.get(pk=body["id"]).created_by.username == "global-marketer"


def test_unknown_tokens_and_template_tags_are_refused_at_authoring_time(tenants, api, library):
    client = api("global-marketer")
    response = client.post(
        ASSETS,
        {
            "kind": "email",
            "language": "en",
            "title": "Hi {{ contact.age }}",
            "body": "{% for x in y %}{{ settings.SECRET_KEY }}{% endfor %}",
        },
    )
    assert response.status_code == 400
    found = errors(response)
    assert 'Unknown token "contact.age"' in found["title"]
    assert "Template tags are not allowed" in found["body"] or "SECRET_KEY" in found["body"]
    edit = client.patch(url(library.core), {"intro": "{{ account.owner.password }}"})
    assert edit.status_code == 400 and "intro" in errors(edit)
    derive = api("fr-marketer").post(
        url(library.regional, "derive/"),
        {"owner_unit": tenants.unit("fr").pk, "values": {"cta_label": "{{ user }}"}},
    )
    assert derive.status_code == 400 and "cta_label" in errors(derive)


def test_derive_creates_a_variant_and_names_policy_and_lock_owners(tenants, api, library):
    fr = tenants.unit("fr")
    client = api("fr-marketer")
    response = client.post(
        url(library.regional, "derive/"), {"owner_unit": fr.pk, "values": {"intro": "Salut,"}}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["layer"] == "local" and body["parent"] == library.regional.pk
    assert body["family"] == str(library.core.family)
    assert body["overridden_fields"] == ["intro"]
    assert body["body"] == "<p>Outages cost EU utilities money.</p>"  # inherited
    policy = client.post(
        url(library.regional, "derive/"), {"owner_unit": fr.pk, "values": {"brand_claim": "X"}}
    )
    assert policy.status_code == 400
    assert "GLOBAL tier up" in errors(policy)["brand_claim"]
    locks = {"lock": ["brand_claim", "title"]}
    locked = api("global-manager").post(url(library.core, "locks/"), locks)
    assert locked.status_code == 200 and locked.json()["locked_fields"] == ["brand_claim", "title"]
    assert api("fr-marketer").post(url(library.core, "locks/"), locks).status_code == 403
    refused = api("emea-marketer").patch(url(library.regional), {"brand_claim": "EU claim"})
    assert refused.status_code == 400 and "GLOBAL" in errors(refused)["brand_claim"]
    title = client.patch(url(library.local), {"title": "Réseau"})
    assert title.status_code == 400
    assert "locked by Acme Global (GLOBAL)" in errors(title)["title"]
    unknown = client.post(
        url(library.regional, "derive/"), {"owner_unit": fr.pk, "values": {"colour": "red"}}
    )
    assert unknown.status_code == 400 and "colour" in next(iter(errors(unknown).values()))


def test_a_per_account_personalisation_and_its_refusals(tenants, api, library):
    fr = tenants.unit("fr")
    client = api("fr-marketer")
    response = client.post(
        url(library.local, "derive/"),
        {"owner_unit": fr.pk, "account": library.account.pk, "values": {"personal_text": "Lyon"}},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["layer"] == "account"
    assert response.json()["account"] == library.account.pk
    # Germany cannot see the French account: refused like an unknown id.
    german = api("de-marketer").post(
        url(library.regional, "derive/"),
        {"owner_unit": tenants.unit("de").pk, "account": library.account.pk},
    )
    assert german.status_code == 400 and "account" in errors(german)
    # Germany may not own content for France.
    for_fr = api("de-marketer").post(url(library.regional, "derive/"), {"owner_unit": fr.pk})
    assert for_fr.status_code == 400 and "owner_unit" in errors(for_fr)
    viewer = api("fr-viewer").post(url(library.regional, "derive/"), {"owner_unit": fr.pk})
    assert viewer.status_code == 400 and "owner_unit" in errors(viewer)


def test_patch_edits_layered_fields_rights_and_tags(tenants, api, library):
    client = api("fr-marketer")
    response = client.patch(
        url(library.local),
        {"cta_label": "Lire", "channels": ["email"], "personas": ["cfo"], "kind": "ad"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["cta_label"] == "Lire" and body["kind"] == "email"  # kind stays
    assert body["overridden_fields"] == ["cta_label", "intro"]
    assert body["channels"] == ["email"] and body["personas"] == ["cfo"]
    widen = api("emea-marketer").patch(url(library.regional), {"channels": ["ads"]})
    assert widen.status_code == 200
    narrower = client.patch(url(library.local), {"channels": ["email", "phone"]})
    assert narrower.status_code == 400 and "channels" in errors(narrower)
    bad_url = client.patch(url(library.local), {"cta_url": "javascript:alert(1)"})
    assert bad_url.status_code == 400 and "cta_url" in errors(bad_url)


def test_rights_status_badges(tenants, api, library):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    client = api("fr-marketer")
    soon = client.patch(url(library.local), {"expires_at": (now + timedelta(days=3)).isoformat()})
    assert soon.json()["rights_status"] == "expiring_soon"
    later = client.patch(
        url(library.local),
        {
            "valid_from": (now + timedelta(days=1)).isoformat(),
            "expires_at": (now + timedelta(days=90)).isoformat(),
        },
    )
    assert later.json()["rights_status"] == "not_yet_valid"
    services.set_rights(
        tenants.user("global-marketer"), library.core, expires_at=now - timedelta(days=1)
    )
    listed = client.get(ASSETS, {"family": str(library.core.family), "layer": "local"}).json()
    assert [row["rights_status"] for row in listed["results"]] == ["expired"]
    assert listed["results"][0]["effective_rights"]["expires_at_by"].endswith("(Acme Global)")


def test_filters_and_tenant_isolation(tenants, api, library):
    client = api("fr-viewer")
    ids = {row["id"] for row in client.get(ASSETS, {"page_size": 500}).json()["results"]}
    assert {library.core.pk, library.regional.pk, library.local.pk} <= ids
    by_layer = client.get(ASSETS, {"layer": ["regional", "core"]}).json()["results"]
    assert {row["id"] for row in by_layer} >= {library.core.pk, library.regional.pk}
    assert library.local.pk not in {row["id"] for row in by_layer}
    assert client.get(ASSETS, {"industry": "energy"}).json()["count"] >= 3
    assert client.get(ASSETS, {"industry": "ener"}).json()["count"] == 0
    assert client.get(ASSETS, {"language": "EN", "kind": "email"}).json()["count"] >= 3
    assert client.get(ASSETS, {"kind": "nope"}).status_code == 400
    # Germany sees the published core and adaptation, never France's draft variant.
    german = {row["id"] for row in api("de-admin").get(ASSETS).json()["results"]}
    assert library.local.pk not in german and library.regional.pk in german
    assert api("de-admin").get(url(library.local)).status_code == 404
    assert api("globex-fr-admin").get(ASSETS).json()["count"] == 0
    assert api("globex-fr-admin").get(url(library.core)).status_code == 404
    assert client.patch(url(library.local), {"intro": "x"}).status_code == 403


def test_the_list_costs_the_same_for_one_or_many_rows(tenants, api, library):
    client = api("fr-viewer")
    client.get(ASSETS)  # token and scope caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(ASSETS, {"family": str(library.core.family)})
    for unit in ("fr", "fr", "fr"):
        services.derive_asset(
            tenants.user("fr-marketer"), library.regional, tenants.unit(unit), {"intro": "x"}
        )
    with CaptureQueriesContext(connection) as many:
        client.get(ASSETS, {"family": str(library.core.family)})
    assert len(many) == len(few)


def test_only_leaf_drafts_are_deleted(tenants, api, library):
    client = api("fr-marketer")
    refused = api("emea-marketer").delete(url(library.regional))
    assert refused.status_code == 400 and "status" in errors(refused)
    assert client.delete(url(library.local)).status_code == 204
    core = services.create_asset(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        kind="email",
        language="en",
        values={"title": "Draft core"},
    )
    services.translate_asset(tenants.user("global-marketer"), core, "fr", {"title": "Brouillon"})
    derived = api("global-marketer").delete(url(core))
    assert derived.status_code == 400 and "id" in errors(derived)


def test_publish_needs_approval_for_r_but_not_a_and_is_immediate_for_a(tenants, api, library):
    submitted = api("fr-marketer").post(url(library.local, "submit/"))
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    pending = api("fr-marketer").post(url(library.local, "publish/"), {"comment": "Prêt"})
    assert pending.status_code == 202, pending.json()
    request = ApprovalRequest.objects.get(pk=pending.json()["approval_request"])
    assert request.owner_unit.code == "emea" and request.status == "pending"
    assert fresh(library.local).status == Status.IN_REVIEW
    twice = api("fr-marketer").post(url(library.local, "publish/"))
    assert twice.status_code == 400  # already waiting for EMEA
    approved = api("emea-manager").post(f"/api/v1/approvals/{request.pk}/approve/")
    assert approved.status_code == 200
    assert fresh(library.local).status == Status.PUBLISHED
    other = services.derive_asset(
        tenants.user("fr-marketer"), library.regional, tenants.unit("fr"), {"intro": "Re,"}
    )
    published = api("emea-manager").post(url(other, "publish/"))
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    again = api("emea-manager").post(url(other, "publish/"))
    assert again.status_code == 400 and "status" in errors(again)
    assert api("fr-viewer").post(url(library.local, "retire/")).status_code == 403
    retired = api("fr-marketer").post(url(library.local, "retire/"))
    assert retired.status_code == 200 and retired.json()["status"] == "retired"


def test_stale_fields_diff_keep_and_revert(tenants, api, library):
    client = api("fr-marketer")
    client.patch(url(library.local), {"cta_label": "Lire la suite"})
    api("global-marketer").patch(url(library.core), {"cta_label": "Read the study"})
    run_cascade(library.core, "cta_label")
    run_cascade(library.regional, "cta_label")
    body = client.get(url(library.local)).json()
    assert body["stale_fields"] == ["cta_label"] and body["cta_label"] == "Lire la suite"
    listed = client.get(ASSETS, {"family": str(library.core.family), "layer": "local"}).json()
    assert listed["results"][0]["stale_fields"] == ["cta_label"]
    overview = client.get(url(library.local, "governance/")).json()
    row = next(r for r in overview if r["field"] == "cta_label")
    assert row["stale"] and "+Read the study" in row["diff"]
    # The core's history: version 2 changed the call to action.
    diff = client.get(url(library.core, "diff/")).json()
    assert diff["new"] == diff["old"] + 1
    change = next(f for f in diff["fields"] if f["field"] == "cta_label")
    assert (change["old"], change["new"]) == ("Read more", "Read the study")
    versions = client.get(url(library.core, "versions/")).json()["results"]
    assert versions[0]["number"] == diff["new"]
    assert client.get(url(library.core, "diff/"), {"old": 99}).status_code == 400
    assert client.get(url(library.core, "diff/"), {"old": "x"}).status_code == 400
    kept = client.post(url(library.local, "keep/"), {"fields": ["cta_label"]})
    assert kept.status_code == 200 and kept.json()["stale_fields"] == []
    reverted = client.post(url(library.local, "revert/"), {"fields": ["cta_label"]})
    assert reverted.status_code == 200
    assert reverted.json()["cta_label"] == "Read the study"
    assert "cta_label" not in reverted.json()["overridden_fields"]
    nothing = client.post(url(library.local, "revert/"), {"fields": ["title"]})
    assert nothing.status_code == 400 and "title" in errors(nothing)


def test_locale_chains_are_configured_by_unit_admins(tenants, api):
    chains = "/api/v1/content/locale-chains/"
    fr = tenants.unit("fr")
    refused = api("fr-marketer").post(chains, {"owner_unit": fr.pk, "chain": ["fr", "en"]})
    assert refused.status_code == 400 and "owner_unit" in errors(refused)
    created = api("fr-admin").post(chains, {"chain": ["FR-ca", "fr", "en"]})
    assert created.status_code == 201, created.json()
    assert created.json()["chain"] == ["fr-CA", "fr", "en"]
    assert created.json()["owner_unit_code"] == "fr"
    twice = api("fr-admin").post(chains, {"owner_unit": fr.pk, "chain": ["fr"]})
    assert twice.status_code == 400
    bad = api("fr-admin").patch(f"{chains}{created.json()['id']}/", {"chain": ["fr", "fr", "x1"]})
    assert bad.status_code == 400 and "chain" in errors(bad)
    assert api("fr-viewer").get(chains).json()["count"] == 1
    assert api("de-admin").get(chains).json()["count"] == 0
