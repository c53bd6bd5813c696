"""Imports: read, map, clean, enrich, validate, upsert, report — and nothing half-written."""

from __future__ import annotations

import csv
import io
import time

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts import imports
from accounts.models import Account, Contact, ImportJob
from governance.models import AuditEntry
from tests.test_worker import wait_for, worker  # noqa: F401  (the real-worker fixture)

HEADER = ["Company", "Website", "Country", "Employees", "Revenue", "Currency", "Phone"]


def good_row(i: int) -> list[str]:
    return [f" Company {i} ", f"https://www.company{i}.fr/", "France", "120", "1,000", "eur", ""]


def bad_row(i: int) -> list[str]:
    kind = i % 3
    if kind == 0:
        return ["", f"company{i}.fr", "FR", "", "", "", ""]  # no name
    if kind == 1:
        return [f"Company {i}", f"company{i}.fr", "Atlantis", "", "", "", ""]  # bad country
    return [f"Company {i}", f"company{i}.fr", "FR", "", "12", "", ""]  # revenue, no currency


def csv_bytes(rows: list[list[str]], header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def ten_thousand() -> tuple[bytes, set[int]]:
    rows, bad = [], set()
    for i in range(10_000):
        if i % 20 == 7:  # 5% bad rows
            rows.append(bad_row(i))
            bad.add(i + 2)  # spreadsheet row number (header is row 1)
        else:
            rows.append(good_row(i))
    return csv_bytes(rows), bad


def run(data: bytes, unit, name: str = "accounts.csv", kind: str = "accounts"):
    frame = imports.read_table(data, name)
    return imports.import_table(frame, imports.auto_mapping(frame.columns, kind), unit, kind)


def test_it_imports_10000_rows_reports_every_bad_row_and_reimports_idempotently(tenants):
    fr = tenants.unit("fr")
    data, bad = ten_thousand()
    outcome = run(data, fr)
    assert (outcome.total, outcome.created, outcome.failed) == (10_000, 9_500, 500)
    assert Account.objects.filter(owner_unit=fr).count() == 9_500
    report = list(csv.DictReader(io.StringIO(outcome.report)))
    assert {int(r["row"]) for r in report} == bad
    reasons = {int(r["row"]): r["errors"] for r in report}
    assert any(r.startswith("name:") for r in reasons.values())
    assert any("Unknown country: Atlantis" in r for r in reasons.values())
    assert any("revenue_currency:" in r for r in reasons.values())
    account = Account.objects.get(owner_unit=fr, domain="company0.fr")
    assert (account.name, account.country, account.employee_band) == ("Company 0", "FR", "50-249")
    assert (str(account.annual_revenue), account.revenue_currency) == ("1000.00", "EUR")

    again = run(data, fr)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 9_500, 500)
    assert Account.objects.filter(owner_unit=fr).count() == 9_500
    audit = AuditEntry.objects.filter(action="accounts.bulk_upsert", owner_unit=fr)
    assert audit.count() == 2
    assert audit.order_by("pk").first().after["created"] == 9_500


def test_it_updates_matching_rows_by_domain_and_by_name_without_domain(tenants):
    fr = tenants.unit("fr")
    existing = Account.objects.create(owner_unit=fr, name="Acme SA", domain="acme.fr")
    nameless = Account.objects.create(owner_unit=fr, name="Bolt S.A.")
    data = csv_bytes(
        [
            ["Acme France", "www.acme.fr", "", "", "", "", ""],
            ["BOLT", "", "DE", "", "", "", ""],
            ["BOLT", "", "DE", "", "", "", ""],  # the same company twice in one file
        ]
    )
    outcome = run(data, fr)
    assert (outcome.created, outcome.updated, outcome.failed) == (0, 3, 0)
    existing.refresh_from_db()
    nameless.refresh_from_db()
    assert existing.name == "Acme France" and existing.country == "FR"  # from the .fr domain
    assert nameless.country == "DE"
    assert Account.objects.filter(owner_unit=fr).count() == 2


