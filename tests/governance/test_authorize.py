"""authorize(user, activity, scope, target): allowed, needs approval or forbidden."""

from __future__ import annotations

import pytest

from glocal.models import Membership
from governance import raci
from governance.authorization import Outcome, authorize
from governance.models import Activity, Directive

LAUNCH = Activity.CAMPAIGN_LAUNCH


def check(tenants, username: str, activity: str, unit: str, **kwargs):
    return authorize(tenants.user(username), activity, tenants.unit(unit), **kwargs)


def test_a_manager_of_the_accountable_unit_is_allowed(tenants):
    result = check(tenants, "emea-manager", LAUNCH, "fr")
    assert result.outcome == Outcome.ALLOWED and result.allowed
    assert result.acting_unit.code == "emea"
    assert "EMEA is accountable for Campaign launch at France" in result.reason


def test_a_responsible_marketer_needs_the_accountable_units_approval(tenants):
    result = check(tenants, "fr-marketer", LAUNCH, "fr")
    assert result.outcome == Outcome.NEEDS_APPROVAL
    assert result.acting_unit.code == "fr" and result.accountable.code == "emea"
    assert result.reason == (
        "France is responsible for Campaign launch at France; the managers of EMEA must approve."
    )


def test_a_responsible_manager_still_needs_approval_when_not_accountable(tenants):
    assert check(tenants, "fr-manager", LAUNCH, "fr").needs_approval


def test_a_marketer_of_the_accountable_unit_asks_its_managers(tenants):
    result = check(tenants, "emea-marketer", LAUNCH, "fr")
    assert result.needs_approval and result.acting_unit.code == "emea"
    assert "Only the managers of EMEA decide" in result.reason


@pytest.mark.parametrize(
    ("username", "unit", "reason"),
    [
        ("de-marketer", "fr", "None of your units is responsible or accountable"),
        ("fr-viewer", "fr", "Your role in France only lets you view"),
        ("global-manager", "fr", "Acme Global is only informed of Campaign launch at France"),
        ("globex-emea-manager", "fr", "None of your units is responsible or accountable"),
    ],
)
def test_everyone_else_is_forbidden_with_the_reason(tenants, username, unit, reason):
    result = check(tenants, username, LAUNCH, unit)
    assert result.outcome == Outcome.FORBIDDEN and result.acting_unit is None
    assert reason in result.reason


def test_a_consulted_unit_is_forbidden_to_act(tenants):
    result = check(tenants, "global-manager", Activity.CONTENT_PUBLICATION, "fr")
    assert result.forbidden and "only consulted" in result.reason


def test_global_activities_belong_to_global(tenants):
    assert check(tenants, "global-manager", Activity.ABM_STRATEGY, "global").allowed
    assert check(tenants, "global-marketer", Activity.ABM_STRATEGY, "global").needs_approval
    assert check(tenants, "emea-admin", Activity.ABM_STRATEGY, "global").forbidden
    # Strategy is global's even when the action concerns France.
    assert check(tenants, "fr-admin", Activity.ABM_STRATEGY, "fr").forbidden
    assert check(tenants, "global-manager", Activity.ABM_STRATEGY, "fr").allowed


def test_local_activities_belong_to_the_local_team(tenants):
    selection = Activity.TARGET_ACCOUNT_SELECTION
    assert check(tenants, "fr-manager", selection, "fr").allowed
    assert check(tenants, "fr-marketer", selection, "fr").needs_approval
    assert check(tenants, "emea-manager", selection, "fr").forbidden


def test_the_regions_tailoring_changes_the_outcome_for_its_locals_only(tenants):
    raci.save_matrix(tenants.unit("emea"), {LAUNCH: {"global_letters": "I", "local_letters": "RA"}})
    assert check(tenants, "fr-manager", LAUNCH, "fr").allowed
    assert check(tenants, "emea-manager", LAUNCH, "fr").forbidden
    assert check(tenants, "us-manager", LAUNCH, "us").needs_approval


def test_the_acting_unit_limits_which_membership_counts(tenants):
    user = tenants.user("fr-marketer")
    Membership.objects.create(user=user, unit=tenants.unit("emea"), role="manager")
    assert authorize(user, LAUNCH, tenants.unit("fr")).allowed
    as_fr = authorize(user, LAUNCH, tenants.unit("fr"), acting_unit=tenants.unit("fr"))
    assert as_fr.needs_approval
    elsewhere = authorize(user, LAUNCH, tenants.unit("fr"), acting_unit=tenants.unit("de"))
    assert elsewhere.forbidden and "not a member of Germany" in elsewhere.reason


def test_the_scope_comes_from_the_target(tenants):
    directive = Directive.objects.create(owner_unit=tenants.unit("fr"), title="Plan")
    user = tenants.user("fr-marketer")
    result = authorize(user, Activity.CONTENT_PUBLICATION, None, directive)
    assert result.needs_approval and result.scope.code == "fr"
    assert [u.code for u in result.parties.consulted] == ["global"]


def test_an_unknown_activity_is_an_error(tenants):
    with pytest.raises(ValueError):
        check(tenants, "fr-marketer", "juggling", "fr")


def test_anonymous_users_are_forbidden(tenants):
    from django.contrib.auth.models import AnonymousUser

    assert authorize(AnonymousUser(), LAUNCH, tenants.unit("fr")).forbidden
