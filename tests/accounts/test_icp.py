"""ICP criteria: set at the root, tightened (never loosened) by regions; fit scores."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from accounts import icp, scoring
from accounts.models import Account
from glocal.layering.models import Bound


def set_bound(unit, key, value) -> Bound:
    bound = Bound(owner_unit=unit, key=key, value=value)
    bound.full_clean()
    bound.save()
    return bound


@pytest.fixture
def units(tenants):
    return {code: tenants.unit(code) for code in ("global", "emea", "fr", "de")}


def test_it_combines_root_and_region_criteria_naming_who_set_them(units):
    set_bound(units["global"], icp.INDUSTRIES.key, ["manufacturing", "energy", "retail"])
    set_bound(units["emea"], icp.INDUSTRIES.key, ["manufacturing", "energy"])
    set_bound(units["global"], icp.MIN_REVENUE.key, 1_000_000)
    criteria = icp.criteria_for(units["fr"])
    industries = criteria.rule(icp.INDUSTRIES.key)
    assert industries.value == ["energy", "manufacturing"]
    assert industries.set_by == units["emea"]
    assert criteria.rule(icp.MIN_REVENUE.key).set_by == units["global"]
    assert criteria.rule(icp.COUNTRIES.key) is None


def test_a_region_may_tighten_but_not_loosen_the_icp(units):
    set_bound(units["global"], icp.INDUSTRIES.key, ["manufacturing", "energy"])
    set_bound(units["global"], icp.MIN_REVENUE.key, 1_000_000)
    set_bound(units["emea"], icp.MIN_REVENUE.key, 5_000_000)  # tighter: fine
    with pytest.raises(ValidationError) as exc:
        set_bound(units["emea"], icp.INDUSTRIES.key, ["manufacturing", "retail"])
    message = exc.value.message_dict["value"][0]
    assert "ICP industries" in message and units["global"].name in message
    with pytest.raises(ValidationError) as exc:
        set_bound(units["fr"], icp.MIN_REVENUE.key, 100)
    assert units["emea"].name in exc.value.message_dict["value"][0]


def test_fit_is_the_weighted_share_of_defined_criteria_met(units):
    fr = units["fr"]
    account = Account.objects.create(
        owner_unit=fr,
        name="Acme SAS",
        industry="manufacturing",
        country="FR",
        employee_band="250-999",
        annual_revenue=2_000_000,
        revenue_currency="EUR",
    )
    assert scoring.refresh_fit(account) == 0  # no ICP: nothing to fit
    set_bound(units["global"], icp.INDUSTRIES.key, ["manufacturing"])
    set_bound(units["global"], icp.COUNTRIES.key, ["DE"])
    assert scoring.refresh_fit(account) == round(100 * 30 / 55, 1)
    set_bound(units["global"], icp.MIN_REVENUE.key, 1_000_000)
    account.refresh_from_db()
    assert scoring.fit_score(account, icp.criteria_for(fr)) == 68.8  # (30+25)/(30+25+25)


def test_outside_the_icp_names_the_field_and_the_rule(units):
    set_bound(units["global"], icp.COUNTRIES.key, ["FR", "DE"])
    set_bound(units["global"], icp.MIN_REVENUE.key, 1_000_000)
    account = Account(
        owner_unit=units["fr"], name="X", country="US", annual_revenue=5, revenue_currency="USD"
    )
    errors = icp.check_account(account)
    assert set(errors) == {"country", "annual_revenue"}
    assert "ICP countries" in errors["country"] and units["global"].name in errors["country"]
    assert "USD" in errors["annual_revenue"]


def test_recompute_rescores_a_subtree_in_batches(units):
    fr, de = units["fr"], units["de"]
    accounts = [
        Account.objects.create(owner_unit=unit, name=f"A{i}", industry="energy")
        for i, unit in enumerate([fr, fr, fr, de])
    ]
    set_bound(units["emea"], icp.INDUSTRIES.key, ["energy"])
    last = scoring.recompute([units["emea"].pk], batch=3)
    assert last == accounts[2].pk
    assert scoring.recompute([units["emea"].pk], after_pk=last, batch=3) is None
    assert set(Account.objects.values_list("fit_score", flat=True)) == {100.0}


def test_an_icp_change_schedules_a_rescore_of_the_unit(units, django_capture_on_commit_callbacks):
    with mock.patch("accounts.tasks.recompute_fit_scores.delay_on_commit") as delay:
        set_bound(units["emea"], icp.COUNTRIES.key, ["FR"])
        set_bound(units["emea"], "approval.required.campaign_launch", True)
    delay.assert_called_once_with([units["emea"].pk])


def test_the_task_requeues_itself_while_batches_are_full(units):
    from accounts import tasks

    first = Account.objects.create(owner_unit=units["fr"], name="A")
    Account.objects.create(owner_unit=units["fr"], name="B")
    original = scoring.recompute

    def one_at_a_time(ids, after_pk=0):
        return original(ids, after_pk=after_pk, batch=1)

    with (
        mock.patch("accounts.scoring.recompute", side_effect=one_at_a_time),
        mock.patch.object(tasks.recompute_fit_scores, "delay") as delay,
    ):
        tasks.recompute_fit_scores([units["fr"].pk])
    delay.assert_called_once_with([units["fr"].pk], after_pk=first.pk)
