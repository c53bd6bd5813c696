"""POST /api/v1/accounts/bulk/: up to 10,000 upserts per request, per-row results."""

from __future__ import annotations

from accounts.models import Account
from governance.models import AuditEntry

URL = "/api/v1/accounts/bulk/"


def test_it_creates_then_updates_with_per_row_results(tenants, api):
    fr = tenants.unit("fr")
    client = api("fr-admin")
    rows = [
        {"owner_unit": fr.pk, "name": "Acme", "domain": "https://www.acme.fr", "country": "France"},
        {"owner_unit": fr.pk, "name": "Bolt SA", "tags": ["steel"]},
        {"owner_unit": fr.pk, "name": "Nope", "country": "Atlantis"},
        {"owner_unit": fr.pk, "name": "Rich", "annual_revenue": 10},
        {"owner_unit": fr.pk, "name": 12},
        "not an object",
    ]
    response = client.post(URL, rows, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["failed"]) == (2, 4)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "created", "error", "error", "error", "error"]
    assert "country" in body["results"][2]["errors"]
    assert "revenue_currency" in body["results"][3]["errors"]
    assert body["results"][4]["errors"] == {"name": ["Expected text."]}
    acme = Account.objects.get(pk=body["results"][0]["id"])
    assert (acme.domain, acme.country, acme.owner_unit) == ("acme.fr", "FR", fr)

    again = client.post(
        URL,
        [
            {"owner_unit": fr.pk, "name": "Acme France", "domain": "acme.fr"},
            {"owner_unit": fr.pk, "name": "Bolt SA", "tags": ["steel"]},
        ],
        format="json",
    ).json()
    assert [r["status"] for r in again["results"]] == ["updated", "unchanged"]
    assert again["results"][0]["id"] == acme.pk
    assert Account.objects.filter(owner_unit=fr).count() == 2
    assert Account.objects.get(pk=acme.pk).name == "Acme France"
    entry = AuditEntry.objects.filter(action="accounts.bulk_upsert").order_by("pk").first()
    assert entry.after["created"] == 2 and entry.actor.username == "fr-admin"


def test_it_uses_the_current_unit_when_rows_name_none(tenants, api):
    client = api("fr-admin", HTTP_X_GLOCAL_UNIT="fr")
    body = client.post(URL, [{"name": "Here"}], format="json").json()
    assert Account.objects.get(pk=body["results"][0]["id"]).owner_unit == tenants.unit("fr")


def test_it_refuses_units_the_caller_may_not_own_rows_in(tenants, api):
    body = (
        api("de-admin")
        .post(URL, [{"owner_unit": tenants.unit("fr").pk, "name": "Sneaky"}], format="json")
        .json()
    )
    assert body["results"][0]["errors"]["owner_unit"]
    assert not Account.objects.filter(name="Sneaky").exists()
    # A region may own rows below it, but accounts belong to local teams.
    body = (
        api("emea-admin")
        .post(URL, [{"owner_unit": tenants.unit("emea").pk, "name": "Regional"}], format="json")
        .json()
    )
    assert "owner_unit" in body["results"][0]["errors"]


def test_a_parent_outside_the_callers_scope_is_no_such_account(tenants, api):
    hidden = Account.objects.create(owner_unit=tenants.unit("de"), name="DE parent")
    body = (
        api("fr-admin")
        .post(
            URL,
            [{"owner_unit": tenants.unit("fr").pk, "name": "Kid", "parent": hidden.pk}],
            format="json",
        )
        .json()
    )
    assert body["results"][0]["errors"] == {"parent": ["No such account."]}


def test_it_takes_10000_rows_and_refuses_more(tenants, api):
    fr = tenants.unit("fr")
    client = api("fr-admin")
    rows = [{"owner_unit": fr.pk, "name": f"Co {i}", "domain": f"co{i}.fr"} for i in range(10_000)]
    body = client.post(URL, rows, format="json").json()
    assert body["created"] == 10_000
    assert Account.objects.filter(owner_unit=fr).count() == 10_000
    refused = client.post(URL, [*rows, {"name": "one too many"}], format="json")
    assert refused.status_code == 400
    assert "10,000" in refused.json()["detail"] or "10,000" in str(refused.json())
    assert client.post(URL, {"name": "x"}, format="json").status_code == 400


def test_anonymous_callers_are_refused(api):
    assert api().post(URL, [], format="json").status_code == 401


