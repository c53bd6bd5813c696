"""Reallocation suggestions by marginal return, and applying them through approvals.

Today is 2031-07-15: the returns are read over 2030-Q3..2031-Q2. Under EMEA's budget
(40 000): France 10 000, Germany 10 000, Poland 5 000.

* France: spend 100, 200, 300, 400 → won 300, 500, 700, 900: slope 2;
* Germany: spend 100 every quarter (no slope) → won 150 each: average 600 ÷ 400 = 1.5;
* Poland: no spend: unknown.

The suggestion moves 20% of Germany's 10 000 = 2 000 to France.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from analytics import allocation
from analytics.models import DailyFact
from campaigns import budgets
from campaigns.models import Budget
from governance import approvals
from governance.models import ApprovalRequest
from tests.analytics.conftest import D
from tests.campaigns.budget_helpers import fresh, tree

TODAY = dt.date(2031, 7, 15)
QUARTER_DAYS = [
    dt.date(2030, 8, 15),
    dt.date(2030, 11, 15),
    dt.date(2031, 2, 15),
    dt.date(2031, 5, 15),
]


def facts(unit, name, values):
    for day, value in zip(QUARTER_DAYS, values, strict=True):
        DailyFact.objects.create(owner_unit=unit, day=day, name=name, value=D(value))


@pytest.fixture
def markets(tenants, monkeypatch):
    monkeypatch.setattr(allocation.timezone, "localdate", lambda *args: TODAY)
    made = tree(tenants)
    manager = tenants.user("global-manager")
    made["de"] = budgets.allocate(manager, made["emea"], tenants.unit("de"), D(10_000))
    made["pl"] = budgets.allocate(manager, made["emea"], tenants.unit("pl"), D(5_000))
    fr, de = tenants.unit("fr"), tenants.unit("de")
    facts(fr, "spend", [100, 200, 300, 400])
    facts(fr, "won_amount", [300, 500, 700, 900])
    facts(de, "spend", [100, 100, 100, 100])
    facts(de, "won_amount", [150, 150, 150, 150])
    # Outside the window: does not count.
    DailyFact.objects.create(owner_unit=de, day=dt.date(2031, 7, 1), name="spend", value=D(9999))
    return made


def test_marginal_return_is_the_slope_or_else_the_average():
    assert allocation.marginal_return(
        pd.Series([100.0, 200, 300, 400]), pd.Series([300.0, 500, 700, 900])
    ) == (D(2), "slope")
    assert allocation.marginal_return(pd.Series([100.0] * 4), pd.Series([150.0] * 4)) == (
        D("1.5"),
        "average",
    )
    assert allocation.marginal_return(pd.Series([0.0] * 4), pd.Series([10.0] * 4)) == (None, None)


def test_it_suggests_moving_from_the_lowest_to_the_highest_return(markets):
    report = allocation.allocation_report(fresh(markets["emea"]), TODAY)
    assert report["quarters"] == ["2030-Q3", "2030-Q4", "2031-Q1", "2031-Q2"]
    rows = {m["unit"]["code"]: m for m in report["markets"]}
    assert (rows["fr"]["marginal_return"], rows["fr"]["basis"]) == ("2.0000", "slope")
    assert (rows["de"]["marginal_return"], rows["de"]["basis"], rows["de"]["spend"]) == (
        "1.5000",
        "average",
        "400.00",
    )
    assert (rows["pl"]["marginal_return"], rows["pl"]["basis"]) == (None, None)
    move = report["suggestion"]
    assert move["amount"] == "2000.00"
    assert (move["from"]["unit"]["code"], move["from"]["amount_after"]) == ("de", "8000.0000")
    assert (move["to"]["unit"]["code"], move["to"]["amount_after"]) == ("fr", "12000.0000")


@override_settings(ANALYTICS_REALLOCATION_MAX_SHARE=50)
def test_the_donor_keeps_what_it_already_used(markets):
    Budget.objects.filter(pk=markets["de"].pk).update(spent=D(9_500))
    report = allocation.allocation_report(fresh(markets["emea"]), TODAY)
    assert report["suggestion"]["amount"] == "500.00"
    Budget.objects.filter(pk=markets["de"].pk).update(spent=D(10_000))
    report = allocation.allocation_report(fresh(markets["emea"]), TODAY)
    assert report["suggestion"] is None and "already allocated or spent" in report["message"]


def test_no_suggestion_without_two_known_markets(tenants, monkeypatch):
    monkeypatch.setattr(allocation.timezone, "localdate", lambda *args: TODAY)
    made = tree(tenants)
    report = allocation.allocation_report(fresh(made["emea"]), TODAY)
    assert report["suggestion"] is None and "two markets" in report["message"]
    assert allocation.allocation_report(fresh(made["fr"]), TODAY)["markets"] == []


def test_the_accountable_manager_applies_it_at_once(markets, tenants):
    result = allocation.do_apply_suggestion(tenants.user("global-manager"), markets["emea"])
    assert all(isinstance(r, Budget) for r in result)
    assert (fresh(markets["de"]).amount, fresh(markets["fr"]).amount) == (D(8000), D(12000))
    assert fresh(markets["emea"]).allocated == D(25_000)  # unchanged


def test_a_regional_manager_asks_and_the_global_managers_approve(markets, tenants):
    first, second = allocation.do_apply_suggestion(tenants.user("emea-manager"), markets["emea"])
    assert isinstance(first, ApprovalRequest) and first.is_pending
    assert isinstance(second, ApprovalRequest) and second.is_pending
    assert (fresh(markets["de"]).amount, fresh(markets["fr"]).amount) == (D(10000), D(10000))
    boss = tenants.user("global-manager")
    approvals.decide(first, boss, approve=True)
    approvals.decide(second, boss, approve=True)
    assert (fresh(markets["de"]).amount, fresh(markets["fr"]).amount) == (D(8000), D(12000))


def test_a_local_team_cannot_apply_and_nothing_is_written(markets, tenants):
    before = ApprovalRequest.objects.count()
    with pytest.raises(PermissionDenied):
        allocation.do_apply_suggestion(tenants.user("fr-manager"), markets["emea"])
    assert ApprovalRequest.objects.count() == before
    assert fresh(markets["de"]).amount == D(10000)


def test_applying_without_a_suggestion_is_refused(tenants):
    made = tree(tenants)
    with pytest.raises(ValidationError):
        allocation.do_apply_suggestion(tenants.user("global-manager"), made["emea"])


URL = "/api/v1/forecasts/allocation/"


def test_the_api_shows_the_suggestion_and_applies_it(markets, api):
    emea = markets["emea"]
    body = api("emea-viewer").get(f"{URL}?budget={emea.pk}").json()
    assert body["suggestion"]["amount"] == "2000.00"
    assert body["suggestion"]["from"]["unit"]["code"] == "de"
    # A viewer may read it, not ask for it.
    assert api("emea-viewer").post(f"{URL}apply/", {"budget": emea.pk}).status_code == 403
    response = api("emea-manager").post(f"{URL}apply/", {"budget": emea.pk}, format="json")
    assert response.status_code == 200, response.content
    assert [(r["budget"], r["pending"]) for r in response.json()] == [
        (markets["de"].pk, True),
        (markets["fr"].pk, True),
    ]
    # Asked once: asking again while it waits is refused, nothing changes.
    again = api("global-manager").post(f"{URL}apply/", {"budget": emea.pk}, format="json")
    assert again.status_code == 400
    assert "already waits for approval" in again.content.decode()
    assert (fresh(markets["de"]).amount, fresh(markets["fr"]).amount) == (D(10000), D(10000))


def test_the_accountable_manager_applies_it_over_the_api(markets, api):
    response = api("global-manager").post(
        f"{URL}apply/", {"budget": markets["emea"].pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [r["pending"] for r in response.json()] == [False, False]
    assert (fresh(markets["de"]).amount, fresh(markets["fr"]).amount) == (D(8000), D(12000))


def test_the_api_hides_other_budgets_and_refuses_bad_input(markets, api):
    client = api("fr-viewer")
    assert client.get(f"{URL}?budget={markets['emea'].pk}").status_code == 404
    assert client.get(f"{URL}?budget={markets['de'].pk}").status_code == 404
    assert client.get(f"{URL}?budget={markets['fr'].pk}").status_code == 200
    for query in ("", "?budget=abc", "?budget=0", "?budget=99999999999999999999"):
        response = client.get(f"{URL}{query}")
        assert response.status_code == 400, query
        assert {e["attr"] for e in response.json()["errors"]} == {"budget"}
    no_move = api("global-manager").post(
        f"{URL}apply/", {"budget": markets["fr"].pk}, format="json"
    )
    assert no_move.status_code == 400
