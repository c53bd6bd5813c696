"""How close the bulk API comes to the database's own ingest ceiling.

Figure: 100,000 accounts upserted through ``POST /api/v1/accounts/bulk/`` in requests of
10,000 (in-process ``APIClient``, warmed up by one read request first; timed: the client's
JSON encoding, JSON parsing, authentication, field and model validation, fit scoring, one
lookup query per chunk of 1,000, ``COPY`` of the new rows on PostgreSQL, one audit entry
per request, rendering the per-row results).
Baseline, measured in the same run on the same table: the database's fastest ingest of
the same 100,000 rows, already prepared in Python — PostgreSQL ``COPY ... FROM STDIN``
through psycopg 3 ``cursor.copy()``; on SQLite, which has no COPY, one ``executemany``
``INSERT`` (say so when you quote the figure).

Both figures are seconds per row; the details give rows/s and the throughput ratio
(API rows/s ÷ ceiling rows/s; the target is at least 0.25).
"""

from __future__ import annotations

import datetime
import json
import os
import time

from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from accounts import normalise
from accounts.models import Account
from glocal.models import Membership, Organization, OrgUnit, Tier
from glocal.tenancy import Role

NAME = "accounts_bulk"
DESCRIPTION = "POST /api/v1/accounts/bulk/ (100,000 accounts, 10 x 10,000) vs COPY ceiling"

URL = "/api/v1/accounts/bulk/"
ROWS = int(os.environ.get("BENCH_BULK_ROWS", "100000"))
CHUNK = 10_000
COUNTRIES = ["FR", "DE", "GB", "IT", "ES", "NL", "US", "JP"]
INDUSTRIES = ["Machinery", "Software", "Retail", "Energy", "Logistics"]


def build() -> tuple[OrgUnit, object]:
    org = Organization.objects.create(name="Bulk Bench", slug="bulk-bench")
    root = OrgUnit.objects.create(organization=org, tier=Tier.GLOBAL, code="g", name="Global")
    region = OrgUnit.objects.create(
        organization=org, parent=root, tier=Tier.REGION, code="r", name="Region"
    )
    local = OrgUnit.objects.create(
        organization=org, parent=region, tier=Tier.LOCAL, code="l", name="Local"
    )
    user = get_user_model().objects.create(username="bulk-bench-marketer")
    Membership.objects.create(user=user, unit=local, role=Role.MARKETER)
    return local, user


def payload(prefix: str, start: int, stop: int) -> list[dict]:
    return [
        {
            "name": f"{prefix} Company {i} SA",
            "domain": f"{prefix}-company{i}.com",
            "country": COUNTRIES[i % len(COUNTRIES)],
            "industry": INDUSTRIES[i % len(INDUSTRIES)],
            "employee_band": "50-249",
            "annual_revenue": 1_000_000 + i,
            "revenue_currency": "EUR",
            "tags": ["bench"],
        }
        for i in range(start, stop)
    ]


def ceiling_rows(unit: OrgUnit, start: int, stop: int) -> tuple[list[str], list[tuple]]:
    """The same kind of rows as the API writes, as database-ready tuples."""
    now = datetime.datetime.now(datetime.UTC)
    fields = [f for f in Account._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    rows = []
    for data in payload("copy", start, stop):
        values = {
            **defaults,
            **data,
            "owner_unit_id": unit.pk,
            "name_key": normalise.company_key(data["name"]),
            "domain": normalise.registrable_domain(data["domain"]),
            "created_at": now,
            "updated_at": now,
        }
        rows.append(
            tuple(
                json.dumps(values[f.attname])
                if f.get_internal_type() == "JSONField"
                else values[f.attname]
                for f in fields
            )
        )
    return [f.column for f in fields], rows


def copy_ceiling(columns: list[str], rows: list[tuple]) -> tuple[float, str]:
    table = Account._meta.db_table
    with connection.cursor() as cursor:
        start = time.perf_counter()
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            names = ", ".join(f'"{c}"' for c in columns)
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            method = "PostgreSQL COPY FROM STDIN (psycopg 3 cursor.copy)"
        else:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            method = f"{connection.vendor}: executemany INSERT (no COPY on this database)"
        return time.perf_counter() - start, method


def run() -> dict:
    unit, user = build()
    client = APIClient()
    client.force_authenticate(user)
    # A running server has loaded its URL resolver, translations and API settings; so
    # does this one before the clock starts.
    assert client.get("/api/v1/accounts/", {"page_size": 1}).status_code == 200

    # Interleaved (one API request, then the ceiling for as many rows), so a busy machine
    # slows both sides alike and the ratio stays meaningful. Each side's input is built
    # just before its turn, off the clock: the server's heap should not carry the client's
    # whole payload, which would slow its garbage collector as no real server's is.
    api_seconds = copy_seconds = 0.0
    for start in range(0, ROWS, CHUNK):
        stop = min(start + CHUNK, ROWS)
        data = [{**row, "owner_unit": unit.pk} for row in payload("api", start, stop)]
        began = time.perf_counter()
        response = client.post(URL, data, format="json")
        api_seconds += time.perf_counter() - began
        assert response.status_code == 200, response.content[:500]
        assert response.json()["created"] == len(data), response.json()["failed"]
        del data, response
        columns, rows = ceiling_rows(unit, start, stop)
        seconds, method = copy_ceiling(columns, rows)
        copy_seconds += seconds
        del rows
    assert Account.objects.filter(owner_unit=unit).count() == 2 * ROWS

    api_rate, copy_rate = ROWS / api_seconds, ROWS / copy_seconds
    return {
        "figure": api_seconds / ROWS,
        "baseline": copy_seconds / ROWS,
        "figure_label": "bulk API, per row",
        "baseline_label": "ceiling, per row",
        "details": {
            "rows": f"{ROWS:,} each way, in chunks of {CHUNK:,}, API and ceiling interleaved",
            "bulk API": f"{api_rate:,.0f} rows/s ({api_seconds:.2f} s)",
            "ceiling": f"{copy_rate:,.0f} rows/s ({copy_seconds:.2f} s) — {method}",
            "throughput ratio (API / ceiling)": f"{api_rate / copy_rate:.2f} (target >= 0.25)",
        },
    }