def test_bulk_rows_arrive_scored_against_the_units_icp(tenants, api):
    from accounts import icp
    from tests.accounts.test_icp import set_bound

    fr = tenants.unit("fr")
    set_bound(tenants.unit("global"), icp.INDUSTRIES.key, ["manufacturing"])
    set_bound(tenants.unit("global"), icp.COUNTRIES.key, ["FR"])
    rows = [
        {"owner_unit": fr.pk, "name": "Fits SA", "industry": "manufacturing", "country": "FR"},
        {"owner_unit": fr.pk, "name": "Half SA", "industry": "retail", "country": "FR"},
    ]
    body = api("fr-admin").post(URL, rows, format="json").json()
    fits, half = (Account.objects.get(pk=r["id"]) for r in body["results"])
    assert (fits.fit_score, half.fit_score) == (100.0, round(100 * 25 / 55, 1))
    # Re-sending the same rows changes nothing, score included.
    again = api("fr-admin").post(URL, rows, format="json").json()
    assert again["unchanged"] == 2


def test_a_revenue_that_is_not_a_number_is_a_row_error_not_a_crash(tenants, api):
    fr = tenants.unit("fr")
    rows = [
        {
            "owner_unit": fr.pk,
            "name": "Words",
            "annual_revenue": "twelve",
            "revenue_currency": "EUR",
        },
        {"owner_unit": fr.pk, "name": "Owes", "annual_revenue": -3, "revenue_currency": "EUR"},
    ]
    body = api("fr-admin").post(URL, rows, format="json").json()
    assert [r["status"] for r in body["results"]] == ["error", "error"]
    assert list(body["results"][0]["errors"]) == ["annual_revenue"]
    assert body["results"][1]["errors"] == {"annual_revenue": ["Revenue cannot be negative."]}
    assert not Account.objects.filter(owner_unit=fr, name__in=["Words", "Owes"]).exists()


def test_the_cycle_collector_rests_for_the_whole_request_then_comes_back(tenants, api, monkeypatch):
    import gc

    from accounts.api import bulk

    seen = []
    parse = bulk._parse_row
    monkeypatch.setattr(bulk, "_parse_row", lambda *a: seen.append(gc.isenabled()) or parse(*a))
    rows = [{"owner_unit": tenants.unit("fr").pk, "name": f"Paused {i}"} for i in range(3)]
    assert api("fr-admin").post(URL, rows, format="json").status_code == 200
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_values_of_the_wrong_json_type_are_named_row_by_row(tenants, api):
    fr = tenants.unit("fr")
    rows = [
        {"owner_unit": True, "name": "Bool unit"},
        {"owner_unit": fr.pk, "name": "Bool parent", "parent": True},
        {"owner_unit": fr.pk, "name": "Tags", "tags": "a,b"},
        {"owner_unit": fr.pk, "name": "Ids", "crm_ids": ["x"]},
        {"owner_unit": fr.pk, "name": "Money", "annual_revenue": [1]},
        {"owner_unit": fr.pk, "name": "Yes", "annual_revenue": True, "revenue_currency": "EUR"},
        {"owner_unit": fr.pk, "name": "Extra", "colour": "red"},
    ]
    body = api("fr-admin").post(URL, rows, format="json").json()
    errors = [r.get("errors", r["status"]) for r in body["results"]]
    assert errors == [
        {"owner_unit": ["Not a unit you may own accounts in."]},
        {"parent": ["Expected an account id."]},
        {"tags": ["Expected a list of strings."]},
        {"crm_ids": ["Expected an object."]},
        {"annual_revenue": ["Expected a number."]},
        {"annual_revenue": ["Expected a number."]},
        {"non_field_errors": ["Unknown field: colour."]},
    ]
    assert body["failed"] == len(rows) and not Account.objects.filter(owner_unit=fr).exists()


def test_revenues_keep_their_exact_value(tenants, api):
    fr = tenants.unit("fr")
    rows = [
        {"owner_unit": fr.pk, "name": name, "annual_revenue": revenue, "revenue_currency": "EUR"}
        for name, revenue in [("Int", 1_000_001), ("Float", 0.1), ("Text", "2500.50")]
    ]
    body = api("fr-admin").post(URL, rows, format="json").json()
    assert body["created"] == 3, body
    stored = dict(Account.objects.filter(owner_unit=fr).values_list("name", "annual_revenue"))
    assert {k: str(v) for k, v in stored.items()} == {
        "Int": "1000001.00",
        "Float": "0.10",
        "Text": "2500.50",
    }