def test_it_reads_xlsx_and_maps_columns_by_header(tenants):
    frame = pd.DataFrame(
        {"Company Name": ["Zeta GmbH"], "URL": ["zeta.de"], "Telephone": ["+49 30 1234567"]}
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    table = imports.read_table(buffer.getvalue(), "list.xlsx")
    mapping = imports.auto_mapping(table.columns)
    assert mapping == {"Company Name": "name", "URL": "domain", "Telephone": "phone"}
    outcome = imports.import_table(table, mapping, tenants.unit("de"))
    assert outcome.created == 1
    assert Account.objects.get(domain="zeta.de").country == "DE"


def test_it_links_a_new_subsidiary_to_the_family_known_in_another_unit(tenants):
    root = Account.objects.create(
        owner_unit=tenants.unit("de"), name="Globo AG", domain="globo.com"
    )
    run(csv_bytes([["Globo France", "globo.com", "FR", "", "", "", ""]]), tenants.unit("fr"))
    assert Account.objects.get(owner_unit=tenants.unit("fr"), domain="globo.com").parent == root


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "logo.png", "Unsupported file type"),
        ("Company;Pays\nSociété;France\n".encode("latin-1"), "a.csv", "not UTF-8"),
        (b"PK\x03\x04garbage", "a.xlsx", "could not be read"),
        (b"Website,Country\nacme.com,FR\n", "a.csv", "no column for name"),
        (b"", "a.csv", "empty"),
    ],
)
def test_it_refuses_a_malformed_file_with_a_clear_error_and_changes_nothing(
    tenants, data, name, message
):
    before = Account.objects.count()
    with pytest.raises(imports.ImportFileError, match=message):
        run(data, tenants.unit("fr"), name)
    assert Account.objects.count() == before


def test_it_refuses_files_over_the_size_or_row_limits(tenants, monkeypatch):
    data = csv_bytes([good_row(i) for i in range(50)])
    monkeypatch.setenv("GLOCAL_IMPORT_MAX_ROWS", "40")
    with pytest.raises(imports.ImportFileError, match="more than 40 rows"):
        run(data, tenants.unit("fr"))
    monkeypatch.setenv("GLOCAL_IMPORT_MAX_ROWS", "100000")
    monkeypatch.setenv("GLOCAL_IMPORT_MAX_BYTES", "1000")
    with pytest.raises(imports.ImportFileError, match="the limit is"):
        run(data, tenants.unit("fr"))
    assert not Account.objects.filter(domain="company1.fr").exists()


def test_it_refuses_accounts_for_a_unit_that_is_not_local(tenants):
    with pytest.raises(imports.ImportFileError, match="local team"):
        run(csv_bytes([good_row(1)]), tenants.unit("emea"))


def test_preview_cleans_and_validates_without_writing(tenants):
    frame = imports.read_table(csv_bytes([good_row(1), bad_row(1)]), "a.csv")
    rows = imports.preview(
        frame, imports.auto_mapping(frame.columns), tenants.unit("fr"), "accounts"
    )
    assert rows[0]["values"]["domain"] == "company1.fr" and rows[0]["status"] == "created"
    assert rows[1]["status"] == "error" and "country" in rows[1]["errors"]
    assert not Account.objects.filter(domain="company1.fr").exists()


def test_a_chunk_whose_write_fails_falls_back_to_rows_one_by_one(tenants, monkeypatch):
    def broken_bulk_create(*args, **kwargs):
        from django.db import DatabaseError

        raise DatabaseError("simulated")

    monkeypatch.setattr(Account.objects, "bulk_create", broken_bulk_create)
    outcome = run(csv_bytes([good_row(1), good_row(2)]), tenants.unit("fr"))
    assert outcome.created == 2
    assert Account.objects.filter(domain__in=["company1.fr", "company2.fr"]).count() == 2


def test_it_imports_contacts_onto_accounts_of_the_unit(tenants):
    fr = tenants.unit("fr")
    account = Account.objects.create(owner_unit=fr, name="Acme", domain="acme.fr")
    header = ["Account domain", "First name", "Last name", "Email", "Phone"]
    rows = [
        ["acme.fr", "Ana", "Lopez", "Ana@ACME.fr", "+33 1 23 45 67 89"],
        ["nowhere.fr", "Bo", "Li", "bo@nowhere.fr", ""],
        ["acme.fr", "Cy", "Ro", "not-an-email", ""],
    ]
    data = csv_bytes(rows, header)
    outcome = run(data, fr, kind="contacts")
    assert (outcome.created, outcome.failed) == (1, 2)
    contact = Contact.objects.get(account=account)
    assert (contact.email, contact.phone, contact.country) == ("Ana@acme.fr", "+33123456789", "FR")
    assert run(data, fr, kind="contacts").unchanged == 1
    assert Contact.objects.filter(account=account).count() == 1


