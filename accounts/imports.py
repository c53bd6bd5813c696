"""Imports of accounts and contacts: read, map, clean, enrich, validate, upsert, report.

One engine serves the dashboard wizard (through an :class:`ImportJob` run by a worker),
the management command and the bulk API:

* **read** — CSV (UTF-8, delimiter sniffed) or XLSX, every cell as text; size and row
  limits (``GLOCAL_IMPORT_MAX_BYTES``, ``GLOCAL_IMPORT_MAX_ROWS``) are checked before
  anything is written, so a refused file changes nothing;
* **map** — source column → field, guessed from header names, adjustable by the user;
* **clean** — trim, registrable domain, ISO country, E.164-like phone, email;
* **enrich** — providers in :mod:`accounts.enrichment` fill blanks only;
* **validate** — the verdicts of ``Model.full_clean()`` per row, the same rules as the API
  and admin, at bulk speed (:mod:`accounts.validation`);
* **upsert** — by (owner unit, registrable domain), or (owner unit, company name key)
  when there is no domain, so re-importing a file creates no duplicates. Writes are
  ``bulk_create`` / ``bulk_update`` per chunk inside one transaction; when a chunk's
  write fails, its rows are retried one by one, each in its own transaction. A row is
  either written whole or reported, never half-written.

Audit: ``bulk_create`` bypasses save signals, so created rows are not recorded one by one;
each import or bulk request records one ``accounts.bulk_upsert`` entry with its counts.
Updated rows go through the tracked queryset ``update()`` and are recorded per row.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime
import functools
import gc
import io
import json
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import icp, normalise, privacy, scoring, validation
from accounts.enrichment import Provider, default_providers
from accounts.models import Account, Channel, Consent, Contact, EmployeeBand, ImportJob
from glocal import changes
from glocal.exports import to_csv
from glocal.models import OrgUnit

CHUNK_SIZE = 1000


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is shown to the user."""


