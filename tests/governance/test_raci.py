"""The RACI matrix: default, validation, layering (region tailoring), API and grid."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from governance import raci
from governance.models import Activity, AuditEntry, RaciRule

LAUNCH = Activity.CAMPAIGN_LAUNCH
SELECTION = Activity.TARGET_ACCOUNT_SELECTION


def codes(units) -> list[str]:
    return sorted(unit.code for unit in units)


def rule(unit, activity, g="", r="", loc="", tailor=False) -> RaciRule:
    return RaciRule(
        owner_unit=unit,
        activity=activity,
        global_letters=g,
        region_letters=r,
        local_letters=loc,
        regions_may_tailor=tailor,
    )


@pytest.fixture(autouse=True)
def _fresh_login_quota():
    """These tests log in through the token endpoint many times in a row; don't let the
    anonymous quota they use up throttle the test modules that run after them."""
    yield
    cache.clear()


# --- the default matrix ------------------------------------------------------------


def test_the_default_matrix_covers_the_whole_catalogue_and_is_valid(tenants):
    root = tenants.unit("global")
    assert set(raci.DEFAULTS) == set(Activity.values)
    assert len(Activity.values) == 18
    for activity in Activity.values:
        raci.default_rule(root, activity).full_clean()


def test_the_default_matrix_follows_the_division_of_roles(tenants):
    fr = tenants.unit("fr")
    matrix = raci.effective_matrix(fr)
    accountable = {
        activity: raci.parties(fr, activity, matrix[activity]).accountable.code
        for activity in Activity.values
    }
    for activity in ("abm-strategy", "methodology", "technology", "core-content"):
        assert accountable[activity] == "global"
    for activity in ("kpi-definitions", "consolidated-reporting"):
        assert accountable[activity] == "global"
    for activity in ("regional-adaptation", "regional-coordination", "regional-content"):
        assert accountable[activity] == "emea"
    assert accountable["communities-of-practice"] == "emea"
    for activity in (
        "target-account-selection",
        "account-personalisation",
        "client-relationship",
        "channel-and-timing",
        "field-feedback",
    ):
        assert accountable[activity] == "fr"
    launch = raci.parties(fr, LAUNCH)
    assert codes(launch.responsible) == ["fr"] and launch.accountable.code == "emea"
    assert codes(launch.informed) == ["global"]


def test_installing_the_default_matrix_is_idempotent(tenants):
    root = tenants.unit("global")
    assert raci.install_default_matrix(root) == 18
    assert raci.install_default_matrix(root) == 0
    assert RaciRule.objects.filter(owner_unit=root).count() == 18
    assert raci.effective_rule(tenants.unit("fr"), LAUNCH).source == root


def test_letters_below_the_scope_reach_every_unit_of_that_tier(tenants):
    strategy = raci.parties(tenants.unit("global"), Activity.ABM_STRATEGY)
    assert strategy.accountable.code == "global"
    assert codes(strategy.consulted) == ["amer", "apac", "emea"]
    assert codes(strategy.informed) == ["br", "cn", "de", "fr", "jp", "pl", "uk", "us"]
    # R and A of a lower tier mean the scope itself: EMEA launching for its whole region.
    launch = raci.parties(tenants.unit("emea"), LAUNCH)
    assert launch.accountable.code == "emea" and codes(launch.responsible) == ["emea"]


# --- validation --------------------------------------------------------------------


def test_two_accountable_tiers_are_refused_naming_the_activity(tenants):
    with pytest.raises(ValidationError) as caught:
        rule(tenants.unit("global"), LAUNCH, g="A", r="A", loc="R").full_clean()
    errors = caught.value.message_dict
    assert set(errors) == {"global_letters", "region_letters"}
    assert (
        "Campaign launch: exactly one tier may be Accountable (A); 2 are"
        in (errors["global_letters"][0])
    )


def test_no_accountable_or_no_responsible_is_refused(tenants):
    with pytest.raises(ValidationError) as caught:
        rule(tenants.unit("global"), LAUNCH, g="I", r="C", loc="R").full_clean()
    assert "Campaign launch: exactly one tier must be Accountable (A); none is." in str(
        caught.value
    )
    with pytest.raises(ValidationError) as caught:
        rule(tenants.unit("global"), LAUNCH, g="I", r="A", loc="C").full_clean()
    assert "at least one tier must be Responsible (R)" in str(caught.value)


def test_a_local_unit_holds_no_rules(tenants):
    with pytest.raises(ValidationError) as caught:
        rule(tenants.unit("fr"), LAUNCH, r="A", loc="R").full_clean()
    assert "owner_unit" in caught.value.message_dict


def test_a_region_tailors_only_where_global_allows(tenants):
    emea = tenants.unit("emea")
    with pytest.raises(ValidationError) as caught:
        rule(emea, Activity.BUDGET_ALLOCATION, r="A", loc="R").full_clean()
    assert (
        "Global does not let regions tailor Budget allocation"
        in (caught.value.message_dict["activity"][0])
    )
    with pytest.raises(ValidationError) as caught:
        rule(emea, LAUNCH, g="A", loc="R").full_clean()
    assert "cannot make Global responsible or accountable" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        rule(emea, LAUNCH, r="A", loc="R", tailor=True).full_clean()
    assert "regions_may_tailor" in caught.value.message_dict
    rule(emea, LAUNCH, g="I", loc="RA").full_clean()


def test_the_nearest_allowed_tailoring_applies_to_the_regions_locals_only(tenants):
    emea = tenants.unit("emea")
    raci.save_matrix(emea, {LAUNCH: {"global_letters": "I", "local_letters": "RA"}})
    fr = raci.effective_rule(tenants.unit("fr"), LAUNCH)
    assert fr.source == emea and fr.rule.local_letters == "RA"
    assert raci.parties(tenants.unit("fr"), LAUNCH).accountable.code == "fr"
    us = raci.effective_rule(tenants.unit("us"), LAUNCH)
    assert us.is_default and raci.parties(tenants.unit("us"), LAUNCH).accountable.code == "amer"


def test_withdrawing_the_right_to_tailor_suspends_the_regions_rule(tenants):
    root, emea = tenants.unit("global"), tenants.unit("emea")
    raci.save_matrix(emea, {LAUNCH: {"global_letters": "I", "local_letters": "RA"}})
    raci.save_matrix(
        root,
        {
            LAUNCH: {
                "global_letters": "I",
                "region_letters": "A",
                "local_letters": "R",
                "regions_may_tailor": False,
            }
        },
    )
    effective = raci.effective_rule(tenants.unit("fr"), LAUNCH)
    assert effective.source == root and effective.suspended is not None
    assert raci.parties(tenants.unit("fr"), LAUNCH).accountable.code == "emea"


def test_a_matrix_edit_is_all_or_nothing(tenants):
    root = tenants.unit("global")
    with pytest.raises(raci.MatrixInvalid) as caught:
        raci.save_matrix(
            root,
            {
                SELECTION: {"global_letters": "I", "region_letters": "C", "local_letters": "RA"},
                LAUNCH: {"global_letters": "A", "region_letters": "A", "local_letters": "R"},
            },
        )
    assert set(caught.value.rows) == {LAUNCH}
    assert not RaciRule.objects.filter(owner_unit=root).exists()


def test_rule_changes_are_audited(tenants):
    emea = tenants.unit("emea")
    raci.save_matrix(emea, {LAUNCH: {"global_letters": "I", "local_letters": "RA"}})
    row = RaciRule.objects.get(owner_unit=emea, activity=LAUNCH)
    entry = AuditEntry.objects.filter(target_type="governance.RaciRule", target_id=str(row.pk))
    assert entry.get().owner_unit == emea


# --- API ---------------------------------------------------------------------------


def test_api_two_accountable_tiers_is_a_400_with_field_errors(tenants, api):
    response = api("global-admin").post(
        "/api/v1/raci/",
        {
            "owner_unit": tenants.unit("global").pk,
            "activity": LAUNCH,
            "global_letters": "A",
            "region_letters": "A",
            "local_letters": "R",
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["attr"] for e in errors} == {"global_letters", "region_letters"}
    assert all("Campaign launch" in e["detail"] for e in errors)


def test_api_no_accountable_is_a_400_naming_the_activity(tenants, api):
    response = api("global-admin").post(
        "/api/v1/raci/",
        {"owner_unit": tenants.unit("global").pk, "activity": LAUNCH, "local_letters": "R"},
        format="json",
    )
    assert response.status_code == 400
    assert (
        "Campaign launch: exactly one tier must be Accountable"
        in (response.json()["errors"][0]["detail"])
    )


def test_api_a_region_admin_tailors_and_locals_read_it(tenants, api):
    emea = tenants.unit("emea")
    created = api("emea-admin").post(
        "/api/v1/raci/",
        {"owner_unit": emea.pk, "activity": LAUNCH, "global_letters": "I", "local_letters": "RA"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    fr_client = api("fr-admin")
    rules = fr_client.get("/api/v1/raci/", {"activity": LAUNCH}).json()["results"]
    assert [r["owner_unit_code"] for r in rules] == ["emea"]
    # Local admins read the matrix but do not write it.
    patched = fr_client.patch(f"/api/v1/raci/{created.json()['id']}/", {"local_letters": "R"})
    assert patched.status_code == 403
    effective = fr_client.get("/api/v1/raci/effective/").json()
    launch = next(r for r in effective["rules"] if r["activity"] == LAUNCH)
    assert (launch["source_code"], launch["local_letters"]) == ("emea", "RA")
    assert effective["unit_code"] == "fr"


def test_api_refuses_tailoring_global_does_not_allow(tenants, api):
    response = api("emea-admin").post(
        "/api/v1/raci/",
        {
            "owner_unit": tenants.unit("emea").pk,
            "activity": Activity.BUDGET_ALLOCATION,
            "region_letters": "A",
            "local_letters": "R",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "activity"


def test_api_authorize_tells_the_caller_the_outcome(tenants, api):
    fr = tenants.unit("fr")
    body = (
        api("fr-marketer")
        .get("/api/v1/raci/authorize/", {"activity": LAUNCH, "unit": fr.pk})
        .json()
    )
    assert body["outcome"] == "needs_approval"
    assert body["accountable"]["code"] == "emea" and body["acting_unit"]["code"] == "fr"
    unknown = api("fr-marketer").get("/api/v1/raci/authorize/", {"activity": "dance"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"] == "activity"
    hidden = api("de-marketer").get("/api/v1/raci/effective/", {"unit": fr.pk})
    assert hidden.status_code == 400 and hidden.json()["errors"][0]["attr"] == "unit"


def test_api_lists_rules_without_n_plus_one(tenants, api, django_assert_max_num_queries):
    raci.install_default_matrix(tenants.unit("global"))
    client = api("global-admin")
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/raci/", {"page_size": 100})
    assert response.json()["count"] == 18


# --- dashboard grid ----------------------------------------------------------------


def test_the_grid_is_read_only_for_a_local_team(tenants, client):
    client.force_login(tenants.user("fr-admin"))
    page = client.get("/governance/raci/").content.decode()
    assert "RACI matrix for France" in page
    assert 'data-activity="campaign-launch"' in page
    assert "<select" not in page.split("<table", 1)[1]
    assert client.post("/governance/raci/", {"scope": tenants.unit("fr").pk}).status_code == 403


def test_a_global_admin_edits_the_grid_and_errors_name_the_activity(tenants, client):
    root = tenants.unit("global")
    client.force_login(tenants.user("global-admin"))
    page = client.get("/governance/raci/", {"scope": root.pk})
    assert page.status_code == 200
    form = {"scope": root.pk}
    for activity, (g, r, loc, tailor) in raci.DEFAULTS.items():
        form.update({f"{activity}-global_letters": g, f"{activity}-region_letters": r})
        form[f"{activity}-local_letters"] = loc
        if tailor:
            form[f"{activity}-regions_may_tailor"] = "on"
    form[f"{LAUNCH}-region_letters"] = "C"  # no A left for campaign launch
    response = client.post("/governance/raci/", form)
    assert response.status_code == 200
    assert "Campaign launch: exactly one tier must be Accountable (A); none is." in (
        response.content.decode()
    )
    assert not RaciRule.objects.exists()
    form[f"{LAUNCH}-region_letters"] = "A"
    form[f"{LAUNCH}-global_letters"] = ""
    response = client.post("/governance/raci/", form)
    assert response.status_code == 303
    saved = RaciRule.objects.get()  # only the changed row is written
    assert (saved.activity, saved.global_letters) == (LAUNCH, "")


def test_a_region_admin_tailors_from_the_grid(tenants, client):
    emea = tenants.unit("emea")
    client.force_login(tenants.user("emea-admin"))
    page = client.get("/governance/raci/", {"scope": emea.pk}).content.decode()
    assert "Set by global" in page  # e.g. budget allocation
    form = {
        "scope": emea.pk,
        f"{LAUNCH}-tailored": "on",
        f"{LAUNCH}-global_letters": "I",
        f"{LAUNCH}-region_letters": "C",
        f"{LAUNCH}-local_letters": "RA",
    }
    assert client.post("/governance/raci/", form).status_code == 303
    assert raci.effective_rule(tenants.unit("de"), LAUNCH).source == emea
    # Unticking "tailored" follows global again.
    form.pop(f"{LAUNCH}-tailored")
    assert client.post("/governance/raci/", form).status_code == 303
    assert raci.effective_rule(tenants.unit("de"), LAUNCH).is_default


def test_the_grid_hides_units_out_of_scope(tenants, client):
    client.force_login(tenants.user("de-admin"))
    assert client.get("/governance/raci/", {"scope": tenants.unit("fr").pk}).status_code == 404