def test_the_command_imports_a_file(tenants, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([good_row(1), bad_row(1)]))
    out = io.StringIO()
    call_command(
        "import_accounts", str(path), "--unit", "fr", "--org", "acme-industrial", stdout=out
    )
    assert "1 created" in out.getvalue() and "1 failed" in out.getvalue()
    with pytest.raises(CommandError, match="not UTF-8"):
        path.write_bytes("Name\nSociété\n".encode("latin-1"))
        call_command("import_accounts", str(path), "--unit", "fr", "--org", "acme-industrial")


def test_a_job_is_claimed_once(tenants):
    fr, user = tenants.unit("fr"), tenants.user("fr-admin")
    job, _ = imports.create_job(user, fr, io.BytesIO(csv_bytes([good_row(1)])), "a.csv")
    assert imports.run_job(job.pk).status == ImportJob.Status.DONE
    assert imports.run_job(job.pk) is None  # a second delivery does nothing
    job.refresh_from_db()
    assert (job.created_count, job.rows_done, job.percent) == (1, 1, 100)


def test_a_real_worker_runs_an_import_job_with_progress_and_error_report(worker):  # noqa: F811
    from tests.conftest import Tenants, ensure_demo_organizations

    ensure_demo_organizations()
    tenants = Tenants()
    fr, user = tenants.unit("fr"), tenants.user("fr-admin")
    rows = [good_row(i) if i % 10 else bad_row(i) for i in range(2_500)]
    job, frame = imports.create_job(user, fr, io.BytesIO(csv_bytes(rows)), "big.csv")
    with transaction.atomic():
        imports.start_job(job, imports.auto_mapping(frame.columns))
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).finished, timeout=90), (
        worker["log"].seek(0) or worker["log"].read()[-3000:]
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.created_count, job.failed_count, job.rows_done) == (2_250, 250, 2_500)
    with job.error_report.open("rb") as handle:
        assert len(list(csv.DictReader(io.StringIO(handle.read().decode())))) == 250
    assert AuditEntry.objects.filter(action="accounts.bulk_upsert", actor=user).exists()
    time.sleep(0)  # nothing else to wait for