def max_bytes() -> int:
    return int(os.environ.get("GLOCAL_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def max_rows() -> int:
    return int(os.environ.get("GLOCAL_IMPORT_MAX_ROWS", 100_000))


# --- fields and mapping ------------------------------------------------------------

ACCOUNT_FIELDS: dict[str, str] = {
    "name": "name",
    "legal_name": "legal name",
    "domain": "website domain",
    "country": "country",
    "industry": "industry",
    "employee_band": "employees",
    "annual_revenue": "annual revenue",
    "revenue_currency": "revenue currency",
    "tier": "tier",
    "tags": "tags",
    "phone": "phone (for enrichment)",
}
CONTACT_FIELDS: dict[str, str] = {
    "account_domain": "account domain",
    "account_name": "account name",
    "first_name": "first name",
    "last_name": "last name",
    "email": "email",
    "phone": "phone",
    "job_title": "job title",
    "buying_role": "buying role",
    "language": "language",
    "country": "country",
    "consent_channel": "consent channel (email, linkedin, …)",
    "consent_status": "consent status (granted, denied, withdrawn, pending)",
    "lawful_basis": "lawful basis",
    "consent_source": "consent source",
    "consent_date": "consent date",
    "double_opt_in_date": "double opt-in date",
}
FIELDS = {ImportJob.Kind.ACCOUNTS: ACCOUNT_FIELDS, ImportJob.Kind.CONTACTS: CONTACT_FIELDS}
REQUIRED = {ImportJob.Kind.ACCOUNTS: ("name",), ImportJob.Kind.CONTACTS: ()}

ALIASES: dict[str, str] = {
    "company": "name",
    "company name": "name",
    "account": "name",
    "account name": "name",
    "organisation": "name",
    "organization": "name",
    "legal name": "legal_name",
    "website": "domain",
    "web": "domain",
    "url": "domain",
    "domain": "domain",
    "website domain": "domain",
    "country code": "country",
    "sector": "industry",
    "employees": "employee_band",
    "employee count": "employee_band",
    "headcount": "employee_band",
    "size": "employee_band",
    "revenue": "annual_revenue",
    "annual revenue": "annual_revenue",
    "currency": "revenue_currency",
    "telephone": "phone",
    "phone number": "phone",
    "e-mail": "email",
    "email address": "email",
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "title": "job_title",
    "job title": "job_title",
    "role": "buying_role",
    "buying role": "buying_role",
    "company domain": "account_domain",
    "account domain": "account_domain",
}
CONTACT_ALIASES = {
    "opt in": "consent_status",
    "optin": "consent_status",
    "consent": "consent_status",
    "marketing consent": "consent_status",
    "basis": "lawful_basis",
    "legal basis": "lawful_basis",
    "opt in date": "consent_date",
    "company": "account_name",
    "account": "account_name",
    "company name": "account_name",
    "account name": "account_name",
    "website": "account_domain",
    "domain": "account_domain",
}


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(header).strip().lower())


def auto_mapping(columns: Iterable[str], kind: str = ImportJob.Kind.ACCOUNTS) -> dict[str, str]:
    """Guess ``source column → field`` from header names; unknown columns are skipped."""
    fields = FIELDS[kind]
    aliases = {**ALIASES, **(CONTACT_ALIASES if kind == ImportJob.Kind.CONTACTS else {})}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        key = _header_key(column)
        target = aliases.get(key) or (
            key.replace(" ", "_") if key.replace(" ", "_") in fields else ""
        )
        if target in fields and target not in taken:
            mapping[str(column)] = target
            taken.add(target)
    return mapping


def check_mapping(mapping: dict[str, str], columns: Iterable[str], kind: str) -> dict[str, str]:
    """A mapping names existing columns and known fields, each field once, required ones."""
    columns = set(map(str, columns))
    fields = FIELDS[kind]
    clean = {src: dst for src, dst in mapping.items() if dst}
    unknown_columns = sorted(set(clean) - columns)
    if unknown_columns:
        raise ImportFileError(
            _("No column named %(c)s in the file.") % {"c": ", ".join(unknown_columns)}
        )
    unknown_fields = sorted(set(clean.values()) - set(fields))
    if unknown_fields:
        raise ImportFileError(_("Unknown field: %(f)s.") % {"f": ", ".join(unknown_fields)})
    targets = list(clean.values())
    doubles = sorted({t for t in targets if targets.count(t) > 1})
    if doubles:
        raise ImportFileError(_("Several columns map to %(f)s.") % {"f": ", ".join(doubles)})
    missing = [f for f in REQUIRED[kind] if f not in targets]
    if missing:
        raise ImportFileError(
            _("The file has no column for %(f)s; map one (e.g. a 'name' column).")
            % {"f": ", ".join(missing)}
        )
    if kind == ImportJob.Kind.CONTACTS and not {"account_domain", "account_name"} & set(targets):
        raise ImportFileError(_("Map a column to the account domain or the account name."))
    return clean


# --- reading -----------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """The file as a frame of trimmed text cells; :class:`ImportFileError` when unusable."""
    if len(data) > max_bytes():
        raise ImportFileError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(len(data) / 1_048_576, 1), "limit": round(max_bytes() / 1_048_576, 1)}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    limit = max_rows()
    suffix = Path(filename or "").suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    try:
        if suffix == ".xlsx" or is_zip:
            if not is_zip:
                raise ImportFileError(_("This is not an XLSX workbook."))
            frame = pd.read_excel(
                io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl",
                nrows=limit + 1,
            )  # fmt: skip
        elif suffix in {".csv", ".txt", ""}:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ImportFileError(
                    _("The file is not UTF-8 text; save it as 'CSV UTF-8' and try again.")
                ) from None
            if "\x00" in text[:4096]:
                raise ImportFileError(_("This is not a CSV file."))
            try:
                delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = ","
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter,
                nrows=limit + 1, skipinitialspace=True,
            )  # fmt: skip
        else:
            raise ImportFileError(
                _("Unsupported file type %(s)s: upload a CSV or XLSX file.") % {"s": suffix}
            )
    except ImportFileError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many kinds for a broken file
        raise ImportFileError(
            _("The file could not be read as CSV or XLSX: %(e)s") % {"e": str(exc)[:200]}
        ) from None
    if len(frame) > limit:
        raise ImportFileError(
            _("The file has more than %(limit)s rows; split it.") % {"limit": f"{limit:,}"}
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    if not len(frame.columns) or all(c.startswith("Unnamed") for c in frame.columns):
        raise ImportFileError(_("The file has no header row."))
    return frame.map(lambda v: v.strip() if isinstance(v, str) else ("" if v is None else str(v)))


# --- rows, cleaning ----------------------------------------------------------------


@dataclass
class Row:
    """One input row on its way to the database."""

    number: int  # as the user sees it: the spreadsheet row (header is row 1)
    unit: OrgUnit
    values: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)
    enriched: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RowResult:
    number: int
    status: str  # created | updated | unchanged | error
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    instance: Any = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"row": self.number, "status": self.status}
        if self.status == "error":
            data["errors"] = self.errors
        else:
            data["id"] = self.instance.pk if self.instance is not None else self.id
        return data


