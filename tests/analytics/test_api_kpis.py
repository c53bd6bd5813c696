"""``/api/v1/kpis/``: consolidated KPIs with drill-down, the tree rule, period parsing
and 400s for bad parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.models import DailyFact

from .conftest import D, make_account, make_opportunity


def _fact(unit, day, name, value):
    DailyFact.objects.create(owner_unit=unit, day=day, name=name, value=D(value))


@pytest.fixture
def january(tenants):
    """Hand-made rollups: fr and de in January 2025 (and selections before it)."""
    fr, de = tenants.unit("fr"), tenants.unit("de")
    for unit, day, name, value in [
        (fr, dt.date(2024, 12, 15), "selected_net", 4),
        (de, dt.date(2024, 12, 15), "selected_net", 6),
        (fr, dt.date(2025, 1, 10), "pipeline_created", "1000"),
        (de, dt.date(2025, 1, 12), "pipeline_created", "500.50"),
        (fr, dt.date(2025, 1, 10), "opportunities_created", 3),
        (de, dt.date(2025, 1, 12), "opportunities_created", 2),
        (fr, dt.date(2025, 1, 10), "first_opportunity_accounts", 1),
        (de, dt.date(2025, 1, 12), "first_opportunity_accounts", 2),
        (fr, dt.date(2025, 1, 20), "closed_count", 1),
        (fr, dt.date(2025, 1, 20), "won_count", 1),
        (fr, dt.date(2025, 1, 20), "won_amount", "600"),
        (fr, dt.date(2025, 1, 20), "cycle_days_sum", 10),
        (de, dt.date(2025, 1, 25), "closed_count", 1),
        (de, dt.date(2025, 1, 25), "cycle_days_sum", 30),
        (fr, dt.date(2025, 1, 5), "spend", "200"),
        (tenants.unit("emea"), dt.date(2025, 1, 5), "spend", "100"),
        (fr, dt.date(2025, 1, 31), "engaged_accounts", 2),
        (de, dt.date(2025, 1, 31), "engaged_accounts", 1),
    ]:
        _fact(unit, day, name, value)


def test_a_region_gets_consolidated_kpis_and_its_teams(tenants, api, january):
    emea = tenants.unit("emea")
    response = api("emea-admin").get(f"/api/v1/kpis/?unit={emea.pk}&month=2025-01")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"start": "2025-01-01", "end": "2025-01-31"}
    assert body["currency"] == "EUR"
    # EMEA: open = 5 created - 2 closed = 3; win rate 1/2; average won 600; cycle 40/2 = 20
    # days: velocity 3 * 0.5 * 600 / 20 = 45; conversion 3/10; ROI (600 - 300) / 300 = 1.
    assert body["kpis"] == {
        "pipeline_generated": "1500.50",
        "conversion_rate": "0.3000",
        "sales_velocity": "45.00",
        "roi": "1.0000",
        "engaged_accounts": 3,
    }
    children = {child["unit"]["code"]: child["kpis"] for child in body["children"]}
    assert set(children) >= {"fr", "de"}
    # fr: open 3 - 1 = 2; win rate 1; average won 600; cycle 10: 2 * 600 / 10 = 120.
    assert children["fr"] == {
        "pipeline_generated": "1000.00",
        "conversion_rate": "0.2500",
        "sales_velocity": "120.00",
        "roi": "2.0000",
        "engaged_accounts": 2,
    }
    # de: nothing won, no spend: velocity 0, ROI undefined.
    assert children["de"]["sales_velocity"] == "0.00"
    assert children["de"]["roi"] is None


def test_a_local_team_gets_its_own_unit_by_default(tenants, api, january):
    response = api("fr-viewer").get("/api/v1/kpis/?start=2025-01-01&end=2025-01-31")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"]["code"] == "fr"
    assert body["kpis"]["pipeline_generated"] == "1000.00"
    assert body["children"] == []


def test_never_sideways_nor_up_nor_across(tenants, api, january):
    client = api("fr-admin")
    assert client.get(f"/api/v1/kpis/?unit={tenants.unit('de').pk}").status_code == 404
    assert client.get(f"/api/v1/kpis/?unit={tenants.unit('emea').pk}").status_code == 403
    globex = tenants.unit("fr", org="globex")
    assert client.get(f"/api/v1/kpis/?unit={globex.pk}").status_code == 404
    assert api().get("/api/v1/kpis/").status_code == 401


def test_an_empty_period_has_zero_sums_and_undefined_ratios(tenants, api, january):
    response = api("fr-admin").get("/api/v1/kpis/?month=2020-02")
    assert response.status_code == 200
    assert response.json()["kpis"] == {
        "pipeline_generated": "0.00",
        "conversion_rate": None,
        "sales_velocity": None,
        "roi": None,
        "engaged_accounts": 0,
    }


def test_a_quarter_and_a_kpi_filter(tenants, api, january):
    response = api("fr-admin").get("/api/v1/kpis/?quarter=2025-q1&kpi=roi,engaged_accounts")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"start": "2025-01-01", "end": "2025-03-31"}
    # engaged accounts is the snapshot of the period's last day (none stored on 31 March)
    assert body["kpis"] == {"roi": "2.0000", "engaged_accounts": 0}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("month=2031-13", "month"),
        ("month=march", "month"),
        ("quarter=2031-Q5", "quarter"),
        ("start=2031-01-01", "end"),
        ("start=2031-02-01&end=2031-01-01", "end"),
        ("start=2031-02-30&end=2031-03-01", "start"),
        ("start=2001-01-01&end=2031-01-01", "end"),
        ("month=2031-01&quarter=2031-Q1", "period"),
        ("kpi=roi,profit", "kpi"),
        ("unit=abc", "unit"),
        ("unit=99999999999999999999", "unit"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(tenants, api, query, field):
    response = api("fr-admin").get(f"/api/v1/kpis/?{query}")
    assert response.status_code == 400, response.content
    assert field in {e["attr"] for e in response.json()["errors"]}


def test_a_user_without_a_unit_must_name_one(tenants, api):
    response = api("ops").get("/api/v1/kpis/")
    assert response.status_code == 400
    assert "unit" in {e["attr"] for e in response.json()["errors"]}
    ok = api("ops").get(f"/api/v1/kpis/?unit={tenants.unit('emea').pk}")
    assert ok.status_code == 200


def test_an_opportunity_shows_in_the_kpis_once_the_worker_refreshed(tenants, api, worker):
    account = make_account(tenants.unit("fr"))
    with worker():
        make_opportunity(account, 750, dt.date(2031, 5, 3))
    response = api("emea-admin").get(
        f"/api/v1/kpis/?unit={tenants.unit('emea').pk}&month=2031-05&kpi=pipeline_generated"
    )
    assert response.json()["kpis"] == {"pipeline_generated": "750.00"}


def test_the_drill_down_does_not_query_per_child_unit(tenants, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from glocal.models import OrgUnit

    emea = tenants.unit("emea")
    client = api("emea-admin")
    url = f"/api/v1/kpis/?unit={emea.pk}&month=2031-01"

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(response.json()["children"])

    before, children = count()
    OrgUnit.objects.create(
        organization=emea.organization, parent=emea, tier="LOCAL", code="es", name="Spain"
    )
    after, more_children = count()
    assert more_children == children + 1
    assert after == before
