"""``/api/v1/benchmarks/`` and ``/api/v1/market-standards/``: figures, who sees which
ranking, and who sets a standard."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.models import MarketStandard
from tests.analytics.test_benchmarks import emea_data  # noqa: F401 - fixture

URL = "/api/v1/benchmarks/"


@pytest.fixture
def data(emea_data):  # noqa: F811
    return emea_data


def test_a_region_sees_its_teams_ranked_by_index(data, api):
    emea = data.unit("emea")
    response = api("emea-viewer").get(f"{URL}?unit={emea.pk}&quarter=2031-Q2")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["history_weight"] == "0.5"
    children = {c["unit"]["code"]: c["kpis"]["pipeline_generated"] for c in body["children"]}
    assert children["fr"] == {
        "value": "4000.00",
        "benchmark": "2500.00",
        "source": "history+standard",
        "history": "2000.00",
        "history_periods": 3,
        "standard": "3000.0000",
        "index": "1.6000",
        "rank": 2,
        "ranked_among": 4,
    }
    assert {code: c["rank"] for code, c in children.items()} == {
        "uk": 1,
        "fr": 2,
        "de": 3,
        "pl": None,
    }
    own = body["kpis"]["pipeline_generated"]
    # emea among amer and apac: the global user's question, not the region's.
    assert (own["rank"], own["global_median"], own["vs_median"]) == (None, "850.00", "above")


def test_a_local_team_gets_its_index_and_the_median_but_no_sibling(data, api):
    fr = data.unit("fr")
    response = api("fr-viewer").get(f"{URL}?unit={fr.pk}&quarter=2031-Q2&kpi=pipeline_generated")
    assert response.status_code == 200, response.content
    body = response.json()
    own = body["kpis"]["pipeline_generated"]
    assert (own["index"], own["rank"], own["ranked_among"]) == ("1.6000", None, None)
    assert (own["global_median"], own["median_units"], own["vs_median"]) == ("850.00", 8, "above")
    assert body["children"] == []
    text = response.content.decode()
    assert "1500" not in text and '"de"' not in text  # nothing of Germany's


def test_the_region_sees_a_team_rank_among_its_siblings(data, api):
    fr = data.unit("fr")
    body = api("emea-viewer").get(f"{URL}?unit={fr.pk}&quarter=2031-Q2").json()
    own = body["kpis"]["pipeline_generated"]
    assert (own["rank"], own["ranked_among"]) == (2, 4)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("quarter=2031-Q5", "quarter"),
        ("month=2031-13", "month"),
        ("kpi=bogus", "kpi"),
        ("unit=abc", "unit"),
        ("unit=99999999999999999999", "unit"),
        ("start=2031-01-01", "end"),
        ("month=2031-01&quarter=2031-Q1", "period"),
    ],
)
def test_bad_parameters_are_400(data, api, query, field):
    response = api("emea-viewer").get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert field in {e["attr"] for e in response.json()["errors"]}


def test_outside_the_tree_is_404_and_an_ancestor_403(data, api):
    client = api("fr-viewer")
    assert client.get(f"{URL}?unit={data.unit('de').pk}").status_code == 404
    assert client.get(f"{URL}?unit={data.unit('emea').pk}").status_code == 403
    assert api("globex-fr-admin").get(f"{URL}?unit={data.unit('fr').pk}").status_code == 404


STANDARDS = "/api/v1/market-standards/"


def _payload(tenants, **fields):
    return {
        "owner_unit": tenants.unit("emea").pk,
        "target_unit": tenants.unit("fr").pk,
        "kpi": "conversion_rate",
        "value": "0.25",
        "valid_from": "2031-01-01",
        **fields,
    }


def test_a_regional_manager_sets_a_standard_for_a_market(tenants, api):
    response = api("emea-manager").post(STANDARDS, _payload(tenants), format="json")
    assert response.status_code == 201, response.content
    row = MarketStandard.objects.get(pk=response.json()["id"])
    assert (row.owner_unit.code, row.target_unit.code, row.value) == ("emea", "fr", 0.25)


def test_a_marketer_or_a_local_team_cannot_set_one(tenants, api):
    assert api("emea-marketer").post(STANDARDS, _payload(tenants), format="json").status_code == 403
    local = api("fr-admin").post(
        STANDARDS, _payload(tenants, owner_unit=tenants.unit("fr").pk), format="json"
    )
    assert local.status_code == 400
    assert "owner_unit" in {e["attr"] for e in local.json()["errors"]}
    # The sibling's unit is not even a choice for a team of another region.
    other = api("amer-manager").post(STANDARDS, _payload(tenants), format="json")
    assert other.status_code == 400
    assert not MarketStandard.objects.exists()


def test_bad_standards_are_400_not_partial(tenants, api):
    client = api("emea-manager")
    for fields in [
        {"value": "0"},
        {"kpi": "bogus"},
        {"target_unit": tenants.unit("us").pk},
        {"valid_to": "2030-01-01"},
        {"valid_from": "not a date"},
    ]:
        response = client.post(STANDARDS, _payload(tenants, **fields), format="json")
        assert response.status_code == 400, (fields, response.content)
    assert not MarketStandard.objects.exists()


def test_a_local_team_reads_what_applies_to_it_only(tenants, api):
    emea = tenants.unit("emea")
    mine = MarketStandard.objects.create(
        owner_unit=emea,
        target_unit=tenants.unit("fr"),
        kpi="roi",
        value=1,
        valid_from=dt.date(2031, 1, 1),
    )
    theirs = MarketStandard.objects.create(
        owner_unit=emea,
        target_unit=tenants.unit("de"),
        kpi="roi",
        value=2,
        valid_from=dt.date(2031, 1, 1),
    )
    client = api("fr-manager")
    ids = {row["id"] for row in client.get(STANDARDS).json()["results"]}
    assert ids == {mine.pk}
    assert client.get(f"{STANDARDS}{theirs.pk}/").status_code == 404
    assert client.patch(f"{STANDARDS}{mine.pk}/", {"value": "3"}, format="json").status_code == 403
    assert (
        api("emea-manager")
        .patch(f"{STANDARDS}{mine.pk}/", {"value": "3"}, format="json")
        .json()["value"]
        == "3.0000"
    )
    assert client.get(f"{STANDARDS}?kpi=bogus").status_code == 400