def employee_band(value: str) -> str:
    """A head count (``"120"``, ``"1,200"``) to its band; a band stays as it is."""
    digits = value.replace(",", "").replace(" ", "").replace(".", "")
    if not digits.isdigit():
        return value
    count = int(digits)
    for band, low in (("5000+", 5000), ("1000-4999", 1000), ("250-999", 250), ("50-249", 50)):
        if count >= low:
            return band
    return EmployeeBand.XS.value


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Trim and normalise; a value that cannot be normalised stays for validation to name."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = " ".join(value.split())
        if value in (None, ""):
            continue
        if name in {"domain", "account_domain"}:
            value = normalise.registrable_domain(value) or value
        elif name == "country":
            value = normalise.country_code(value) or value
        elif name == "phone":
            value = normalise.phone_number(value) or value
        elif name == "email":
            value = normalise.email_address(value) or value
        elif name == "employee_band":
            value = employee_band(str(value))
        elif name == "annual_revenue":
            text = re.sub(r"[\s,]", "", str(value))
            with contextlib.suppress(InvalidOperation):
                value = Decimal(text)
        elif name in {"revenue_currency"}:
            value = str(value).upper()
        elif name == "tier":
            value = {"1:1": "one_to_one", "1:few": "one_to_few", "1:many": "one_to_many"}.get(
                str(value).lower(), str(value).lower()
            )
        elif name == "tags" and isinstance(value, str):
            value = [t.strip() for t in re.split(r"[;,]", value) if t.strip()]
        elif name == "buying_role":
            value = str(value).lower().replace(" ", "_")
        out[name] = value
    return out


def rows_from_frame(
    frame: pd.DataFrame, mapping: dict[str, str], unit: OrgUnit, start: int = 0, stop=None
) -> list[Row]:
    columns = list(mapping)
    rows = []
    records = frame.iloc[start:stop][columns].to_dict("records") if columns else []
    for offset, record in enumerate(records):
        values = {mapping[c]: record[c] for c in columns}
        rows.append(
            Row(number=start + offset + 2, unit=unit, values=clean_values(values), raw=record)
        )
    return rows


def enrich(rows: list[Row], providers: list[Provider] | None) -> None:
    for provider in providers or []:
        provider.enrich(rows)


# --- accounts upsert ---------------------------------------------------------------

#: Fields an import or bulk request may write (``owner_unit`` is the row's unit).
ACCOUNT_WRITABLE = [
    "name", "legal_name", "domain", "country", "industry", "employee_band",
    "annual_revenue", "revenue_currency", "tier", "tags", "crm_ids", "parent",
]  # fmt: skip
WRITABLE = frozenset(ACCOUNT_WRITABLE)
UPDATE_COLUMNS = ["parent_id" if f == "parent" else f for f in ACCOUNT_WRITABLE] + [
    "name_key",
    "fit_score",
    "updated_at",
]


_TEMPLATE: dict[str, Any] = {}


def _new_account(unit: OrgUnit) -> Account:
    """A blank account, built from a template's field values (``__init__`` and
    ``copy.copy`` each cost more than the validation of the row)."""
    if not _TEMPLATE:
        _TEMPLATE.update((k, v) for k, v in Account().__dict__.items() if k != "_state")
    account = Account.__new__(Account)
    account.__dict__.update(_TEMPLATE)
    account._state = state = ModelState()
    account.tags, account.crm_ids = [], {}  # never share mutable defaults
    # What assigning ``owner_unit`` stores, without the descriptor's router checks: the
    # unit was read from the database the account will be written to.
    account.owner_unit_id = unit.pk
    state.fields_cache["owner_unit"] = unit
    return account


def _checked(row: Row) -> tuple[str, ...]:
    return validation.fields_to_check(frozenset(row.values).union(row.enriched))


def _key(unit_id: int, values: dict[str, Any]) -> tuple:
    domain = values.get("domain")
    if domain:
        return ("d", unit_id, normalise.registrable_domain(domain) or domain)
    return ("n", unit_id, normalise.company_key(values.get("name") or ""))


def _existing_accounts(keys: Iterable[tuple]) -> dict[tuple, Account]:
    """Existing accounts matching the rows' keys (the lowest id when several match)."""
    wanted = {key for key in keys if key[2]}
    if not wanted:
        return {}
    connection = connections[router.db_for_read(Account)]
    if connection.vendor == "postgresql":
        ids = _existing_ids_by_probe(connection, wanted)
    else:
        ids = _existing_ids_by_filter(wanted)
    # Callers authorised the units already; the keys only match rows of those units.
    accounts = Account.objects.unrestricted().in_bulk(set(ids.values()))
    return {key: accounts[pk] for key, pk in ids.items()}


