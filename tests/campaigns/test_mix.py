"""Channel-mix bounds: lower tiers may only tighten; campaigns outside them are refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import mix
from campaigns.launch import check_launchable

from .conftest import make_account, make_campaign


def test_a_loosening_rule_is_refused_naming_the_global_rule(tenants):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.share.max.email", 0.5
    )
    with pytest.raises(ValidationError) as refused:
        mix.set_rule(
            tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.share.max.email", 0.8
        )
    message = refused.value.message_dict["value"][0]
    assert "Maximum share of touches on Email" in message
    assert "Acme Global" in message and "GLOBAL" in message and "at most 0.5" in message


def test_a_local_rule_inside_the_bounds_is_accepted(tenants):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.channels.allowed",
        ["email", "linkedin", "events"],
    )  # fmt: skip
    bound = mix.set_rule(
        tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.channels.allowed", ["email"]
    )
    assert bound.value == ["email"]
    with pytest.raises(ValidationError, match="would loosen"):
        mix.set_rule(
            tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.channels.allowed",
            ["email", "wechat"],
        )  # fmt: skip


def test_it_checks_ranges_and_who_sets_rules(tenants):
    with pytest.raises(ValidationError, match="from 0 to 1"):
        mix.set_rule(tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.share.min.ads", 1.5)
    with pytest.raises(ValidationError, match="Unknown lawful bases"):
        mix.set_rule(
            tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.lawful_basis.email", ["vibes"]
        )
    with pytest.raises(PermissionDenied):
        mix.set_rule(tenants.user("fr-manager"), tenants.unit("fr"), "campaigns.share.max.ads", 0.1)


def test_a_campaign_outside_the_mix_is_refused_naming_the_bound(tenants, playbook):
    # The playbook is 2/3 email, 1/3 LinkedIn.
    mix.set_rule(tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.share.max.email", 0.5)
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")]
    )
    with pytest.raises(ValidationError) as refused:
        check_launchable(campaign)
    message = refused.value.message_dict["playbook"][0]
    assert "Email takes 67% of touches" in message
    assert "Maximum share of touches on Email" in message and "EMEA" in message


def test_a_local_mix_inside_the_bounds_is_accepted(tenants, playbook):
    mix.set_rule(tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.share.max.email", 0.5)
    mix.set_rule(
        tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.share.min.linkedin", 0.5
    )
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")],
        overrides={"skip_steps": [2]},
    )  # fmt: skip
    check_launchable(campaign)  # email 1/2, LinkedIn 1/2
    assert mix.planned_mix(campaign.effective_steps()) == {"email": 0.5, "linkedin": 0.5}


def test_a_channel_the_unit_may_not_use_is_refused(tenants, playbook):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.channels.allowed",
        ["email", "events"],
    )  # fmt: skip
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")]
    )
    with pytest.raises(ValidationError, match="LinkedIn is not allowed"):
        check_launchable(campaign)


def test_sending_days_are_a_bound_regions_may_narrow(tenants):
    mix.set_rule(
        tenants.user("emea-admin"),
        tenants.unit("emea"),
        "campaigns.days.allowed",
        ["mon", "tue", "wed", "thu", "fri", "sun"],
    )
    with pytest.raises(ValidationError):
        mix.set_rule(
            tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.days.allowed", ["sat"]
        )
    with pytest.raises(ValidationError, match="Sending days are named"):
        mix.set_rule(
            tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.days.allowed", ["monday"]
        )
    mix.set_rule(
        tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.days.allowed", ["sun", "mon"]
    )
    assert mix.rules_for(tenants.unit("fr")).days == frozenset({6, 0})
    assert mix.rules_for(tenants.unit("de")).days == frozenset({0, 1, 2, 3, 4, 6})
