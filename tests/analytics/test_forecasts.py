"""Next-quarter pipeline forecasts and their back-test, hand-computed.

Today is 2031-07-15 (2031-Q3 running): the forecast is for 2031-Q4 from the quarters up
to 2031-Q2. France's pipeline per quarter:

    2029: 100 200 300 400    2030: 110 220 330 440    2031: 121 242

2031-Q4 = 2030-Q4 (440) x trend (242+121+440+330 = 1133 ÷ 220+110+400+300 = 1030 = 1.1)
= 484. Back-test on 2030-Q3..2031-Q2: without two full years before them the first
three are seasonal naive (300, 400, 110 against 330, 440, 121: errors 30, 40, 11, each
1/11 of the actual); 2031-Q2 = 220 x (1100 ÷ 1000) = 242 exactly. MAE = 81 / 4 = 20.25;
MAPE = 3/11 / 4 = 0.0682.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import forecasts
from analytics.models import DailyFact
from tests.analytics.conftest import D

TODAY = dt.date(2031, 7, 15)
FRANCE = {
    (2029, 1): 100,
    (2029, 2): 200,
    (2029, 3): 300,
    (2029, 4): 400,
    (2030, 1): 110,
    (2030, 2): 220,
    (2030, 3): 330,
    (2030, 4): 440,
    (2031, 1): 121,
    (2031, 2): 242,
}


def quarter_fact(unit, year, quarter, value, name="pipeline_created"):
    DailyFact.objects.create(
        owner_unit=unit, day=dt.date(year, quarter * 3 - 1, 15), name=name, value=D(value)
    )


@pytest.fixture
def history(tenants):
    fr = tenants.unit("fr")
    for (year, quarter), value in FRANCE.items():
        quarter_fact(fr, year, quarter, value)
    # Germany reports from 2031 only: no same quarter last year.
    quarter_fact(tenants.unit("de"), 2031, 1, 500)
    return tenants


def run(tenants, *codes):
    units = [tenants.unit(c) for c in codes]
    result = forecasts.forecast_units(DailyFact.objects.unrestricted(), units, TODAY)
    return {u.code: result[u.pk] for u in units}


def test_the_forecast_is_last_year_same_quarter_times_the_trend(history):
    predicted, _ = run(history, "fr")["fr"]
    assert (predicted.quarter, predicted.value) == ("2031-Q4", D("484.00"))
    assert (predicted.same_quarter_last_year, predicted.trend) == (D(440), D("1.1"))


def test_the_backtest_replays_the_rule_on_the_last_quarters(history):
    _, tested = run(history, "fr")["fr"]
    assert [(r["quarter"], r["forecast"], r["actual"]) for r in tested.quarters] == [
        ("2030-Q3", D(300), D(330)),
        ("2030-Q4", D(400), D(440)),
        ("2031-Q1", D(110), D(121)),
        ("2031-Q2", D(242), D(242)),
    ]
    assert (tested.mae, tested.mape) == (D("20.25"), D("0.0682"))


def test_too_little_history_is_an_answer_not_an_error(history):
    predicted, tested = run(history, "de", "pl")["de"]
    assert predicted.value is None and "Not enough history" in predicted.message
    assert (tested.quarters, tested.mae, tested.mape) == ([], None, None)
    nothing, _ = run(history, "pl")["pl"]
    assert nothing.value is None and not nothing.ok


def test_a_region_forecasts_its_subtree(history):
    predicted, _ = run(history, "emea")["emea"]
    # 2030-Q4 440 x (1133 + 500 ÷ 1030) = 440 x 1.58543689...
    assert predicted.value == D("697.59")


def test_quarters_without_pipeline_count_as_zero_but_not_in_the_mape(tenants):
    uk = tenants.unit("uk")
    quarter_fact(uk, 2030, 1, 1, name="spend")  # reporting starts, no pipeline yet
    quarter_fact(uk, 2031, 1, 100)
    _, tested = run(tenants, "uk")["uk"]
    # 2030-Q3..2031-Q2 forecast from 2029 … 2030-Q2: 2030-Q3 and -Q4 have no same
    # quarter last year; 2031-Q1 = 0 (actual 100), 2031-Q2 = 0 (actual 0).
    assert [(r["quarter"], r["forecast"], r["actual"]) for r in tested.quarters] == [
        ("2031-Q1", D(0), D(100)),
        ("2031-Q2", D(0), D(0)),
    ]
    assert (tested.mae, tested.mape) == (D(50), D(1))


URL = "/api/v1/forecasts/"


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr(forecasts.timezone, "localdate", lambda *args: TODAY)


def test_a_region_gets_its_forecast_and_its_teams(history, api, frozen_today):
    emea = history.unit("emea")
    response = api("emea-viewer").get(f"{URL}?unit={emea.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["quarter"], body["forecast"], body["currency"]) == ("2031-Q4", "697.59", "EUR")
    children = {c["unit"]["code"]: c for c in body["children"]}
    assert set(children) == {"fr", "de", "uk", "pl"}
    fr = children["fr"]
    assert (fr["forecast"], fr["trend"], fr["backtest"]["mae"], fr["backtest"]["mape"]) == (
        "484.00",
        "1.1000",
        "20.25",
        "0.0682",
    )
    assert children["de"]["forecast"] is None
    assert "Not enough history" in children["de"]["message"]


def test_a_local_team_gets_its_own_forecast_only(history, api, frozen_today):
    client = api("fr-viewer")
    body = client.get(URL).json()  # its own unit by default
    assert (body["unit"]["code"], body["forecast"], body["children"]) == ("fr", "484.00", [])
    assert client.get(f"{URL}?unit={history.unit('de').pk}").status_code == 404
    assert client.get(f"{URL}?unit={history.unit('emea').pk}").status_code == 403
    for bad in ("abc", "0", "99999999999999999999"):
        response = client.get(f"{URL}?unit={bad}")
        assert response.status_code == 400
        assert {e["attr"] for e in response.json()["errors"]} == {"unit"}