def _existing_ids_by_filter(keys: set[tuple]) -> dict[tuple, int]:
    """One ``IN`` query per chunk."""
    by_unit: dict[int, tuple[set[str], set[str]]] = {}
    for kind, unit_id, value in keys:
        by_unit.setdefault(unit_id, (set(), set()))[0 if kind == "d" else 1].add(value)
    query = Q()
    for unit_id, (domains, names) in by_unit.items():
        if domains:
            query |= Q(owner_unit_id=unit_id, domain__any_of=list(domains))
        if names:
            query |= Q(owner_unit_id=unit_id, name_key__any_of=list(names))
    found: dict[tuple, int] = {}
    rows = Account.objects.unrestricted().filter(query).order_by("pk")
    for pk, unit_id, domain, name_key in rows.values_list("pk", "owner_unit", "domain", "name_key"):
        for key in (("d", unit_id, domain), ("n", unit_id, name_key)):
            if key in keys:
                found.setdefault(key, pk)
    return found


#: One probe of the single-column index per key, whatever the statistics say. A plain
#: ``owner_unit_id = … AND domain = ANY(…)`` is planned from the unit's row count in the
#: statistics, which lags far behind while a large import grows the unit: every chunk then
#: scans all the unit's rows. ``OFFSET 0`` keeps each probe a separate index lookup, and
#: ``owner_unit_id + 0`` keeps the unit indexes (all led by the unit) out of the choice.
_PROBE = """
    SELECT %s, k.unit_id, k.value, a.id
    FROM unnest(%s::bigint[], %s::text[]) AS k(unit_id, value)
    CROSS JOIN LATERAL (
        SELECT t.id FROM {table} AS t
        WHERE t.{column} = k.value AND t.owner_unit_id + 0 = k.unit_id OFFSET 0
    ) AS a
"""
#: key kind → the column it matches
_PROBED = {"d": "domain", "n": "name_key"}


def _existing_ids_by_probe(connection, keys: set[tuple]) -> dict[tuple, int]:
    table = connection.ops.quote_name(Account._meta.db_table)
    params: list = []
    for kind in _PROBED:
        of_kind = [(unit_id, value) for k, unit_id, value in keys if k == kind]
        params += [kind, [unit_id for unit_id, _ in of_kind], [value for _, value in of_kind]]
    sql = " UNION ALL ".join(
        _PROBE.format(table=table, column=column) for column in _PROBED.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found: dict[tuple, int] = {}
        for kind, unit_id, value, pk in cursor.fetchall():
            key = (kind, unit_id, value)
            found[key] = min(pk, found.get(key, pk))
        return found


def _snapshot(account: Account) -> dict[str, Any]:
    return {c: getattr(account, c) for c in UPDATE_COLUMNS if c != "updated_at"}


def _score(accounts: Iterable[Account]) -> None:
    """Fit scores against each unit's effective ICP (read once per unit and chunk), so
    imported accounts rank on the selection board at once."""
    criteria: dict[int, icp.Criteria] = {}
    for account in accounts:
        unit = account.owner_unit
        if unit.pk not in criteria:
            criteria[unit.pk] = icp.criteria_for(unit)
        account.fit_score = scoring.fit_score(account, criteria[unit.pk])


def _upsert_account_chunk(rows: list[Row], dry_run: bool) -> list[RowResult]:
    keys = [_key(row.unit.pk, row.values) for row in rows]
    existing = _existing_accounts(keys)
    language = get_language()
    pending: dict[tuple, Account] = {}
    before: dict[int, dict[str, Any]] = {}
    results: list[RowResult] = []
    for row, key in zip(rows, keys, strict=True):
        if row.errors:
            results.append(RowResult(row.number, "error", errors=row.errors))
            continue
        base = pending.get(key) or existing.get(key)
        if base is None:
            candidate = _new_account(row.unit)
        else:
            candidate = copy.copy(base)
            if base.pk and base.pk not in before:
                before[base.pk] = _snapshot(base)
            candidate.owner_unit = row.unit  # cached: clean() reads its tier without a query
        for name, value in row.values.items():
            if name in WRITABLE:
                setattr(candidate, name, value)
        for name, value in row.enriched.items():
            current = getattr(candidate, "parent_id" if name == "parent" else name)
            if name in ACCOUNT_WRITABLE and current in (None, "", [], {}):
                setattr(candidate, name, value)
        try:
            # Foreign keys are checked by the callers (restricted units and parents);
            # Django's own check would cost one query per row. Model.clean() always runs.
            validation.validate_account(candidate, _checked(row), language)
        except ValidationError as exc:
            results.append(RowResult(row.number, "error", errors=validation.error_dict(exc)))
            continue
        pending[key] = candidate
        results.append(RowResult(row.number, "pending", instance=key))
    _score(pending.values())
    if dry_run:
        for result in results:
            if result.status == "pending":
                account = pending[result.instance]
                result.status = "updated" if account.pk else "created"
                result.instance = account
        return results
    new = [a for a in pending.values() if a.pk is None]
    changed = [a for a in pending.values() if a.pk and _snapshot(a) != before.get(a.pk)]
    now = timezone.now()
    for account in changed:
        account.updated_at = now
    try:
        with transaction.atomic():
            insert_accounts(new)
            if changed:
                Account.objects.bulk_update(changed, UPDATE_COLUMNS, batch_size=500)
    except DatabaseError:
        # One bad row must not sink the chunk: retry each row in its own transaction.
        failed = _save_one_by_one(new, changed)
    else:
        failed = {}
    changed_ids = {id(a) for a in changed}
    new_ids = {id(a) for a in new}
    for result in results:
        if result.status != "pending":
            continue
        account = pending[result.instance]
        result.instance = account
        if id(account) in failed:
            result.status, result.errors = "error", failed[id(account)]
        elif id(account) in new_ids:
            result.status = "created"
        elif id(account) in changed_ids:
            result.status = "updated"
        else:
            result.status = "unchanged"
    # Only the first row naming a new account "created" it; later rows of the file updated it.
    seen: set[int] = set()
    for result in results:
        if result.status == "created":
            if id(result.instance) in seen:
                result.status = "updated"
            seen.add(id(result.instance))
    return results


def insert_accounts(accounts: list[Account]) -> None:
    """Insert new accounts as fast as the database allows.

    On PostgreSQL: ids are drawn from the table's sequence in one query, then the rows
    are streamed with ``COPY ... FROM STDIN`` — several times faster than the
    multi-row ``INSERT`` of ``bulk_create``, whose per-field SQL compilation dominates
    at 10,000 rows. Elsewhere: ``bulk_create``. Like ``bulk_create``, no save signals.
    """
    if not accounts:
        return
    alias = router.db_for_write(Account)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        Account.objects.bulk_create(accounts, batch_size=CHUNK_SIZE)
        return
    now = timezone.now()
    meta = Account._meta
    fields = list(meta.concrete_fields)
    values_of = operator.itemgetter(*(f.attname for f in fields))
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(accounts)],
        )
        for account, (pk,) in zip(accounts, cursor.fetchall(), strict=True):
            account.pk = pk
            account.created_at = account.updated_at = now
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for account in accounts:
                row = list(values_of(account.__dict__))
                for i in json_at:
                    row[i] = _json_text(row[i])
                copy.write_row(row)
    for account in accounts:
        account._state.adding = False
        account._state.db = alias


