"""Every gate turns a touch into a skipped touch with a reason, never a silent drop."""

import datetime as dt

from django.utils import timezone

from accounts.models import Consent, Lifecycle
from campaigns import mix
from campaigns.models import Touch, TouchStatus
from content.models import Asset

from .conftest import make_account, make_campaign, make_playbook, plan


def only_touch(campaign) -> Touch:
    touches = list(Touch.objects.filter(campaign=campaign))
    assert len(touches) == 1
    return touches[0]


def single_email(tenants, email_content, unit="global"):
    return make_playbook(tenants, email_content.family, [("email", 0, "always")], unit=unit)


def plan_one(tenants, playbook, account, unit="fr"):
    return only_touch(plan(make_campaign(tenants, unit, playbook, [account])))


def assert_skipped(touch, code, *words):
    assert (touch.status, touch.reason_code) == (TouchStatus.SKIPPED, code)
    for word in words:
        assert word in touch.reason


def test_a_contact_with_consent_gets_a_planned_touch(tenants, email_content):
    touch = plan_one(
        tenants,
        single_email(tenants, email_content),
        make_account(tenants.unit("fr"), country="FR"),
    )
    assert touch.status == TouchStatus.PLANNED
    assert touch.content_asset == email_content


def test_missing_consent(tenants, email_content):
    account = make_account(tenants.unit("fr"), country="FR", channels=("linkedin",))
    touch = plan_one(tenants, single_email(tenants, email_content), account)
    assert_skipped(touch, "no_consent", "No consent recorded for Email")


def test_withdrawn_consent(tenants, email_content):
    account = make_account(tenants.unit("fr"), country="FR")
    Consent.objects.filter(contact__account=account).update(status=Consent.Status.WITHDRAWN)
    touch = plan_one(tenants, single_email(tenants, email_content), account)
    assert_skipped(touch, "consent_withdrawn", "withdrawn")


def test_legitimate_interest_needs_a_rule_that_allows_it(tenants, email_content):
    playbook = single_email(tenants, email_content)
    account = make_account(tenants.unit("fr"), country="FR", basis="legitimate_interest")
    assert_skipped(plan_one(tenants, playbook, account), "lawful_basis", "Legitimate interest")
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.lawful_basis.email",
        ["consent", "legitimate_interest", "separate_consent"],
    )  # fmt: skip
    mix.set_rule(
        tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.lawful_basis.email", ["consent"]
    )
    touch = plan_one(tenants, playbook, account)
    assert_skipped(touch, "lawful_basis", "France")  # France tightened the global rule
    other = make_account(tenants.unit("de"), country="DE", basis="legitimate_interest")
    assert plan_one(tenants, playbook, other, unit="de").status == TouchStatus.PLANNED


def test_pipl_needs_separate_consent(tenants, email_content):
    playbook = single_email(tenants, email_content)
    cn = tenants.unit("cn")
    touch = plan_one(tenants, playbook, make_account(cn, country="CN"), unit="cn")
    assert_skipped(touch, "pipl_separate_consent", "PIPL", "separate consent")
    ok = make_account(cn, country="CN", basis="separate_consent")
    assert plan_one(tenants, playbook, ok, unit="cn").status == TouchStatus.PLANNED


def test_do_not_contact_and_erased_contacts_are_never_reached(tenants, email_content):
    playbook = single_email(tenants, email_content)
    quiet = make_account(tenants.unit("fr"), country="FR")
    quiet.contacts.update(do_not_contact=True)
    assert_skipped(plan_one(tenants, playbook, quiet), "do_not_contact")
    erased = make_account(tenants.unit("fr"), country="FR")
    erased.contacts.update(erased_at=timezone.now())
    assert_skipped(plan_one(tenants, playbook, erased), "erased")


def test_a_channel_the_unit_may_not_use(tenants, email_content):
    playbook = single_email(tenants, email_content)
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")]
    )
    # The rule arrives after the campaign was built: the gate still holds at planning.
    mix.set_rule(
        tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.channels.allowed", ["events"]
    )
    assert_skipped(only_touch(plan(campaign)), "channel_not_allowed", "Email", "EMEA")


def test_the_account_cap_counts_every_campaign(tenants, email_content):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.frequency.account_7d", 2
    )
    playbook = make_playbook(
        tenants, email_content.family, [("email", 0, "always"), ("email", 2, "always")]
    )
    account = make_account(tenants.unit("fr"), country="FR")
    first = plan(make_campaign(tenants, "fr", playbook, [account]))
    assert Touch.objects.filter(campaign=first, status=TouchStatus.PLANNED).count() == 2
    second = plan(make_campaign(tenants, "fr", single_email(tenants, email_content), [account]))
    assert_skipped(only_touch(second), "frequency_account", "Touches per account in 7 days")
    later = plan(
        make_campaign(
            tenants,
            "fr",
            single_email(tenants, email_content),
            [account],
            starts_on=first.starts_on + dt.timedelta(days=14),
        )
    )
    assert only_touch(later).status == TouchStatus.PLANNED


def test_the_family_cap_spans_the_family_across_units(tenants, email_content):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.frequency.family_7d", 1
    )
    playbook = single_email(tenants, email_content)
    parent = make_account(tenants.unit("fr"), country="FR")
    subsidiary = make_account(tenants.unit("de"), country="DE", parent=parent)
    assert plan_one(tenants, playbook, parent).status == TouchStatus.PLANNED
    touch = plan_one(tenants, playbook, subsidiary, unit="de")
    assert_skipped(touch, "frequency_family", "account family")
    assert touch.family_root_id == parent.pk


def test_expired_content_rights(tenants, email_content):
    Asset.objects.filter(pk=email_content.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    touch = plan_one(
        tenants,
        single_email(tenants, email_content),
        make_account(tenants.unit("fr"), country="FR"),
    )
    assert_skipped(touch, "content_unavailable", "Grid resilience")
    assert touch.content_asset is None


def test_step_conditions_follow_engagement(tenants, playbook):
    engaged = make_account(tenants.unit("fr"), country="FR", lifecycle=Lifecycle.ENGAGED)
    campaign = plan(make_campaign(tenants, "fr", playbook, [engaged]))
    linkedin = Touch.objects.get(campaign=campaign, step=1)  # "only if not engaged yet"
    assert_skipped(linkedin, "condition_engaged", "engaged")
    assert Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED).count() == 2
