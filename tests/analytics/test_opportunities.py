"""Opportunities: the model's rules, the API (tree rule, filters) and the CSV import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from analytics import services
from analytics.models import Opportunity

from .conftest import D, make_account, make_opportunity

DAY = dt.date(2031, 3, 10)


# --- model -------------------------------------------------------------------------------


def test_it_follows_its_account_unit_and_organisation(tenants):
    account = make_account(tenants.unit("fr"))
    opportunity = make_opportunity(account, 100, DAY)
    assert opportunity.owner_unit == tenants.unit("fr")
    assert opportunity.organization_id == tenants.unit("fr").organization_id


@pytest.mark.parametrize(
    ("status", "closed_on", "field"),
    [
        ("open", DAY, "closed_on"),
        ("won", None, "closed_on"),
        ("lost", dt.date(2031, 3, 1), "closed_on"),  # before it was created
    ],
)
def test_it_refuses_dates_that_disagree_with_the_status(tenants, status, closed_on, field):
    account = make_account(tenants.unit("fr"))
    with pytest.raises(ValidationError) as excinfo:
        make_opportunity(account, 100, DAY, status=status, closed_on=closed_on)
    assert field in excinfo.value.message_dict
    assert not Opportunity.objects.exists()


def test_a_crm_id_is_unique_per_organisation_only(tenants):
    make_opportunity(make_account(tenants.unit("fr")), 1, DAY, crm_id="X-1")
    with pytest.raises(ValidationError):
        make_opportunity(make_account(tenants.unit("de")), 1, DAY, crm_id="X-1")
    other = make_account(tenants.unit("fr", org="globex"))
    assert make_opportunity(other, 1, DAY, crm_id="X-1").pk


# --- API ---------------------------------------------------------------------------------


def error_fields(response) -> set[str]:
    return {error.get("attr") for error in response.json()["errors"]}


def _payload(account, **fields):
    return {
        "crm_id": "CRM-9",
        "account": account.pk,
        "name": "Turbines",
        "amount": "1200.50",
        "currency": "USD",
        "stage": "Proposal",
        "status": "open",
        "created_on": "2031-03-10",
        **fields,
    }


def test_it_creates_through_the_api_on_an_account_of_the_unit(tenants, api):
    account = make_account(tenants.unit("fr"))
    response = api("fr-marketer").post("/api/v1/opportunities/", _payload(account), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_unit"] == tenants.unit("fr").pk
    assert Opportunity.objects.get(crm_id="CRM-9").amount == D("1200.50")


def test_a_viewer_or_a_sibling_cannot_place_an_opportunity_on_the_account(tenants, api):
    account = make_account(tenants.unit("fr"))
    for user in ("fr-viewer", "de-admin"):
        response = api(user).post("/api/v1/opportunities/", _payload(account), format="json")
        assert response.status_code == 400, (user, response.content)
        assert "account" in error_fields(response)
    assert not Opportunity.objects.exists()


def test_bad_input_is_a_400_naming_the_field(tenants, api):
    account = make_account(tenants.unit("fr"))
    client = api("fr-marketer")
    response = client.post(
        "/api/v1/opportunities/",
        _payload(account, status="won", closed_on=None),
        format="json",
    )
    assert response.status_code == 400
    assert "closed_on" in error_fields(response)
    response = client.post(
        "/api/v1/opportunities/", _payload(account, currency="XXZ"), format="json"
    )
    assert response.status_code == 400
    assert "currency" in error_fields(response)


def test_it_updates_and_the_sibling_gets_404(tenants, api):
    opportunity = make_opportunity(make_account(tenants.unit("fr")), 100, DAY)
    url = f"/api/v1/opportunities/{opportunity.pk}/"
    assert api("de-admin").get(url).status_code == 404
    assert api("fr-viewer").patch(url, {"stage": "Won"}, format="json").status_code == 403
    response = api("fr-marketer").patch(
        url, {"status": "won", "closed_on": "2031-04-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.closed_on) == ("won", dt.date(2031, 4, 1))


def test_it_filters_by_unit_subtree_account_status_and_dates(tenants, api):
    fr_account = make_account(tenants.unit("fr"))
    de_account = make_account(tenants.unit("de"))
    early = make_opportunity(fr_account, 1, dt.date(2031, 1, 5))
    won = make_opportunity(fr_account, 2, DAY, status="won", closed_on=dt.date(2031, 3, 20))
    german = make_opportunity(de_account, 3, DAY)
    client = api("emea-admin")

    def ids(query):
        response = client.get(f"/api/v1/opportunities/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"unit={tenants.unit('emea').pk}") == {early.pk, won.pk, german.pk}
    assert ids(f"unit={tenants.unit('fr').pk}") == {early.pk, won.pk}
    assert ids(f"account={de_account.pk}") == {german.pk}
    assert ids("status=won") == {won.pk}
    assert ids("created_after=2031-03-01") == {won.pk, german.pk}
    assert ids("closed_before=2031-03-31") == {won.pk}
    assert api("fr-admin").get("/api/v1/opportunities/?unit=abc").status_code == 400
    assert ids_for(api("de-admin")) == {german.pk}


def ids_for(client) -> set[int]:
    return {row["id"] for row in client.get("/api/v1/opportunities/").json()["results"]}


# --- import ------------------------------------------------------------------------------

HEADER = "crm_id,account_id,name,amount,currency,stage,created_on,closed_on,status\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def test_the_import_upserts_by_crm_id(tenants):
    account = make_account(tenants.unit("fr"))
    org = tenants.unit("fr").organization
    first = _csv(
        f"A-1,{account.pk},Pumps,100,EUR,Qualify,2031-01-10,,",
        f"A-2,{account.pk},Valves,50.5,USD,Won,2031-01-11,2031-02-01,won",
    )
    outcome = services.import_opportunities(first, "crm.csv", org)
    assert (outcome.created, outcome.updated, outcome.failed) == (2, 0, 0)
    again = _csv(
        f"A-1,{account.pk},Pumps,120,EUR,Proposal,2031-01-10,,",
        f"A-2,{account.pk},Valves,50.5,USD,Won,2031-01-11,2031-02-01,won",
    )
    outcome = services.import_opportunities(again, "crm.csv", org)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 1)
    assert Opportunity.objects.count() == 2
    assert Opportunity.objects.get(crm_id="A-1").amount == D(120)


def test_refused_rows_are_reported_and_the_others_written(tenants):
    account = make_account(tenants.unit("fr"))
    foreign = make_account(tenants.unit("fr", org="globex"))
    data = _csv(
        f"B-1,{account.pk},Good,100,EUR,,2031-01-10,,",
        f"B-2,{account.pk},Bad amount,-5,EUR,,2031-01-10,,",
        f"B-3,{foreign.pk},Other org,5,EUR,,2031-01-10,,",
        f"B-4,{account.pk},Bad date,5,EUR,,10/01/2031,,",
        f"B-1,{account.pk},Twice,5,EUR,,2031-01-10,,",
        f"B-5,{account.pk},Closed open,5,EUR,,2031-01-10,2031-02-01,open",
    )
    outcome = services.import_opportunities(data, "crm.csv", tenants.unit("fr").organization)
    assert outcome.created == 1
    assert [(line, crm) for line, crm, _ in outcome.errors] == [
        (3, "B-2"),
        (4, "B-3"),
        (5, "B-4"),
        (6, "B-1"),
        (7, "B-5"),
    ]
    assert "amount" in outcome.errors[0][2]
    assert "B-3" in outcome.report
    assert list(Opportunity.objects.values_list("crm_id", flat=True)) == ["B-1"]


def test_a_malformed_file_writes_nothing(tenants):
    account = make_account(tenants.unit("fr"))
    org = tenants.unit("fr").organization
    missing_column = f"crm_id,account_id,name\nC-1,{account.pk},X\n".encode()
    with pytest.raises(services.ImportFileError, match="amount"):
        services.import_opportunities(missing_column, "crm.csv", org)
    with pytest.raises(services.ImportFileError):
        services.import_opportunities(b"\xff\xfe\x00garbage", "crm.csv", org)
    assert not Opportunity.objects.exists()


def test_a_dry_run_writes_nothing(tenants):
    account = make_account(tenants.unit("fr"))
    data = _csv(f"D-1,{account.pk},Pumps,100,EUR,,2031-01-10,,")
    outcome = services.import_opportunities(
        data, "crm.csv", tenants.unit("fr").organization, dry_run=True
    )
    assert outcome.created == 1
    assert not Opportunity.objects.exists()


def test_the_command_imports_and_reports(tenants, tmp_path, capsys):
    account = make_account(tenants.unit("fr"))
    path = tmp_path / "crm.csv"
    path.write_bytes(
        _csv(
            f"E-1,{account.pk},Pumps,100,EUR,,2031-01-10,,",
            f"E-2,{account.pk},Pumps,oops,EUR,,2031-01-10,,",
        )
    )
    call_command("import_opportunities", str(path), "--org", "acme-industrial")
    out = capsys.readouterr().out
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 failed" in out
    assert "E-2" in out
    with pytest.raises(CommandError, match="No organisation"):
        call_command("import_opportunities", str(path), "--org", "nope")


def test_the_import_reads_spreadsheet_timestamps_and_refuses_absurd_ids(tenants):
    account = make_account(tenants.unit("fr"))
    data = _csv(
        f"F-1,{account.pk},Pumps,100,EUR,,2031-01-10 00:00:00,,",
        "F-2,99999999999999999999999,Pumps,100,EUR,,2031-01-10,,",
        "F-3,,Pumps,100,EUR,,2031-01-10,,",
    )
    outcome = services.import_opportunities(data, "crm.csv", tenants.unit("fr").organization)
    assert outcome.created == 1
    assert Opportunity.objects.get(crm_id="F-1").created_on == dt.date(2031, 1, 10)
    assert [crm for _, crm, _ in outcome.errors] == ["F-2", "F-3"]


def test_an_import_for_a_user_writes_only_within_their_scope(tenants):
    fr_account = make_account(tenants.unit("fr"))
    de_account = make_account(tenants.unit("de"))
    make_opportunity(de_account, 1, DAY, crm_id="G-DE")
    data = _csv(
        f"G-1,{fr_account.pk},Mine,100,EUR,,2031-01-10,,",
        f"G-2,{de_account.pk},Sibling account,100,EUR,,2031-01-10,,",
        f"G-DE,{fr_account.pk},Taking the sibling's,100,EUR,,2031-01-10,,",
    )
    outcome = services.import_opportunities(
        data, "crm.csv", tenants.unit("fr").organization, user=tenants.user("fr-marketer")
    )
    assert outcome.created == 1
    assert [crm for _, crm, _ in outcome.errors] == ["G-2", "G-DE"]
    assert Opportunity.objects.get(crm_id="G-DE").account == de_account


def _upload(client, data: bytes, url: str = "/api/v1/opportunities/import/", **fields):
    upload = SimpleUploadedFile("crm.csv", data, content_type="text/csv")
    extra = {"format": "multipart"} if url.startswith("/api/") else {}
    return client.post(url, {"file": upload, **fields}, **extra)


def test_the_api_imports_a_crm_export_within_the_callers_scope(tenants, api):
    fr_account = make_account(tenants.unit("fr"))
    de_account = make_account(tenants.unit("de"))
    data = _csv(
        f"H-1,{fr_account.pk},Mine,100,EUR,,2031-01-10,,",
        f"H-2,{de_account.pk},Sibling account,100,EUR,,2031-01-10,,",
    )
    client = api("fr-marketer")
    dry = _upload(client, data, dry_run="true")
    assert dry.status_code == 200, dry.content
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 1
    assert not Opportunity.objects.exists()

    body = _upload(client, data).json()
    assert (body["total"], body["created"], body["failed"]) == (2, 1, 1)
    assert body["errors"] == [
        {"line": 3, "crm_id": "H-2", "error": f"account_id: No account {de_account.pk} that "
         "you may change."}
    ]  # fmt: skip
    assert list(Opportunity.objects.values_list("crm_id", flat=True)) == ["H-1"]
    assert _upload(client, data).json()["unchanged"] == 1  # idempotent


def test_the_api_refuses_a_bad_file_with_a_400_and_writes_nothing(tenants, api, monkeypatch):
    account = make_account(tenants.unit("fr"))
    client = api("fr-marketer")
    missing = _upload(client, f"crm_id,account_id\nX,{account.pk}\n".encode())
    assert missing.status_code == 400 and error_fields(missing) == {"file"}
    assert "Missing columns" in missing.json()["errors"][0]["detail"]
    assert error_fields(_upload(client, b"\xff\xfe\x00garbage")) == {"file"}
    no_file = client.post("/api/v1/opportunities/import/", {}, format="multipart")
    assert no_file.status_code == 400 and error_fields(no_file) == {"file"}
    monkeypatch.setenv("GLOCAL_IMPORT_MAX_BYTES", "40")
    too_big = _upload(client, _csv(f"Y-1,{account.pk},Big,100,EUR,,2031-01-10,,"))
    assert too_big.status_code == 400 and "limit" in too_big.json()["errors"][0]["detail"]
    assert not Opportunity.objects.exists()
    assert api().post("/api/v1/opportunities/import/", {}).status_code == 401


def _page_upload(client, data: bytes, **fields):
    return _upload(client, data, "/analytics/opportunities/import/", **fields)


def test_the_dashboard_uploads_checks_then_imports_a_crm_export(tenants, client):
    fr_account = make_account(tenants.unit("fr"))
    de_account = make_account(tenants.unit("de"))
    data = _csv(
        f"P-1,{fr_account.pk},Mine,100,EUR,,2031-01-10,,",
        f"P-2,{de_account.pk},Sibling account,100,EUR,,2031-01-10,,",
    )
    client.force_login(tenants.user("fr-marketer"))
    page = client.get("/analytics/opportunities/import/")
    assert page.status_code == 200 and 'id="import-form"' in page.content.decode()

    checked = _page_upload(client, data, dry_run="on").content.decode()
    assert "nothing was written" in checked and 'id="count-created">1<' in checked
    assert not Opportunity.objects.exists()

    html = _page_upload(client, data).content.decode()
    assert 'id="count-created">1<' in html and 'id="count-failed">1<' in html
    assert f"No account {de_account.pk} that you may change." in html
    assert list(Opportunity.objects.values_list("crm_id", flat=True)) == ["P-1"]


def test_the_dashboard_names_what_is_wrong_with_a_file(tenants, client):
    client.force_login(tenants.user("fr-marketer"))
    bad = _page_upload(client, b"crm_id,name\nX,Y\n")
    assert bad.status_code == 400 and "Missing columns" in bad.content.decode()
    none = client.post("/analytics/opportunities/import/", {})
    assert none.status_code == 400 and "Choose a CSV or XLSX file." in none.content.decode()
    assert not Opportunity.objects.exists()


def test_the_import_page_speaks_french(tenants, client):
    client.force_login(tenants.user("fr-marketer"))
    client.post("/i18n/setlang/", {"language": "fr", "next": "/analytics/"})
    html = client.get("/analytics/opportunities/import/").content.decode()
    assert "Importer des opportunités" in html and "Vérifier seulement" in html
