"""Enrichment providers, including the HTTP adapter talking to a real local server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts import enrichment, imports
from accounts.models import Account


class FirmographicsStandIn(BaseHTTPRequestHandler):
    """A stand-in for the external service: answers for acme.com, ignores the rest."""

    requests: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FirmographicsStandIn.requests.append(
            {"body": body, "auth": self.headers.get("Authorization")}
        )
        companies = [
            {
                "domain": "acme.com",
                "industry": "Machinery",
                "employee_band": "5000+",
                "country": "Germany",
                "legal_name": "Acme Holding AG",
            },
            # Garbage the adapter must drop rather than let it fail a row.
            {"domain": "junk.com", "employee_band": "lots", "country": "Atlantis",
             "annual_revenue": 5, "industry": ["not", "text"]},
        ]  # fmt: skip
        payload = json.dumps({"companies": companies}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def firmographics():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FirmographicsStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FirmographicsStandIn.requests = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/companies"
    finally:
        server.shutdown()
        server.server_close()


def row(unit, **values) -> imports.Row:
    return imports.Row(number=2, unit=unit, values=values)


def test_the_http_adapter_fills_blanks_from_the_service_over_the_wire(tenants, firmographics):
    fr = tenants.unit("fr")
    provider = enrichment.HttpFirmographics(firmographics, token="secret")
    rows = [row(fr, name="Acme", domain="acme.com", industry="Robots"), row(fr, domain="x.io")]
    provider.enrich(rows)
    assert FirmographicsStandIn.requests == [
        {"body": {"domains": ["acme.com", "x.io"]}, "auth": "Bearer secret"}
    ]
    assert rows[0].enriched == {
        "employee_band": "5000+",
        "country": "DE",
        "legal_name": "Acme Holding AG",
    }  # industry came from the file, so the service does not replace it
    assert rows[1].enriched == {}


def test_an_import_uses_the_service_configured_by_environment(tenants, firmographics, monkeypatch):
    monkeypatch.setenv("GLOCAL_FIRMOGRAPHICS_URL", firmographics)
    frame = imports.read_table(b"Name,Website\nAcme,www.acme.com\n", "a.csv")
    imports.import_table(frame, imports.auto_mapping(frame.columns), tenants.unit("fr"))
    account = Account.objects.get(domain="acme.com")
    assert (account.industry, account.employee_band, account.country) == (
        "Machinery",
        "5000+",
        "DE",
    )


def test_an_unreachable_service_never_fails_the_import(tenants, monkeypatch):
    monkeypatch.setenv("GLOCAL_FIRMOGRAPHICS_URL", "http://127.0.0.1:9/nothing")
    monkeypatch.setenv("GLOCAL_FIRMOGRAPHICS_TIMEOUT", "1")
    frame = imports.read_table(b"Name,Website\nAcme,acme.de\n", "a.csv")
    outcome = imports.import_table(frame, imports.auto_mapping(frame.columns), tenants.unit("fr"))
    assert outcome.created == 1
    assert Account.objects.get(domain="acme.de").country == "DE"  # from the TLD


@pytest.mark.parametrize(
    ("phone", "country"),
    [("+33 1 23 45 67 89", "FR"), ("0049 30 123456", "DE"), ("+1 415 555 0100", "US"),
     ("+353 1 234 5678", "IE"), ("01 23 45 67 89", "")],
)  # fmt: skip
def test_country_from_phone_prefix(phone, country):
    assert enrichment.country_from_phone(phone) == country


@pytest.mark.parametrize(
    ("domain", "country"),
    [("acme.co.uk", "GB"), ("acme.de", "DE"), ("acme.com", ""), ("acme.io", ""), ("a.fr", "FR")],
)
def test_country_from_domain(domain, country):
    assert enrichment.country_from_domain(domain) == country


def test_phone_and_domain_fill_only_a_blank_country(tenants):
    fr = tenants.unit("fr")
    rows = [
        row(fr, phone="+49 30 123456", domain="acme.fr"),
        row(fr, phone="+49 30 123456", country="IT"),
    ]
    for provider in (enrichment.CountryFromPhone(), enrichment.CountryFromDomain()):
        provider.enrich(rows)
    assert rows[0].enriched == {"country": "DE"}
    assert rows[1].enriched == {}


def test_garbage_from_the_service_never_fails_a_row(tenants, firmographics, monkeypatch):
    monkeypatch.setenv("GLOCAL_FIRMOGRAPHICS_URL", firmographics)
    frame = imports.read_table(b"Name,Website\nJunk,junk.com\n", "a.csv")
    outcome = imports.import_table(frame, imports.auto_mapping(frame.columns), tenants.unit("fr"))
    assert (outcome.created, outcome.failed) == (1, 0)
    junk = Account.objects.get(domain="junk.com")
    assert (junk.employee_band, junk.country, junk.annual_revenue, junk.industry) == (
        "",
        "",
        None,
        "",
    )
