"""Budgets, spend and FX rates over the API: filters, governed allocation, clear 400s
(never a 500, never a partial write), idempotent spend and no N+1 on lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import budgets
from campaigns.models import Budget, FxRate, Spend
from governance.models import ApprovalRequest

from .budget_helpers import D, fresh, rate, tree

DAY = "2031-03-10"


def errors(response) -> dict[str, str]:
    """Field → message of a 400 (the API's standardised error shape)."""
    assert response.status_code == 400, response.content
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


@pytest.fixture
def b(tenants):
    return tree(tenants, world=1000, emea=600, fr=200)


# --- budgets -------------------------------------------------------------------------


def test_it_lists_budgets_in_scope_with_filters(tenants, api, b):
    def names(username: str, query: str = "") -> list[str]:
        response = api(username).get(f"/api/v1/budgets/?ordering=name&{query}")
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names("global-viewer") == ["FY2031", "FY2031 EMEA", "FY2031 France"]
    assert names("fr-viewer") == ["FY2031 France"]
    assert names("de-admin") == [] and names("globex-global-admin") == []
    assert names("global-viewer", "unit_code=emea") == ["FY2031 EMEA"]
    assert names("global-viewer", "root=true") == ["FY2031"]
    assert names("global-viewer", f"parent={b['global'].pk}") == ["FY2031 EMEA"]
    assert names("global-viewer", "active_on=2031-06-01") == [
        "FY2031",
        "FY2031 EMEA",
        "FY2031 France",
    ]
    assert names("global-viewer", "active_on=2032-01-01") == []
    row = api("global-viewer").get("/api/v1/budgets/?unit_code=emea").json()["results"][0]
    assert (row["amount"], row["allocated"], row["spent"], row["remaining"], row["currency"]) == (
        "600.0000",
        "200.0000",
        "0.0000",
        "400.0000",
        "EUR",
    )
    assert "guideline_report" not in row


def test_the_detail_has_the_guideline_report(tenants, api, b):
    budgets.configure(tenants.user("global-manager"), b["emea"], guidelines={"events": 0.6})
    spend = {"budget": b["fr"].pk, "kind": "event", "channel": "events", "spent_on": DAY}
    api("fr-marketer").post("/api/v1/spend/", {**spend, "amount_local": "100"}, format="json")
    response = api("fr-viewer").get(f"/api/v1/budgets/{b['fr'].pk}/")
    assert response.status_code == 200
    report = response.json()["guideline_report"]
    assert report["guidelines_from"] == b["emea"].pk and report["outside"] is True
    assert report["channels"] == [
        {
            "channel": "events",
            "spent": "100.0000",
            "share": 1.0,
            "guideline": 0.6,
            "low": 0.55,
            "high": 0.65,
            "outside": True,
        }
    ]


def test_the_accountable_manager_allocates_at_once(tenants, api, b):
    response = api("global-manager").post(
        "/api/v1/budgets/",
        {
            "parent": b["emea"].pk,
            "owner_unit": tenants.unit("de").pk,
            "amount": "150.50",
            "guidelines": {"events": "0.5"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["amount"], body["starts_on"]) == (
        "FY2031 EMEA",
        "150.5000",
        "2031-01-01",
    )
    assert body["guidelines"] == {"events": 0.5}
    assert fresh(b["emea"]).allocated == D("350.5")


def test_a_responsible_regional_manager_gets_202_and_an_approval_request(tenants, api, b):
    response = api("emea-manager").post(
        "/api/v1/budgets/",
        {"parent": b["emea"].pk, "owner_unit": tenants.unit("de").pk, "amount": "100"},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    request = ApprovalRequest.objects.get(pk=body["approval_request"])
    assert request.is_pending and int(request.target_id) == body["budget"]
    assert body["detail"] == "Set the budget “FY2031 EMEA” (Germany) to 100.00 EUR"


def test_allocation_refusals_are_400s_without_a_partial_write(tenants, api, b):
    client = api("global-manager")
    de = tenants.unit("de").pk

    def post(**data):
        return client.post("/api/v1/budgets/", {"owner_unit": de, **data}, format="json")

    assert errors(post(parent=b["emea"].pk, amount="400.01")) == {
        "amount": "“FY2031 EMEA” (EMEA) has 400.00 EUR left (amount 600.00 EUR, allocated "
        "200.00 EUR, spent 0.00 EUR); 400.01 EUR cannot be allocated from it."
    }
    assert "amount" in errors(post(parent=b["emea"].pk, amount="-1"))
    assert "amount" in errors(post(parent=b["emea"].pk, amount="1.00001"))
    assert "amount" in errors(post(parent=b["emea"].pk))
    assert "guidelines" in errors(post(parent=b["emea"].pk, amount="1", guidelines={"fax": 1}))
    assert "guidelines" in errors(post(parent=b["emea"].pk, amount="1", guidelines="lots"))
    assert "tolerance" in errors(post(parent=b["emea"].pk, amount="1", tolerance="2"))
    assert "ends_on" in errors(
        post(parent=b["emea"].pk, amount="1", starts_on="2031-06-01", ends_on="2031-05-01")
    )
    assert "owner_unit" in errors(post(parent=b["global"].pk, amount="1"))  # not a region
    assert "parent" in errors(post(parent=999_999, amount="1"))
    assert "owner_unit" in errors(post(parent=b["emea"].pk, owner_unit="x", amount="1"))
    assert not Budget.objects.filter(owner_unit_id=de).exists()
    assert fresh(b["emea"]).allocated == D(200)


def test_outsiders_and_consulted_units_may_not_allocate(tenants, api, b):
    data = {"parent": b["emea"].pk, "owner_unit": tenants.unit("fr").pk, "amount": "1"}
    assert api("fr-admin").post("/api/v1/budgets/", data, format="json").status_code == 400
    assert "parent" in errors(
        api("globex-global-admin").post("/api/v1/budgets/", data, format="json")
    )
    response = api("fr-admin").patch(
        f"/api/v1/budgets/{b['fr'].pk}/", {"amount": "1"}, format="json"
    )
    assert response.status_code == 403
    assert "Budget allocation" in response.json()["errors"][0]["detail"]
    response = api("de-admin").patch(
        f"/api/v1/budgets/{b['fr'].pk}/", {"amount": "1"}, format="json"
    )
    assert response.status_code == 404
    assert fresh(b["fr"]).amount == D(200)


def test_patch_changes_the_amount_and_the_guidelines_all_or_nothing(tenants, api, b):
    client = api("global-manager")
    url = f"/api/v1/budgets/{b['fr'].pk}/"
    response = client.patch(url, {"amount": "250", "name": "France 2031"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["amount"], response.json()["name"]) == ("250.0000", "France 2031")
    assert fresh(b["emea"]).allocated == D(250)

    budgets.record_spend(
        tenants.user("fr-marketer"),
        b["fr"],
        kind="tool",
        amount_local=D(100),
        spent_on=dt.date(2031, 2, 1),
    )
    assert errors(client.patch(url, {"name": "Renamed", "amount": "99"}, format="json")) == {
        "amount": "“France 2031” has already allocated 0.00 EUR and spent 100.00 EUR; its amount "
        "cannot go below 100.00 EUR."
    }
    assert fresh(b["fr"]).name == "France 2031"  # the rename was rolled back
    assert "guidelines" in errors(client.patch(url, {"guidelines": {"email": 2}}, format="json"))
    assert api("emea-manager").patch(url, {"name": "x"}, format="json").status_code == 403
    # A regional manager's amount would wait for approval, the rename is refused: neither.
    response = api("emea-manager").patch(url, {"amount": "260", "name": "x"}, format="json")
    assert response.status_code == 403
    assert not ApprovalRequest.objects.filter(
        action_type=budgets.SET_AMOUNT, status="pending"
    ).exists()
    assert api("emea-manager").patch(url, {"amount": "260"}, format="json").status_code == 202
    assert client.put(url, {"amount": "1"}, format="json").status_code == 405


def test_budget_list_queries_do_not_grow_with_rows(tenants, api, b):
    client = api("global-viewer")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/budgets/")
    for code in ("de", "uk", "pl"):
        budgets.allocate(tenants.user("global-manager"), b["emea"], tenants.unit(code), D(1))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/budgets/").json()["results"]) == 6
    assert len(many) == len(few)


# --- spend ---------------------------------------------------------------------------


def test_spend_is_converted_and_listed(tenants, api, b):
    rate(tenants, "GBP", dt.date(2031, 1, 1), "1.15")
    response = api("fr-marketer").post(
        "/api/v1/spend/",
        {
            "budget": b["fr"].pk,
            "kind": "cpm",
            "channel": "ads",
            "quantity": 10_000,
            "unit_price": "5.00",
            "currency": "GBP",
            "spent_on": DAY,
            "description": "LinkedIn sponsored content",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount_local"], body["fx_rate"], body["amount"]) == (
        "50.0000",
        "1.1500000000",
        "57.5000",
    )
    assert body["created_by"] == "fr-marketer" and body["owner_unit_code"] == "fr"

    def ids(username: str, query: str = "") -> list[int]:
        return [r["id"] for r in api(username).get(f"/api/v1/spend/?{query}").json()["results"]]

    assert ids("emea-viewer") == [body["id"]] and ids("de-admin") == []
    assert ids("fr-viewer", "channel=ads&after=2031-03-01") == [body["id"]]
    assert ids("fr-viewer", "before=2031-03-01") == []
    assert ids("fr-viewer", f"budget={b['emea'].pk}") == []


def test_over_the_cap_is_a_400_naming_the_cap(tenants, api, b):
    client = api("fr-marketer")
    data = {"budget": b["fr"].pk, "kind": "event", "spent_on": DAY}
    assert (
        client.post("/api/v1/spend/", {**data, "amount_local": "150"}, format="json").status_code
        == 201
    )
    response = client.post("/api/v1/spend/", {**data, "amount_local": "50.01"}, format="json")
    assert errors(response) == {
        "amount": "Over budget: “FY2031 France” (France) is capped at 200.00 EUR and has "
        "50.00 EUR left; this spend of 50.01 EUR would exceed it."
    }
    assert response.json()["errors"][0]["code"] == "budget_exhausted"
    assert Spend.objects.count() == 1 and fresh(b["fr"]).spent == D(150)


def test_the_same_external_key_answers_200_with_the_first_spend(tenants, api, b):
    client = api("fr-marketer")
    data = {"budget": b["fr"].pk, "kind": "event", "spent_on": DAY, "amount_local": "10"}
    first = client.post("/api/v1/spend/", {**data, "external_key": "inv-1"}, format="json")
    again = client.post("/api/v1/spend/", {**data, "external_key": "inv-1"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and fresh(b["fr"]).spent == D(10)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "cpm", "unit_price": "4"}, "quantity"),
        ({"kind": "cpc", "quantity": 3}, "unit_price"),
        ({"kind": "cpc", "quantity": 0, "unit_price": "1"}, "quantity"),
        ({"kind": "cpc", "quantity": 3, "unit_price": "-1"}, "unit_price"),
        ({"kind": "cpc", "quantity": 3, "unit_price": "1", "amount_local": "4"}, "amount_local"),
        ({"kind": "event"}, "amount_local"),
        ({"kind": "event", "amount_local": "0"}, "amount_local"),
        ({"kind": "event", "amount_local": "1.123456"}, "amount_local"),
        ({"kind": "event", "amount_local": "abc"}, "amount_local"),
        ({"kind": "cpc", "quantity": 2**62, "unit_price": "999999"}, "amount_local"),
        ({"kind": "event", "amount_local": "1", "currency": "ZZZ"}, "currency"),
        ({"kind": "event", "amount_local": "1", "currency": "JPY"}, "currency"),  # no rate
        ({"kind": "event", "amount_local": "1", "spent_on": "2030-12-31"}, "spent_on"),
        ({"kind": "event", "amount_local": "1", "spent_on": "soon"}, "spent_on"),
        ({"kind": "event", "amount_local": "1", "channel": "fax"}, "channel"),
        ({"kind": "gift", "amount_local": "1"}, "kind"),
        ({"kind": "event", "amount_local": "1", "budget": 999_999}, "budget"),
        ({"kind": "event", "amount_local": "1", "campaign": 999_999}, "campaign"),
    ],
)
def test_bad_spend_is_a_400_with_the_field(tenants, api, b, data, field):
    payload = {"budget": b["fr"].pk, "spent_on": DAY, **data}
    response = api("fr-marketer").post("/api/v1/spend/", payload, format="json")
    assert field in errors(response), response.json()
    assert not Spend.objects.exists() and fresh(b["fr"]).spent == 0


def test_who_may_record_spend(tenants, api, b):
    data = {"budget": b["fr"].pk, "kind": "event", "spent_on": DAY, "amount_local": "1"}
    assert api("fr-viewer").post("/api/v1/spend/", data, format="json").status_code == 403
    assert "budget" in errors(api("de-admin").post("/api/v1/spend/", data, format="json"))
    assert api("emea-marketer").post("/api/v1/spend/", data, format="json").status_code == 201
    assert api("fr-marketer").delete(f"/api/v1/spend/{Spend.objects.get().pk}/").status_code == 405


# --- FX rates ------------------------------------------------------------------------


def test_global_admins_keep_the_rates_everyone_in_the_organisation_reads(tenants, api):
    client = api("global-admin")
    data = {"currency": "GBP", "day": "2031-01-01", "rate": "1.16"}
    created = client.post("/api/v1/fx-rates/", data, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["organisation"] == tenants.unit("global").pk
    corrected = client.post("/api/v1/fx-rates/", {**data, "rate": "1.17"}, format="json")
    assert corrected.status_code == 200 and corrected.json()["id"] == created.json()["id"]
    assert FxRate.objects.get().rate == D("1.17")

    assert api("fr-admin").post("/api/v1/fx-rates/", data, format="json").status_code == 403
    assert api("emea-admin").post("/api/v1/fx-rates/", data, format="json").status_code == 403
    listed = api("de-viewer").get("/api/v1/fx-rates/?currency=GBP").json()["results"]
    assert [r["rate"] for r in listed] == ["1.1700000000"]
    assert api("globex-fr-admin").get("/api/v1/fx-rates/").json()["results"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"currency": "EUR", "rate": "1"}, "currency"),  # the organisation's own
        ({"currency": "GBPX", "rate": "1"}, "currency"),
        ({"currency": "ABC", "rate": "1"}, "currency"),
        ({"currency": "GBP", "rate": "0"}, "rate"),
        ({"currency": "GBP", "rate": "x"}, "rate"),
        ({"currency": "GBP"}, "rate"),
        ({"currency": "GBP", "rate": "1", "day": "later"}, "day"),
        ({"currency": "GBP", "rate": "1", "organisation": 999_999}, "organisation"),
    ],
)
def test_bad_rates_are_400s(tenants, api, data, field):
    payload = {"day": "2031-01-01", **data}
    assert field in errors(api("global-admin").post("/api/v1/fx-rates/", payload, format="json"))
    assert not FxRate.objects.exists()
