"""Campaigns over the API: drafts, launch under the RACI, state moves, preview, isolation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import mix, planning
from campaigns.models import Campaign, CampaignStatus, Touch, TouchStatus
from governance.models import ApprovalRequest

from .conftest import NOW, START, make_account, make_campaign

CAMPAIGNS = "/api/v1/campaigns/"


def errors(response) -> dict[str, str]:
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


def url(campaign: Campaign | int, suffix: str = "") -> str:
    pk = campaign if isinstance(campaign, int) else campaign.pk
    return f"{CAMPAIGNS}{pk}/{suffix}"


@pytest.fixture
def accounts(tenants):
    return [make_account(tenants.unit("fr"), country="FR", contacts=2) for _ in range(2)]


@pytest.fixture
def campaign(tenants, playbook, accounts) -> Campaign:
    return make_campaign(tenants, "fr", playbook, accounts, name="Printemps")


def payload(source, accounts, **extra) -> dict:
    return {
        "playbook": source.pk,
        "name": "Hiver",
        "starts_on": START.isoformat(),
        "ends_on": (START + dt.timedelta(days=30)).isoformat(),
        "accounts": [a.pk for a in accounts],
        **extra,
    }


def test_a_draft_is_created_for_the_unit_the_marketer_acts_for(tenants, api, playbook, accounts):
    response = api("fr-marketer").post(
        CAMPAIGNS, payload(playbook, accounts, overrides={"skip_steps": [1]})
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["owner_unit_code"] == "fr"
    assert sorted(body["accounts"]) == sorted(a.pk for a in accounts)
    assert body["account_count"] == 2 and body["playbook_name"] == playbook.name
    assert [s["index"] for s in body["effective_steps"]] == [0, 2]
    assert body["progress"]["planning_done"] is False
    assert body["progress"]["touches"]["planned"] == 0


def test_bad_input_is_refused_by_field_and_nothing_is_written(tenants, api, playbook, accounts):
    client = api("fr-marketer")
    before = Campaign.objects.count()
    german = make_account(tenants.unit("de"), country="DE")
    candidate = make_account(tenants.unit("fr"), country="FR", lifecycle="candidate")
    cases = {
        "accounts": payload(playbook, [*accounts, german]),  # not visible to France
        "ends_on": payload(playbook, accounts, ends_on=(START - dt.timedelta(days=1)).isoformat()),
        "overrides": payload(playbook, accounts, overrides={"skip_steps": [0, 1, 2]}),
        "owner_unit": payload(playbook, accounts, owner_unit=tenants.unit("de").pk),
        "playbook": payload(playbook, accounts, playbook=999999),
        "starts_on": payload(playbook, accounts, starts_on="9999-12-30", ends_on="9999-12-31"),
    }
    for field, data in cases.items():
        response = client.post(CAMPAIGNS, data)
        assert response.status_code == 400, (field, response.json())
        assert field in errors(response), (field, response.json())
    targeted = client.post(CAMPAIGNS, payload(playbook, [candidate]))
    assert "Only selected, engaged or opportunity" in errors(targeted)["accounts"]
    assert f"id {german.pk}" in errors(client.post(CAMPAIGNS, cases["accounts"]))["accounts"]
    huge = client.post(CAMPAIGNS, {**payload(playbook, accounts), "accounts": [10**30]})
    assert huge.status_code == 400 and "accounts.0" in errors(huge)
    forever = client.post(
        CAMPAIGNS, payload(playbook, accounts, overrides={"delay_days": {"1": 10**30}})
    )
    assert errors(forever)["overrides"] == "Step 1: a delay is at most 3650 days."
    # A region runs no campaigns itself.
    regional = api("emea-marketer").post(
        CAMPAIGNS, payload(playbook, [], owner_unit=tenants.unit("emea").pk)
    )
    assert regional.status_code == 400 and "local team" in errors(regional)["owner_unit"]
    assert Campaign.objects.count() == before


def test_a_draft_is_edited_all_or_nothing_then_frozen_once_launched(tenants, api, campaign):
    client = api("fr-marketer")
    extra = make_account(tenants.unit("fr"), country="FR")
    edited = client.patch(
        url(campaign),
        {"name": "Printemps 2031", "overrides": {"delay_days": {"1": 4}}, "accounts": [extra.pk]},
    )
    assert edited.status_code == 200, edited.json()
    body = edited.json()
    assert body["name"] == "Printemps 2031" and body["accounts"] == [extra.pk]
    assert body["effective_steps"][1]["delay_days"] == 4
    # The new name is valid but an account is not: neither is saved.
    candidate = make_account(tenants.unit("fr"), country="FR", lifecycle="candidate")
    refused = client.patch(url(campaign), {"name": "Half", "accounts": [candidate.pk]})
    assert refused.status_code == 400 and "accounts" in errors(refused)
    assert Campaign.objects.get(pk=campaign.pk).name == "Printemps 2031"
    # The playbook and the unit stay; a viewer may not edit.
    kept = client.patch(url(campaign), {"owner_unit": tenants.unit("de").pk, "playbook": 999999})
    assert kept.status_code == 200 and kept.json()["owner_unit_code"] == "fr"
    assert api("fr-viewer").patch(url(campaign), {"name": "x"}).status_code == 403
    assert client.post(url(campaign, "launch/")).status_code == 202
    frozen = client.patch(url(campaign), {"name": "Too late"})
    assert frozen.status_code == 400 and "no longer be edited" in errors(frozen)["status"]


def test_a_local_marketer_launch_waits_for_the_region(tenants, api, campaign):
    response = api("fr-marketer").post(url(campaign, "launch/"), {"comment": "Prêt"})
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "needs_approval"
    request = ApprovalRequest.objects.get(pk=body["approval_request"])
    assert request.owner_unit.code == "emea" and request.is_pending
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.PENDING_APPROVAL
    again = api("fr-marketer").post(url(campaign, "launch/"))
    assert again.status_code == 400  # already waiting for EMEA
    approved = api("emea-manager").post(f"/api/v1/approvals/{request.pk}/approve/")
    assert approved.status_code == 200, approved.json()
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.PLANNING


def test_an_approver_launches_at_once(tenants, api, campaign):
    response = api("emea-manager").post(url(campaign, "launch/"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "planning" and body["launched_by"] == "emea-manager"
    assert body["accounts_total"] == 2
    assert api("fr-viewer").post(url(campaign, "launch/")).status_code == 403


def test_a_launch_outside_the_channel_mix_is_refused_naming_the_bound(tenants, api, campaign):
    mix.set_rule(tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.share.max.email", 0.5)
    response = api("emea-manager").post(url(campaign, "launch/"))
    assert response.status_code == 400
    message = errors(response)["playbook"]
    assert "Maximum share of touches on Email" in message and "EMEA" in message
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT


def test_pause_resume_and_cancel_follow_the_state_rules(tenants, api, campaign):
    client = api("fr-marketer")
    draft_pause = client.post(url(campaign, "pause/"))
    assert (
        draft_pause.status_code == 400 and "cannot become paused" in errors(draft_pause)["status"]
    )
    assert client.post(url(campaign, "resume/")).status_code == 400
    api("emea-manager").post(url(campaign, "launch/"))
    planning.plan_all(campaign.pk, now=NOW)
    paused = client.post(url(campaign, "pause/"))
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert paused.json()["progress"]["touches"]["planned"] == 12  # held, not dropped
    assert client.post(url(campaign, "pause/")).status_code == 400
    resumed = client.post(url(campaign, "resume/"))
    assert resumed.status_code == 200 and resumed.json()["status"] == "running"
    assert api("fr-viewer").post(url(campaign, "cancel/")).status_code == 403
    cancelled = client.post(url(campaign, "cancel/"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["progress"]["touches"]["cancelled"] == 12
    late = client.post(url(campaign, "resume/"))
    assert late.status_code == 400 and "status" in errors(late)
    assert client.post(url(campaign, "cancel/")).status_code == 400


def test_campaigns_are_cancelled_never_deleted(tenants, api, campaign):
    assert api("fr-marketer").delete(url(campaign)).status_code == 405


def test_preview_shows_local_times_per_country_and_writes_nothing(tenants, api, playbook):
    fr = tenants.unit("fr")
    accounts = [
        make_account(fr, country="FR", contacts=2),
        make_account(fr, country="BE"),
        make_account(fr, country="FR", channels=("email",)),  # no LinkedIn consent
    ]
    campaign = make_campaign(tenants, "fr", playbook, accounts)
    client = api("fr-viewer")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(campaign, "preview/"))
    assert response.status_code == 200, response.json()
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert not Touch.objects.filter(campaign=campaign).exists()
    body = response.json()
    assert (body["accounts_previewed"], body["accounts_total"]) == (3, 3)
    assert body["timezone"] == "Europe/Paris"
    assert [c["country"] for c in body["countries"]] == ["BE", "FR"]
    french = next(c for c in body["countries"] if c["country"] == "FR")["touches"]
    assert len(french) == 9
    first = french[0]
    assert first["local_scheduled"] == "2031-01-06 09:00 Europe/Paris"
    assert first["scheduled_at"] == "2031-01-06T08:00:00Z"
    assert set(first) >= {"contact", "account", "channel", "status", "reason_code"}
    assert "first_name" not in first and "email" not in first
    skipped = [t for t in french if t["status"] == TouchStatus.SKIPPED]
    assert [t["reason_code"] for t in skipped] == ["no_consent"]
    assert body["touches"] == {"planned": 11, "skipped": 1}
    limited = client.get(url(campaign, "preview/"), {"accounts": 1}).json()
    assert limited["accounts_previewed"] == 1 and limited["accounts_total"] == 3
    assert client.get(url(campaign, "preview/"), {"accounts": 0}).status_code == 400
    assert client.get(url(campaign, "preview/"), {"accounts": 500}).status_code == 400


def test_filters_and_tenant_isolation(tenants, api, playbook, campaign):
    other = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")], name="Autre"
    )
    api("emea-manager").post(url(other, "launch/"))
    client = api("fr-viewer")
    assert client.get(CAMPAIGNS).json()["count"] == 2
    assert [r["id"] for r in client.get(CAMPAIGNS, {"status": "draft"}).json()["results"]] == [
        campaign.pk
    ]
    both = client.get(CAMPAIGNS, {"status": ["draft", "planning"]}).json()
    assert both["count"] == 2
    assert client.get(CAMPAIGNS, {"playbook": playbook.pk}).json()["count"] == 2
    assert client.get(CAMPAIGNS, {"playbook": 999999}).json()["count"] == 0
    assert client.get(CAMPAIGNS, {"unit": tenants.unit("fr").pk}).json()["count"] == 2
    assert client.get(CAMPAIGNS, {"unit_code": "de"}).json()["count"] == 0
    assert client.get(CAMPAIGNS, {"status": "nope"}).status_code == 400
    assert client.get(CAMPAIGNS, {"playbook": 10**30}).status_code == 400  # not an overflow
    assert api("emea-viewer").get(url(campaign)).status_code == 200
    for outsider in ("de-admin", "globex-fr-admin"):
        assert api(outsider).get(CAMPAIGNS).json()["count"] == 0
        for suffix in ("", "preview/"):
            assert api(outsider).get(url(campaign, suffix)).status_code == 404
        for suffix in ("launch/", "pause/", "cancel/"):
            assert api(outsider).post(url(campaign, suffix)).status_code == 404
        assert api(outsider).patch(url(campaign), {"name": "x"}).status_code == 404


def test_the_list_costs_the_same_for_one_or_many_rows(tenants, api, playbook, campaign):
    client = api("fr-viewer")
    client.get(CAMPAIGNS)  # token and scope caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(CAMPAIGNS)
    for _ in range(3):
        make_campaign(tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")])
    with CaptureQueriesContext(connection) as many:
        client.get(CAMPAIGNS)
    assert len(many) == len(few)