_EMPTY_JSON = {list: "[]", dict: "{}"}


@functools.lru_cache(maxsize=1024)
def _tags_json(tags: tuple[str, ...]) -> str:
    return json.dumps(list(tags))


def _json_text(value: Any) -> str:
    """JSON for COPY. Most rows carry no CRM ids and one of a few tag lists, which need
    no encoder run of their own."""
    if not value and type(value) in _EMPTY_JSON:
        return _EMPTY_JSON[type(value)]
    if type(value) is list and all(type(item) is str for item in value):
        return _tags_json(tuple(value))
    return json.dumps(value)


def _save_one_by_one(new: list[Account], changed: list[Account]) -> dict[int, dict]:
    failed: dict[int, dict] = {}
    new_ids = {id(a) for a in new}
    for account in [*new, *changed]:
        adding = id(account) in new_ids
        if adding:
            account.pk = None
        try:
            with transaction.atomic():
                account.save(force_insert=adding)
        except DatabaseError as exc:
            if adding:
                account.pk = None
            failed[id(account)] = {"non_field_errors": [_("Not saved: %(e)s") % {"e": exc}]}
    return failed


def upsert_accounts(
    rows: list[Row],
    *,
    providers: list[Provider] | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[RowResult]:
    """Enrich, validate and upsert rows chunk by chunk; one result per row, in order."""
    results: list[RowResult] = []
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        enrich(chunk, providers)
        with cyclic_gc_paused():
            results += _upsert_account_chunk(chunk, dry_run)
        if progress:
            progress(len(chunk))
    return results


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Hold the cycle collector while a chunk (or a bulk request) builds its thousands of
    short-lived rows.

    They hold no reference cycles worth collecting, yet their allocations trigger full
    collections that walk the whole process heap: a sixth of a 10,000-row bulk request
    went there. Reference counting still frees everything; the collector runs again as
    soon as the block is done (or stays off if it was off already). Usable as a decorator.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- contacts upsert ---------------------------------------------------------------

CONTACT_WRITABLE = [
    "first_name", "last_name", "email", "phone", "job_title", "buying_role", "language",
    "country",
]  # fmt: skip


CONSENT_COLUMNS = (
    "consent_channel", "consent_status", "lawful_basis", "consent_source", "consent_date",
    "double_opt_in_date",
)  # fmt: skip
CONSENT_WORDS = {
    "yes": "granted", "y": "granted", "true": "granted", "1": "granted", "opt-in": "granted",
    "opted in": "granted", "granted": "granted", "no": "denied", "n": "denied",
    "false": "denied", "0": "denied", "denied": "denied", "opt-out": "withdrawn",
    "opted out": "withdrawn", "unsubscribed": "withdrawn", "withdrawn": "withdrawn",
    "pending": "pending",
}  # fmt: skip


def _when(value: Any) -> datetime.datetime | None:
    """A date or date-time cell as an aware datetime (None when it is not one)."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = pd.to_datetime(str(value), dayfirst=False).to_pydatetime()
        except (ValueError, OverflowError):
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def consent_for(row: Row, contact: Contact) -> Consent | None:
    """The consent a contacts row declares (None without consent columns).

    Raises ``ValidationError`` naming the column, so the row fails as a whole: a contact
    is never written without the consent its row stated. The channel defaults to email,
    the lawful basis to consent, the date to the time of the import.
    """
    values = {name: row.values[name] for name in CONSENT_COLUMNS if name in row.values}
    if not values:
        return None
    errors: dict[str, str] = {}
    status = CONSENT_WORDS.get(str(values.get("consent_status", "")).strip().lower())
    if status is None:
        errors["consent_status"] = _("Write granted, denied, withdrawn or pending (or yes/no).")
    channel = str(values.get("consent_channel", Channel.EMAIL)).strip().lower()
    if channel not in Channel.values:
        errors["consent_channel"] = _("Unknown channel %(c)s; use one of %(all)s.") % {
            "c": channel,
            "all": ", ".join(Channel.values),
        }
    now = timezone.now()
    recorded = now
    if "consent_date" in values:
        recorded = _when(values["consent_date"])
        if recorded is None or recorded > now:
            errors["consent_date"] = _("Not a date in the past.")
    opt_in = None
    if "double_opt_in_date" in values:
        opt_in = _when(values["double_opt_in_date"])
        if opt_in is None:
            errors["double_opt_in_date"] = _("Not a date.")
    if errors:
        raise ValidationError(errors)
    basis = str(values.get("lawful_basis", Consent.LawfulBasis.CONSENT)).strip().lower()
    consent = Consent(
        contact=contact,
        channel=channel,
        status=status,
        lawful_basis=basis.replace(" ", "_"),
        source=str(values.get("consent_source", ""))[:100] or _("import"),
        recorded_at=recorded,
        evidence=_("Imported, row %(n)s") % {"n": row.number},
        double_opt_in_at=opt_in,
    )
    consent.full_clean(exclude=["contact", "owner_unit"], validate_unique=False,
                       validate_constraints=False)  # fmt: skip
    return consent


def _store_consent(consent: Consent, contact: Contact) -> bool:
    """Upsert by (contact, channel, purpose); a newer stored decision is never overwritten
    by an older one from a file (a withdrawal stays a withdrawal). True when written."""
    consent.contact = contact
    consent.owner_unit_id = contact.owner_unit_id
    current = (
        Consent.objects.unrestricted()
        .select_for_update()
        .filter(contact=contact, channel=consent.channel, purpose=consent.purpose)
        .first()
    )
    if current is None:
        consent.save()
        return True
    if current.recorded_at > consent.recorded_at:
        return False
    fields = ["status", "lawful_basis", "source", "recorded_at", "evidence", "double_opt_in_at"]
    if all(getattr(current, f) == getattr(consent, f) for f in fields if f != "evidence"):
        return False
    for name in fields:
        setattr(current, name, getattr(consent, name))
    current.save()
    return True


def _upsert_contact_chunk(rows: list[Row], dry_run: bool, actor=None) -> list[RowResult]:
    """Contacts upsert by (account, email), else (account, first and last name).

    With an ``actor``, a row that matches a contact whose personal data the actor may not
    see (another residency zone, no grant) is refused, as an edit through the API is.
    """
    unit_ids = {r.unit.pk for r in rows}
    domains = {r.values.get("account_domain") for r in rows} - {None}
    names = {normalise.company_key(r.values.get("account_name")) for r in rows} - {""}
    accounts = Account.objects.unrestricted().filter(
        Q(domain__in=domains) | Q(name_key__in=names), owner_unit_id__in=unit_ids
    ).select_related("owner_unit")  # fmt: skip
    by_domain: dict[tuple, Account] = {}
    by_name: dict[tuple, Account] = {}
    for account in accounts.order_by("pk"):
        if account.domain:
            by_domain.setdefault((account.owner_unit_id, account.domain), account)
        by_name.setdefault((account.owner_unit_id, account.name_key), account)
    contacts = list(Contact.objects.unrestricted().filter(account__in=list(accounts)))
    hidden = (
        {c.pk for c in contacts} - privacy.visible_personal_data(actor, contacts)
        if actor is not None
        else set()
    )
    by_email = {(c.account_id, c.email.lower()): c for c in contacts if c.email}
    by_person = {
        (c.account_id, f"{c.first_name} {c.last_name}".strip().lower()): c
        for c in contacts
        if not c.email
    }
    results: list[RowResult] = []
    for row in rows:
        if row.errors:
            results.append(RowResult(row.number, "error", errors=row.errors))
            continue
        account = by_domain.get((row.unit.pk, row.values.get("account_domain"))) or by_name.get(
            (row.unit.pk, normalise.company_key(row.values.get("account_name")))
        )
        if account is None:
            results.append(
                RowResult(
                    row.number, "error", errors={"account": [_("No such account in this unit.")]}
                )
            )
            continue
        email = (row.values.get("email") or "").lower()
        person = f"{row.values.get('first_name', '')} {row.values.get('last_name', '')}".strip()
        contact = (
            by_email.get((account.pk, email))
            if email
            else by_person.get((account.pk, person.lower()))
        )
        if contact is not None and contact.pk in hidden:
            results.append(RowResult(row.number, "error", errors={"non_field_errors": [
                _("This person's data must stay in its residency zone; you may not edit it.")
            ]}))  # fmt: skip
            continue
        created = contact is None
        contact = contact or Contact(account=account, owner_unit=account.owner_unit)
        snapshot = {f: getattr(contact, f) for f in CONTACT_WRITABLE}
        for name in CONTACT_WRITABLE:
            if name in row.values:
                setattr(contact, name, row.values[name])
        if not row.values.get("country") and row.enriched.get("country"):
            contact.country = contact.country or row.enriched["country"]
        try:
            contact.full_clean(exclude=["account", "owner_unit"], validate_unique=False,
                               validate_constraints=False)  # fmt: skip
            consent = consent_for(row, contact)
            changed = created or snapshot != {f: getattr(contact, f) for f in CONTACT_WRITABLE}
            if not dry_run:
                with transaction.atomic():
                    if changed:
                        contact.save()
                    if consent is not None and _store_consent(consent, contact):
                        changed = True
            if not changed:
                results.append(RowResult(row.number, "unchanged", instance=contact))
                continue
        except ValidationError as exc:
            results.append(RowResult(row.number, "error", errors=validation.error_dict(exc)))
            continue
        except DatabaseError as exc:
            results.append(RowResult(row.number, "error", errors={"non_field_errors": [str(exc)]}))
            continue
        if contact.email:
            by_email[(account.pk, contact.email.lower())] = contact
        else:
            by_person[(account.pk, person.lower())] = contact
        results.append(RowResult(row.number, "created" if created else "updated", instance=contact))
    return results


def upsert_contacts(
    rows: list[Row],
    *,
    actor=None,
    providers: list[Provider] | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[RowResult]:
    """Enrich, validate and upsert contacts chunk by chunk; ``actor`` is who imports (None:
    the system, e.g. an operator's command)."""
    results: list[RowResult] = []
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        enrich(chunk, providers)
        results += _upsert_contact_chunk(chunk, dry_run, actor)
        if progress:
            progress(len(chunk))
    return results


def _upsert(kind: str, rows: list[Row], actor, **options: Any) -> list[RowResult]:
    if kind == ImportJob.Kind.CONTACTS:
        return upsert_contacts(rows, actor=actor, **options)
    return upsert_accounts(rows, **options)  # accounts hold no personal data


# --- preview, reports, jobs --------------------------------------------------------


def preview(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    unit: OrgUnit,
    kind: str,
    limit: int = 20,
    *,
    actor=None,
) -> list[dict[str, Any]]:
    """The first rows cleaned, enriched and validated, without writing anything."""
    rows = rows_from_frame(frame, mapping, unit, 0, limit)
    results = _upsert(kind, rows, actor, providers=default_providers(), dry_run=True)
    return [
        {
            "row": row.number,
            "values": {k: _plain(v) for k, v in {**row.enriched, **row.values}.items()},
            "status": result.status,
            "errors": result.errors,
        }
        for row, result in zip(rows, results, strict=True)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, Account):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def error_lines(rows: list[Row], results: list[RowResult], columns: list[str]) -> list[list]:
    """Report lines of the rows that failed: row number, reasons, then the original cells."""
    by_number = {row.number: row for row in rows}
    lines = []
    for result in results:
        if result.status != "error":
            continue
        reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in result.errors.items())
        raw = by_number[result.number].raw if result.number in by_number else {}
        lines.append([result.number, reasons, *[raw.get(c, "") for c in columns]])
    return lines


@dataclass
class Outcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    report: str = ""

    def count(self, results: list[RowResult]) -> None:
        for result in results:
            setattr(self, _COUNTERS[result.status], getattr(self, _COUNTERS[result.status]) + 1)


_COUNTERS = {
    "created": "created",
    "updated": "updated",
    "unchanged": "unchanged",
    "error": "failed",
}


def import_table(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    unit: OrgUnit,
    kind: str = ImportJob.Kind.ACCOUNTS,
    *,
    actor=None,
    providers: list[Provider] | None = None,
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> Outcome:
    """Import a whole table for one unit (mapping already checked); returns the counts."""
    mapping = check_mapping(mapping, frame.columns, kind)
    if unit.tier != "LOCAL" and kind == ImportJob.Kind.ACCOUNTS:
        raise ImportFileError(_("Accounts belong to a local team; choose a local unit."))
    providers = default_providers() if providers is None else providers
    outcome = Outcome(total=len(frame))
    report_lines: list[list[Any]] = []
    columns = list(map(str, frame.columns))
    with changes.acting_as(actor):
        for start in range(0, len(frame), CHUNK_SIZE):
            rows = rows_from_frame(frame, mapping, unit, start, start + CHUNK_SIZE)
            results = _upsert(kind, rows, actor, providers=providers)
            outcome.count(results)
            report_lines += error_lines(rows, results, columns)
            if progress:
                progress(len(rows))
        record_bulk(unit, kind, outcome, actor, source)
    if report_lines:
        outcome.report = to_csv(["row", "errors", *columns], report_lines)
    return outcome


def record_bulk(unit: OrgUnit | None, kind: str, outcome: Outcome, actor, source: str) -> None:
    """One audit entry per import or bulk request (bulk creates bypass save signals)."""
    from governance import audit

    audit.record(
        "accounts.bulk_upsert" if kind == ImportJob.Kind.ACCOUNTS else "contacts.bulk_upsert",
        actor=actor,
        unit=unit,
        after={
            "rows": outcome.total,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "failed": outcome.failed,
        },
        note=source[:200],
    )


def create_job(
    user, unit: OrgUnit, upload: BinaryIO, filename: str, kind: str = ImportJob.Kind.ACCOUNTS
) -> tuple[ImportJob, pd.DataFrame]:
    """Check the file (limits, format, columns) and keep it as a queued-to-be job.

    Raises :class:`ImportFileError` before anything is stored when the file is unusable.
    """
    if kind not in FIELDS:
        raise ImportFileError(_("Unknown import kind."))
    data = upload.read(max_bytes() + 1)
    frame = read_table(data, filename)
    mapping = auto_mapping(frame.columns, kind)
    job = ImportJob(
        owner_unit=unit,
        kind=kind,
        original_name=Path(filename).name[:255],
        mapping=mapping,
        total_rows=len(frame),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    job.file.save(Path(filename).name or "import.csv", ContentFile(data), save=False)
    job.save()
    return job, frame


def job_frame(job: ImportJob) -> pd.DataFrame:
    with job.file.open("rb") as handle:
        return read_table(handle.read(), job.original_name or job.file.name)


def start_job(job: ImportJob, mapping: dict[str, str]) -> None:
    """Fix the mapping and queue the job; the worker starts after the commit."""
    from accounts.tasks import run_import

    frame = job_frame(job)
    job.mapping = check_mapping(mapping, frame.columns, job.kind)
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
            mapping=job.mapping, total_rows=len(frame)
        )
        if updated:
            run_import.delay_on_commit(job.pk)


def run_job(job_id: int) -> ImportJob | None:
    """Claim a queued job and run it; idempotent (a job runs once)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), rows_done=0
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("owner_unit", "created_by").get(pk=job_id)

    def progress(count: int) -> None:
        job.rows_done += count
        ImportJob.objects.filter(pk=job.pk).update(rows_done=job.rows_done)

    try:
        frame = job_frame(job)
        outcome = import_table(
            frame, job.mapping, job.owner_unit, job.kind, actor=job.created_by,
            progress=progress, source=f"import job {job.pk}: {job.original_name}",
        )  # fmt: skip
    except ImportFileError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=str(exc), finished_at=timezone.now()
        )
        return ImportJob.objects.get(pk=job.pk)
    if outcome.report:
        job.error_report.save(
            f"import-{job.pk}-errors.csv", ContentFile(outcome.report), save=False
        )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        total_rows=outcome.total,
        rows_done=outcome.total,
        created_count=outcome.created,
        updated_count=outcome.updated,
        unchanged_count=outcome.unchanged,
        failed_count=outcome.failed,
        error_report=job.error_report.name or "",
        finished_at=timezone.now(),
    )
    return ImportJob.objects.get(pk=job.pk)
