"""Playbooks over the API: create, per-step refusals, derive under policies and locks,
edit, publish, delete, stale review, and tenant isolation."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import playbooks
from campaigns.models import Playbook, PlaybookStatus
from glocal import layering

from .conftest import make_account, make_campaign, steps

PLAYBOOKS = "/api/v1/playbooks/"


def errors(response) -> dict[str, str]:
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


def url(playbook: Playbook | int, suffix: str = "") -> str:
    pk = playbook if isinstance(playbook, int) else playbook.pk
    return f"{PLAYBOOKS}{pk}/{suffix}"


def test_a_source_playbook_is_created_as_a_draft_with_normalised_steps(tenants, api, email_content):
    client = api("global-marketer")
    response = client.post(
        PLAYBOOKS,
        {
            "name": "Outage sequence",
            "kpis": {"meetings": 5},
            "steps": [{"channel": "email", "content": str(email_content.family)}],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["owner_unit_code"] == "global"
    assert body["parent"] is None and body["stale_fields"] == []
    assert body["steps"] == [
        {
            "channel": "email",
            "content": str(email_content.family),
            "delay_days": 0,
            "condition": "always",
        }
    ]
    # A draft stays with its owners: France does not see it until it is published.
    assert api("fr-marketer").get(url(body["id"])).status_code == 404
    published = client.post(url(body["id"], "publish/"))
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert api("fr-marketer").get(url(body["id"])).status_code == 200


def test_a_faulty_step_is_refused_by_its_number(tenants, api, email_content):
    good = {"channel": "email", "content": str(email_content.family)}
    response = api("global-marketer").post(
        PLAYBOOKS,
        {
            "name": "Broken",
            "steps": [good, {"channel": "pigeon", "content": "x", "delay_days": -1}, good],
        },
    )
    assert response.status_code == 400
    detail = errors(response)["steps"]
    assert detail.startswith("Step 2:")
    assert "channel must be one of" in detail and "delay_days" in detail
    assert "content must be the family key" in detail
    assert not Playbook.objects.filter(name="Broken").exists()
    not_a_list = api("global-marketer").post(PLAYBOOKS, {"name": "Odd", "steps": "email"})
    assert not_a_list.status_code == 400 and "steps" in errors(not_a_list)
    kpis = api("global-marketer").post(PLAYBOOKS, {"name": "Odd", "kpis": [1]})
    assert kpis.status_code == 400 and "kpis" in errors(kpis)
    forever = api("global-marketer").post(
        PLAYBOOKS, {"name": "Odd", "steps": [good, {**good, "delay_days": 10**30}]}
    )
    assert forever.status_code == 400
    assert errors(forever)["steps"] == "Step 2: a delay is at most 3650 days."


def test_derive_adapts_for_a_unit_within_the_override_policy(tenants, api, playbook):
    fr = tenants.unit("fr")
    client = api("fr-marketer")
    response = client.post(
        url(playbook, "derive/"), {"owner_unit": fr.pk, "values": {"name": "Résilience réseau"}}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["parent"] == playbook.pk and body["owner_unit_code"] == "fr"
    assert body["overridden_fields"] == ["name"] and body["status"] == "draft"
    assert body["steps"] == playbook.steps  # inherited, effective
    # Steps are adapted from the REGION tier up (the default policy): the refusal names it.
    refused = client.post(
        url(playbook, "derive/"), {"owner_unit": fr.pk, "values": {"steps": playbook.steps[:1]}}
    )
    assert refused.status_code == 400
    message = errors(refused)["steps"]
    assert "REGION tier up" in message and "France is LOCAL" in message
    unknown = client.post(url(playbook, "derive/"), {"values": {"status": "published"}})
    assert unknown.status_code == 400 and "Not layered fields: status" in errors(unknown)["values"]
    regional = api("emea-marketer").post(
        url(playbook, "derive/"), {"values": {"steps": playbook.steps[:2]}}
    )
    assert regional.status_code == 201, regional.json()
    assert regional.json()["owner_unit_code"] == "emea"  # the unit the caller acts for
    assert len(regional.json()["steps"]) == 2


def test_a_lock_is_refused_naming_its_owner(tenants, api, playbook):
    locked = api("global-manager").post(url(playbook, "locks/"), {"lock": ["description"]})
    assert locked.status_code == 200 and locked.json()["locked_fields"] == ["description"]
    refused = api("emea-marketer").post(
        url(playbook, "derive/"), {"values": {"description": "EMEA wording"}}
    )
    assert refused.status_code == 400
    assert "locked by Acme Global" in errors(refused)["description"]
    # Locks are for managers of the owner.
    assert (
        api("global-marketer").post(url(playbook, "locks/"), {"lock": ["name"]}).status_code == 403
    )


def test_edits_override_only_what_changes_and_refusals_name_the_field(tenants, api, playbook):
    adaptation = playbooks.adapt_playbook(
        tenants.user("fr-marketer"), playbook, tenants.unit("fr"), {"name": "FR"}
    )
    client = api("fr-marketer")
    renamed = client.patch(url(adaptation), {"description": "Pour la France"})
    assert renamed.status_code == 200, renamed.json()
    assert renamed.json()["overridden_fields"] == ["description", "name"]
    # A PUT of the object as read back keeps inherited fields inherited.
    whole = {k: v for k, v in renamed.json().items() if k in ("name", *Playbook.layered_fields)}
    assert client.put(url(adaptation), whole).status_code == 200
    assert Playbook.objects.get(pk=adaptation.pk).overridden_fields == ["description", "name"]
    steps_changed = client.patch(url(adaptation), {"steps": playbook.steps[:1]})
    assert steps_changed.status_code == 400 and "REGION tier up" in errors(steps_changed)["steps"]
    # The source's steps are edited by its owners; a faulty step is named.
    bad = api("global-marketer").patch(url(playbook), {"steps": [*playbook.steps, {"x": 1}]})
    assert bad.status_code == 400 and errors(bad)["steps"].startswith("Step 4:")
    assert api("fr-viewer").patch(url(adaptation), {"name": "x"}).status_code == 403
    unit_kept = client.patch(url(adaptation), {"owner_unit": tenants.unit("de").pk})
    assert unit_kept.status_code == 200 and unit_kept.json()["owner_unit_code"] == "fr"


def test_stale_overrides_are_listed_and_reviewed(tenants, api, playbook):
    adaptation = playbooks.adapt_playbook(
        tenants.user("emea-marketer"), playbook, tenants.unit("emea"), {"description": "EMEA"}
    )
    api("global-marketer").patch(url(playbook), {"description": "Global, revised"})
    layering.cascade(Playbook.objects.get(pk=playbook.pk), ["description"])  # the task's work
    client = api("emea-marketer")
    assert client.get(url(adaptation)).json()["stale_fields"] == ["description"]
    listed = client.get(PLAYBOOKS, {"parent": playbook.pk}).json()["results"]
    assert listed[0]["stale_fields"] == ["description"]
    overview = client.get(url(adaptation, "governance/")).json()
    row = next(r for r in overview if r["field"] == "steps")
    assert row["lowest_tier"] == "REGION" and row["inherited_from"] == "global"
    reverted = client.post(url(adaptation, "revert/"), {"fields": ["description"]})
    assert reverted.status_code == 200
    assert reverted.json()["description"] == "Global, revised"
    assert reverted.json()["stale_fields"] == []


def test_only_playbooks_nothing_builds_on_are_deleted(tenants, api, playbook):
    playbooks.adapt_playbook(tenants.user("fr-marketer"), playbook, tenants.unit("fr"), {})
    refused = api("global-marketer").delete(url(playbook))
    assert refused.status_code == 400 and "adapted this playbook" in errors(refused)["id"]
    used = playbooks.create_playbook(
        tenants.user("emea-marketer"),
        tenants.unit("emea"),
        {"name": "EMEA own", "steps": playbook.steps},
    )
    Playbook.objects.filter(pk=used.pk).update(status=PlaybookStatus.PUBLISHED)
    used.refresh_from_db()
    make_campaign(tenants, "fr", used, [make_account(tenants.unit("fr"), country="FR")])
    in_use = api("emea-marketer").delete(url(used))
    assert in_use.status_code == 400 and "Campaigns run this playbook" in errors(in_use)["id"]
    draft = playbooks.create_playbook(
        tenants.user("fr-marketer"), tenants.unit("fr"), {"name": "Scratch"}
    )
    assert api("fr-viewer").delete(url(draft)).status_code == 403
    assert api("fr-marketer").delete(url(draft)).status_code == 204
    assert not Playbook.objects.filter(pk=draft.pk).exists()


def test_filters_and_tenant_isolation(tenants, api, playbook, email_content):
    french = playbooks.create_playbook(
        tenants.user("fr-marketer"),
        tenants.unit("fr"),
        {"name": "French only", "steps": steps(email_content.family, ("email", 0, "always"))},
    )
    mine = {r["id"] for r in api("fr-viewer").get(PLAYBOOKS).json()["results"]}
    assert {playbook.pk, french.pk} <= mine
    assert api("fr-viewer").get(PLAYBOOKS, {"unit_code": "fr"}).json()["count"] == 1
    assert api("fr-viewer").get(PLAYBOOKS, {"q": "french"}).json()["count"] == 1
    assert api("fr-viewer").get(PLAYBOOKS, {"status": "nope"}).status_code == 400
    # Germany sees the global playbook (published) but never France's.
    german = {r["id"] for r in api("de-admin").get(PLAYBOOKS).json()["results"]}
    assert playbook.pk in german and french.pk not in german
    assert api("de-admin").get(url(french)).status_code == 404
    assert api("de-admin").patch(url(french), {"name": "x"}).status_code == 404
    assert api("globex-fr-admin").get(PLAYBOOKS).json()["count"] == 0
    assert api("globex-fr-admin").get(url(playbook)).status_code == 404
    # Germany may not adapt for France, even a playbook it sees.
    for_france = api("de-admin").post(
        url(playbook, "derive/"), {"owner_unit": tenants.unit("fr").pk}
    )
    assert for_france.status_code == 400 and "owner_unit" in errors(for_france)


def test_the_list_costs_the_same_for_one_or_many_rows(tenants, api, playbook):
    client = api("fr-viewer")
    client.get(PLAYBOOKS)  # token and scope caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(PLAYBOOKS)
    for name in ("A", "B", "C"):
        playbooks.adapt_playbook(
            tenants.user("fr-marketer"), playbook, tenants.unit("fr"), {"name": name}
        )
    with CaptureQueriesContext(connection) as many:
        client.get(PLAYBOOKS)
    assert len(many) == len(few)
