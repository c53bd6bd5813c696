"""Market standards: who sets them, who sees them, which one applies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from analytics.models import MarketStandard
from analytics.models.benchmarks import applicable_standard

DAY = dt.date(2031, 3, 15)


def standard(owner, kpi="conversion_rate", value="0.2", target=None, **fields) -> MarketStandard:
    row = MarketStandard(
        owner_unit=owner,
        target_unit=target,
        kpi=kpi,
        value=Decimal(value),
        valid_from=fields.pop("valid_from", dt.date(2031, 1, 1)),
        **fields,
    )
    row.full_clean()
    row.save()
    return row


def test_it_refuses_a_local_owner(tenants):
    with pytest.raises(ValidationError) as exc:
        standard(tenants.unit("fr"))
    assert "owner_unit" in exc.value.message_dict


def test_it_refuses_a_target_outside_the_owner_subtree(tenants):
    with pytest.raises(ValidationError) as exc:
        standard(tenants.unit("emea"), target=tenants.unit("us"))
    assert "target_unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a region is not a market
        standard(tenants.unit("global"), target=tenants.unit("emea"))
    assert "target_unit" in exc.value.message_dict
    # The global unit may aim at a local two levels down.
    assert standard(tenants.unit("global"), target=tenants.unit("us")).pk


def test_it_refuses_zero_and_reversed_dates(tenants):
    with pytest.raises(ValidationError) as exc:
        standard(tenants.unit("emea"), value="0", valid_to=dt.date(2030, 1, 1))
    assert set(exc.value.message_dict) == {"value", "valid_to"}


def test_it_refuses_overlapping_validity_for_the_same_market(tenants):
    emea, fr = tenants.unit("emea"), tenants.unit("fr")
    standard(emea, target=fr, valid_to=dt.date(2031, 6, 30))
    with pytest.raises(ValidationError) as exc:
        standard(emea, target=fr, valid_from=dt.date(2031, 6, 30))
    assert "valid_from" in exc.value.message_dict
    # Adjacent periods, another KPI or all locals do not overlap it.
    standard(emea, target=fr, valid_from=dt.date(2031, 7, 1))
    standard(emea, kpi="roi", target=fr)
    standard(emea)


def test_it_shows_a_local_team_only_the_standards_that_apply_to_it(tenants):
    emea = tenants.unit("emea")
    for_all = standard(emea)
    for_fr = standard(emea, kpi="roi", target=tenants.unit("fr"))
    for_de = standard(emea, kpi="roi", target=tenants.unit("de"))
    other_region = standard(tenants.unit("amer"))
    visible = set(MarketStandard.objects.restrict(tenants.user("fr-viewer"), "view"))
    assert visible == {for_all, for_fr}
    assert set(MarketStandard.objects.restrict(tenants.user("emea-viewer"), "view")) == {
        for_all,
        for_fr,
        for_de,
    }
    assert other_region in MarketStandard.objects.restrict(tenants.user("global-viewer"), "view")
    assert not MarketStandard.objects.restrict(tenants.user("globex-fr-admin"), "view").exists()


def test_only_managers_of_the_owning_unit_or_above_change_it(tenants):
    row = standard(tenants.unit("emea"), target=tenants.unit("fr"))
    for username, allowed in [
        ("emea-manager", True),
        ("emea-admin", True),
        ("global-manager", True),
        ("emea-marketer", False),
        ("fr-manager", False),
        ("fr-admin", False),
        ("amer-manager", False),
    ]:
        user = tenants.user(username)
        may = MarketStandard.objects.restrict(user, "change").filter(pk=row.pk).exists()
        assert may is allowed, username


def test_the_most_specific_standard_applies(tenants):
    glob, emea, fr = tenants.unit("global"), tenants.unit("emea"), tenants.unit("fr")
    assert applicable_standard(fr, "conversion_rate", DAY) is None
    company = standard(glob, value="0.1")
    assert applicable_standard(fr, "conversion_rate", DAY) == company
    region = standard(emea, value="0.15")
    assert applicable_standard(fr, "conversion_rate", DAY) == region
    aimed = standard(glob, value="0.3", target=fr)
    assert applicable_standard(fr, "conversion_rate", DAY) == aimed
    assert applicable_standard(tenants.unit("de"), "conversion_rate", DAY) == region
    # Outside its validity a standard does not apply.
    assert applicable_standard(fr, "conversion_rate", dt.date(2030, 12, 31)) is None


def _admin_post(tenants, username, **fields):
    from django.test import Client

    client = Client()
    client.force_login(tenants.user(username))
    data = {
        "owner_unit": tenants.unit("emea").pk,
        "target_unit": tenants.unit("fr").pk,
        "kpi": "roi",
        "value": "1.5",
        "valid_from": "2031-01-01",
        "note": "",
        **fields,
    }
    return client.post("/admin/analytics/marketstandard/add/", data)


def test_the_admin_lets_region_admins_set_standards_and_no_one_else(tenants):
    assert _admin_post(tenants, "emea-admin").status_code == 302
    assert MarketStandard.objects.filter(kpi="roi", owner_unit__code="emea").count() == 1
    # fr's admin cannot pick emea as owner, nor set one for itself.
    for fields in ({}, {"owner_unit": tenants.unit("fr").pk}):
        response = _admin_post(tenants, "fr-admin", kpi="conversion_rate", **fields)
        assert response.status_code == 200 and response.context["errors"]
    assert not MarketStandard.objects.filter(kpi="conversion_rate").exists()
