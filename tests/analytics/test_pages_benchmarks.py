"""Dashboard pages: benchmarks, forecasts and the reallocation suggestion."""

from __future__ import annotations

import pytest
from django.test import Client

from analytics import forecasts
from governance.models import ApprovalRequest
from tests.analytics.test_allocation import TODAY
from tests.analytics.test_allocation import markets as markets
from tests.analytics.test_benchmarks import emea_data  # noqa: F401 - fixture
from tests.analytics.test_forecasts import history  # noqa: F401 - fixture


def client(tenants, username: str) -> Client:
    c = Client()
    c.force_login(tenants.user(username))
    return c


def test_a_region_sees_every_team_index_and_rank(emea_data):  # noqa: F811
    emea = emea_data.unit("emea")
    response = client(emea_data, "emea-viewer").get(
        f"/analytics/benchmarks/?unit={emea.pk}&quarter=2031-Q2"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Germany" in page and "1.6000" in page and "#2" in page
    assert "850.00" in page  # the global median


def test_a_local_team_sees_its_index_and_the_median_only(emea_data):  # noqa: F811
    fr = emea_data.unit("fr")
    page = (
        client(emea_data, "fr-viewer")
        .get(f"/analytics/benchmarks/?unit={fr.pk}&quarter=2031-Q2")
        .content.decode()
    )
    assert "1.6000" in page and "850.00" in page and "above the median" in page
    assert "Germany" not in page and 'id="children"' not in page


@pytest.mark.parametrize("query", ["quarter=2031-Q9", "unit=abc", "start=2031-02-30&end=x"])
def test_bad_parameters_answer_400_with_the_reason(emea_data, query):  # noqa: F811
    response = client(emea_data, "fr-viewer").get(f"/analytics/benchmarks/?{query}")
    assert response.status_code == 400
    assert 'id="errors"' in response.content.decode()


def test_forecasts_show_their_backtest_error(history, monkeypatch):  # noqa: F811
    monkeypatch.setattr(forecasts.timezone, "localdate", lambda *args: TODAY)
    page = client(history, "fr-viewer").get("/analytics/forecasts/").content.decode()
    assert "484.00" in page and "20.25" in page and "0.0682" in page
    assert client(history, "fr-viewer").get("/analytics/forecasts/?budget=x").status_code == 400


def test_the_suggestion_is_applied_through_the_approval_flow(markets, tenants):
    emea = markets["emea"]
    page = client(tenants, "emea-manager").get(
        f"/analytics/forecasts/?unit={emea.owner_unit_id}&budget={emea.pk}"
    )
    assert page.status_code == 200
    assert "Move 2000.00 EUR from Germany to France." in page.content.decode()
    url = f"/analytics/forecasts/allocation/{emea.pk}/apply/"
    assert client(tenants, "fr-manager").post(url).status_code == 404
    refused = client(tenants, "emea-viewer").post(url)
    assert refused.status_code == 403 and 'id="errors"' in refused.content.decode()
    done = client(tenants, "emea-manager").post(url, {"comment": "Q3 shift"})
    assert done.status_code == 303
    waiting = [r for r in ApprovalRequest.objects.all() if r.is_pending]
    assert {int(r.target_id) for r in waiting} == {markets["de"].pk, markets["fr"].pk}