def test_the_wizard_uploads_maps_previews_runs_and_offers_the_error_report(tenants, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fr = tenants.unit("fr")
    client.force_login(tenants.user("fr-admin"))
    upload = SimpleUploadedFile(
        "list.csv", csv_bytes([good_row(1), bad_row(1)], [*HEADER[:-1], "Notes"])
    )
    response = client.post("/accounts/imports/", {"file": upload, "owner_unit": fr.pk})
    job = ImportJob.objects.get(owner_unit=fr, original_name="list.csv")
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{job.pk}/")
    page = client.get(f"/accounts/imports/{job.pk}/")
    assert page.status_code == 200
    assert b"company1.fr" in page.content and b"Unknown country" in page.content
    # Unmapping the name column is refused with the field named.
    fields = {"map-0": "", "map-1": "domain", "step": "preview"}
    assert b"no column for name" in client.post(f"/accounts/imports/{job.pk}/", fields).content
    fields = {f"map-{i}": f for i, f in enumerate(["name", "domain", "country"])}
    response = client.post(f"/accounts/imports/{job.pk}/", {**fields, "step": "run"})
    assert response.status_code == 302 and response["Location"].endswith("/progress/")
    assert imports.run_job(job.pk).status == ImportJob.Status.DONE
    status = client.get(f"/accounts/imports/{job.pk}/status.json").json()
    assert (status["created"], status["failed"], status["percent"]) == (1, 1, 100)
    assert client.get(f"/accounts/imports/{job.pk}/progress/").status_code == 200
    report = client.get(f"/accounts/imports/{job.pk}/errors.csv")
    assert b"Unknown country: Atlantis" in b"".join(report.streaming_content)
    refused = client.post(
        "/accounts/imports/",
        {"file": SimpleUploadedFile("x.png", b"\x89PNG\x00"), "owner_unit": fr.pk},
        follow=True,
    )
    assert b"Unsupported file type" in refused.content


def test_the_api_queues_an_import_and_refuses_a_malformed_file(tenants, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fr = tenants.unit("fr")
    client = api("fr-admin")
    upload = SimpleUploadedFile("a.csv", csv_bytes([good_row(1)]))
    response = client.post(
        "/api/v1/account-imports/", {"file": upload, "owner_unit": fr.pk}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["mapping"]["Company"] == "name"
    assert response.json()["status"] == "queued"
    bad = SimpleUploadedFile("a.csv", b"Website\nacme.fr\n")
    response = client.post(
        "/api/v1/account-imports/", {"file": bad, "owner_unit": fr.pk}, format="multipart"
    )
    assert response.status_code == 400
    assert "name" in response.json()["errors"][0]["detail"] or "name" in str(response.json())
    assert ImportJob.objects.filter(owner_unit=fr).count() == 1


def test_a_contacts_import_records_consents_and_never_rolls_a_withdrawal_back(tenants):
    from accounts.models import Consent

    fr = tenants.unit("fr")
    Account.objects.create(owner_unit=fr, name="Acme", domain="acme.fr")
    header = [
        "Account domain",
        "Email",
        "Opt-in",
        "Consent channel",
        "Consent date",
        "Lawful basis",
    ]
    rows = [
        ["acme.fr", "ana@acme.fr", "yes", "email", "2026-03-01", "consent"],
        ["acme.fr", "bo@acme.fr", "maybe", "email", "2026-03-01", ""],
        ["acme.fr", "cy@acme.fr", "yes", "fax", "2099-01-01", ""],
    ]
    outcome = run(csv_bytes(rows, header), fr, kind="contacts")
    assert (outcome.created, outcome.failed) == (1, 2)
    errors = {int(r["row"]): r["errors"] for r in csv.DictReader(io.StringIO(outcome.report))}
    assert errors[3].startswith("consent_status:")
    assert "consent_channel:" in errors[4] and "consent_date:" in errors[4]
    assert not Contact.objects.filter(email__in=["bo@acme.fr", "cy@acme.fr"]).exists()
    consent = Consent.objects.get(contact__email="ana@acme.fr")
    assert (consent.channel, consent.status, consent.lawful_basis) == (
        "email",
        "granted",
        "consent",
    )
    assert consent.recorded_at.date().isoformat() == "2026-03-01"
    assert consent.evidence == "Imported, row 2"
    # Ana withdrew later; an older file saying "yes" must not grant again.
    Consent.objects.filter(pk=consent.pk).update(
        status="withdrawn", recorded_at="2026-06-01T00:00Z"
    )
    again = run(csv_bytes(rows[:1], header), fr, kind="contacts")
    assert again.unchanged == 1
    assert Consent.objects.get(pk=consent.pk).status == "withdrawn"
    newer = [["acme.fr", "ana@acme.fr", "yes", "email", "2026-07-01", "consent"]]
    assert run(csv_bytes(newer, header), fr, kind="contacts").updated == 1
    assert Consent.objects.get(pk=consent.pk).status == "granted"


def test_the_cycle_collector_pauses_for_a_chunk_and_comes_back():
    import gc

    assert gc.isenabled()
    with imports.cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), imports.cyclic_gc_paused():
        raise RuntimeError("a chunk failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with imports.cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_an_import_never_edits_a_contact_whose_data_the_importer_may_not_see(tenants):
    """A French manager's file may add contacts to a French account, but a row matching a
    colleague in China (PIPL) is refused as an API edit would be; the CN team may edit."""
    fr = tenants.unit("fr")
    account = Account.objects.create(owner_unit=fr, name="Export SAS", domain="export.fr")
    li = Contact.objects.create(
        account=account, first_name="Li", last_name="Na", email="li.na@example.cn", country="CN"
    )
    header = ["Account domain", "First name", "Last name", "Email", "Job title"]
    data = csv_bytes(
        [
            ["export.fr", "Li", "Na", "li.na@example.cn", "Overwritten"],
            ["export.fr", "Paul", "Roy", "paul@export.fr", "Buyer"],
        ],
        header,
    )
    frame = imports.read_table(data, "contacts.csv")
    mapping = imports.auto_mapping(frame.columns, "contacts")
    french = tenants.user("fr-admin")

    preview = imports.preview(frame, mapping, fr, "contacts", actor=french)
    assert [row["status"] for row in preview] == ["error", "created"]
    outcome = imports.import_table(frame, mapping, fr, "contacts", actor=french)
    assert (outcome.created, outcome.failed) == (1, 1)
    assert "residency zone" in outcome.report
    li.refresh_from_db()
    assert li.job_title == ""

    outcome = imports.import_table(frame, mapping, fr, "contacts", actor=tenants.user("cn-admin"))
    li.refresh_from_db()
    assert li.job_title == "Overwritten" and outcome.failed == 0
