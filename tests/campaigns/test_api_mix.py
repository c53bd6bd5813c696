"""The channel mix over the API: effective rules with their origin, tighten-only edits by
unit admins, and tenant isolation."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import mix
from glocal.layering import bounds

from .conftest import make_account, make_campaign

MIX = "/api/v1/channel-mix/"


def errors(response) -> dict[str, str]:
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


def url(unit, suffix: str = "") -> str:
    return f"{MIX}{unit.pk}/{suffix}"


def rule(body: dict, key: str) -> dict:
    return next(r for r in body["rules"] if r["key"] == key)


def test_a_unit_sees_every_binding_rule_and_who_set_it(tenants, api):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.share.max.email", 0.6
    )
    mix.set_rule(tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.share.max.email", 0.4)
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.frequency.account_7d", 3
    )
    response = api("fr-viewer").get(url(tenants.unit("fr")))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["unit_code"] == "fr" and body["may_configure"] is False
    email = rule(body, "campaigns.share.max.email")
    assert email["value"] == 0.4 and email["set_by_code"] == "emea" and email["inherited"]
    assert email["label"] == "Maximum share of touches on Email" and email["kind"] == "max"
    assert email["rule"] == "at most 0.4" and email["own_value"] is None
    assert [(lvl["unit_code"], lvl["value"]) for lvl in email["levels"]] == [
        ("global", 0.6),
        ("emea", 0.4),
    ]
    cap = rule(body, "campaigns.frequency.account_7d")
    assert (cap["value"], cap["set_by_tier"]) == (3, "GLOBAL")
    assert body["defaults"] == {
        "hours_start": 9,
        "hours_end": 18,
        "lawful_bases": ["consent", "separate_consent"],
    }
    # What the API shows is what planning enforces.
    for shown in body["rules"]:
        effective = bounds.effective(tenants.unit("fr"), shown["key"])
        assert (shown["value"], shown["set_by"]) == (effective.value, effective.set_by.pk)


def test_a_loosening_rule_is_refused_naming_the_rule_and_its_unit(tenants, api):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.share.max.email", 0.5
    )
    response = api("emea-admin").post(
        url(tenants.unit("emea"), "set/"), {"key": "campaigns.share.max.email", "value": 0.8}
    )
    assert response.status_code == 400
    message = errors(response)["value"]
    assert "would loosen" in message and "Maximum share of touches on Email" in message
    assert "Acme Global" in message and "GLOBAL" in message and "at most 0.5" in message
    assert mix.rules_for(tenants.unit("emea")).get(mix.MAX_SHARE["email"]).value == 0.5


def test_a_local_mix_inside_the_bounds_is_accepted_and_used(tenants, api, playbook):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.channels.allowed",
        ["email", "linkedin", "events"],
    )  # fmt: skip
    fr = tenants.unit("fr")
    client = api("fr-admin")
    response = client.post(url(fr, "set/"), {"key": "campaigns.share.max.email", "value": 0.5})
    assert response.status_code == 200, response.json()
    narrowed = client.post(
        url(fr, "set/"), {"key": "campaigns.channels.allowed", "value": ["linkedin", "email"]}
    )
    assert narrowed.status_code == 200, narrowed.json()
    body = narrowed.json()
    assert body["may_configure"] is True
    allowed = rule(body, "campaigns.channels.allowed")
    assert allowed["value"] == ["email", "linkedin"] and not allowed["inherited"]
    assert allowed["own_value"] == ["linkedin", "email"] and allowed["set_by_code"] == "fr"
    wider = client.post(
        url(fr, "set/"), {"key": "campaigns.channels.allowed", "value": ["email", "wechat"]}
    )
    assert wider.status_code == 400 and "would loosen" in errors(wider)["value"]
    # A campaign inside France's mix (email 1/2, LinkedIn 1/2) launches.
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(fr, country="FR")], overrides={"skip_steps": [2]}
    )
    launched = api("emea-manager").post(f"/api/v1/campaigns/{campaign.pk}/launch/")
    assert launched.status_code == 201, launched.json()


def test_values_are_checked_and_only_unit_admins_set_rules(tenants, api):
    fr = tenants.unit("fr")
    client = api("fr-admin")
    share = client.post(url(fr, "set/"), {"key": "campaigns.share.min.ads", "value": 1.5})
    assert share.status_code == 400 and "from 0 to 1" in errors(share)["value"]
    unknown = client.post(url(fr, "set/"), {"key": "campaigns.vibes", "value": 1})
    assert unknown.status_code == 400 and "Not a channel-mix bound" in errors(unknown)["key"]
    basis = client.post(url(fr, "set/"), {"key": "campaigns.lawful_basis.email", "value": ["x"]})
    assert basis.status_code == 400 and "Unknown lawful bases" in errors(basis)["value"]
    odd = client.post(url(fr, "set/"), {"key": "campaigns.channels.allowed", "value": [{}]})
    assert odd.status_code == 400 and "list of names" in errors(odd)["value"]
    yes = client.post(url(fr, "set/"), {"key": "campaigns.hours.start", "value": True})
    assert yes.status_code == 400 and "value" in errors(yes)
    missing = client.post(url(fr, "set/"), {"key": "campaigns.frequency.account_7d"})
    assert missing.status_code == 400 and "value" in errors(missing)
    for user in ("fr-manager", "fr-viewer"):
        refused = api(user).post(
            url(fr, "set/"), {"key": "campaigns.frequency.account_7d", "value": 2}
        )
        assert refused.status_code == 403 and "Only administrators of France" in str(refused.json())
    # France's admins see the region's rules but do not set them.
    above = client.post(
        url(tenants.unit("emea"), "set/"), {"key": "campaigns.frequency.account_7d", "value": 2}
    )
    assert above.status_code == 403
    assert (
        client.post(MIX, {"key": "campaigns.frequency.account_7d", "value": 2}).status_code == 405
    )


def test_removing_a_rule_leaves_what_the_units_above_set(tenants, api):
    fr = tenants.unit("fr")
    mix.set_rule(tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.hours.end", 17)
    mix.set_rule(tenants.user("fr-admin"), fr, "campaigns.hours.end", 16)
    client = api("fr-admin")
    assert rule(client.get(url(fr)).json(), "campaigns.hours.end")["value"] == 16
    removed = client.post(url(fr, "remove/"), {"key": "campaigns.hours.end"})
    assert removed.status_code == 200, removed.json()
    end = rule(removed.json(), "campaigns.hours.end")
    assert (end["value"], end["set_by_code"], end["own_value"]) == (17, "emea", None)
    again = client.post(url(fr, "remove/"), {"key": "campaigns.hours.end"})
    assert again.status_code == 400 and "sets no rule" in errors(again)["key"]
    regional = client.post(url(tenants.unit("emea"), "remove/"), {"key": "campaigns.hours.end"})
    assert regional.status_code == 403
    assert mix.rules_for(fr).hours == (9, 17)


def test_lists_filters_and_tenant_isolation(tenants, api):
    mix.set_rule(tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.frequency.account_7d", 2)
    codes = {r["unit_code"] for r in api("fr-viewer").get(MIX).json()["results"]}
    assert codes == {"global", "emea", "fr"}  # the unit and its ancestors, no sibling
    only = api("emea-viewer").get(MIX, {"unit_code": "fr"}).json()["results"]
    assert [r["unit_code"] for r in only] == ["fr"] and only[0]["rules"][0]["value"] == 2
    assert api("emea-viewer").get(MIX, {"tier": "LOCAL"}).json()["count"] == 4
    fr = tenants.unit("fr")
    for outsider in ("de-admin", "globex-fr-admin"):
        listed = {r["unit"] for r in api(outsider).get(MIX, {"page_size": 500}).json()["results"]}
        assert fr.pk not in listed
        assert api(outsider).get(url(fr)).status_code == 404
        body = {"key": "campaigns.frequency.account_7d", "value": 1}
        assert api(outsider).post(url(fr, "set/"), body).status_code == 404
        assert api(outsider).post(url(fr, "remove/"), {"key": body["key"]}).status_code == 404
    assert mix.rules_for(fr).get(mix.ACCOUNT_CAP).value == 2


def test_the_list_costs_the_same_for_few_or_many_rules(tenants, api):
    client = api("emea-viewer")
    client.get(MIX)  # token and scope caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(MIX)
    for code in ("fr", "de", "uk"):
        mix.set_rule(
            tenants.user(f"{code}-admin"), tenants.unit(code), "campaigns.frequency.account_7d", 2
        )
    mix.set_rule(tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.hours.start", 10)
    with CaptureQueriesContext(connection) as many:
        client.get(MIX)
    assert len(many) == len(few)
