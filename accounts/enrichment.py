"""Enrichment providers: fill blanks in imported rows from what we (or a service) know.

A provider receives a batch of rows (one import chunk) so that it can answer with one
query or one HTTP call per chunk instead of one per row. Providers only *suggest*
values (``row.enriched``); the upsert applies a suggestion only where the account's own
value is blank, so a value from the file or typed by a person always wins.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

import pycountry

from accounts import normalise

if TYPE_CHECKING:
    from accounts.imports import Row

log = logging.getLogger(__name__)


class Provider(Protocol):
    name: str

    def enrich(self, rows: list[Row]) -> None:
        """Add suggestions to ``row.enriched`` (never overwrite ``row.values``)."""


def _suggest(row: Row, field: str, value: Any) -> None:
    if value in (None, "") or row.values.get(field) not in (None, ""):
        return
    row.enriched.setdefault(field, value)


#: International dialling prefixes → country; longest prefix wins (+1 is NANP: US).
PHONE_PREFIXES = {
    "1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE",
    "33": "FR", "34": "ES", "36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT",
    "44": "GB", "45": "DK", "46": "SE", "47": "NO", "48": "PL", "49": "DE", "52": "MX",
    "54": "AR", "55": "BR", "56": "CL", "57": "CO", "60": "MY", "61": "AU", "62": "ID",
    "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "81": "JP", "82": "KR", "84": "VN",
    "86": "CN", "90": "TR", "91": "IN", "351": "PT", "352": "LU", "353": "IE", "358": "FI",
    "420": "CZ", "421": "SK", "852": "HK", "886": "TW", "971": "AE", "972": "IL",
    "966": "SA",
}  # fmt: skip


def country_from_phone(phone: str) -> str:
    """Country of an international number (``+33 1 …`` → FR); empty for local numbers."""
    number = normalise.phone_number(phone)
    if not number.startswith("+"):
        return ""
    digits = number[1:]
    for length in (3, 2, 1):
        country = PHONE_PREFIXES.get(digits[:length])
        if country:
            return country
    return ""


#: Country-code top-level domains whose ISO code differs, or that are not countries.
TLD_EXCEPTIONS = {"uk": "GB", "eu": "", "io": "", "co": "", "tv": "", "me": "", "ai": ""}


def country_from_domain(domain: str) -> str:
    """``acme.co.uk`` → GB, ``acme.de`` → DE; generic and vanity TLDs give nothing."""
    domain = normalise.registrable_domain(domain)
    if not domain:
        return ""
    tld = domain.rsplit(".", 1)[-1]
    if tld in TLD_EXCEPTIONS:
        return TLD_EXCEPTIONS[tld]
    if len(tld) != 2:
        return ""
    country = pycountry.countries.get(alpha_2=tld.upper())
    return country.alpha_2 if country else ""


class CountryFromPhone:
    name = "country-from-phone"

    def enrich(self, rows: list[Row]) -> None:
        for row in rows:
            if row.values.get("phone"):
                _suggest(row, "country", country_from_phone(row.values["phone"]))


class CountryFromDomain:
    name = "country-from-domain"

    def enrich(self, rows: list[Row]) -> None:
        for row in rows:
            if row.values.get("domain"):
                _suggest(row, "country", country_from_domain(row.values["domain"]))


class FamilyByDomain:
    """Link a new subsidiary to the family already known elsewhere in the organisation.

    Two units importing ``acme.com`` target the same multinational: the row joins the
    family of the account another unit of the same organisation holds for that domain
    (its root), so family plans and conflict detection see both.
    """

    name = "family-by-domain"

    def enrich(self, rows: list[Row]) -> None:
        from accounts.models import Account

        wanted = [r for r in rows if r.values.get("domain") and not r.values.get("parent")]
        if not wanted:
            return
        orgs = {r.unit.organization_id for r in wanted}
        found = (
            Account.objects.unrestricted()
            .filter(
                owner_unit__organization_id__in=orgs,
                domain__in={r.values["domain"] for r in wanted},
            )
            .values("pk", "parent_id", "domain", "owner_unit_id", "owner_unit__organization_id")
            .order_by("pk")
        )
        roots: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for a in found:
            key = (a["owner_unit__organization_id"], a["domain"])
            roots.setdefault(key, []).append((a["owner_unit_id"], a["parent_id"] or a["pk"]))
        root_ids = {root for matches in roots.values() for _, root in matches}
        parents = Account.objects.unrestricted().select_related("owner_unit").in_bulk(root_ids)
        for row in wanted:
            for unit_id, root_id in roots.get((row.unit.organization_id, row.values["domain"]), []):
                # The unit's own account for the domain is the upsert target, not a family.
                if unit_id != row.unit.pk and root_id in parents:
                    root = parents[root_id]
                    if root.owner_unit_id != row.unit.pk or root.domain != row.values["domain"]:
                        _suggest(row, "parent", root)
                        break


class HttpFirmographics:
    """Adapter for an external firmographics service (one POST per chunk).

    Protocol: ``POST {url}`` with ``{"domains": [...]}``; the answer is
    ``{"companies": [{"domain": ..., "industry": ..., "employee_band": ..., "country":
    ..., "legal_name": ..., "annual_revenue": ..., "revenue_currency": ...}]}``.
    Enrichment is best effort: a slow or failing service never fails an import.
    """

    name = "http-firmographics"
    FIELDS = (
        "industry",
        "employee_band",
        "country",
        "legal_name",
        "annual_revenue",
        "revenue_currency",
    )

    def __init__(self, url: str, token: str = "", timeout: float = 5.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    def fetch(self, domains: Iterable[str]) -> dict[str, dict[str, Any]]:
        body = json.dumps({"domains": sorted(set(domains))}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read().decode())
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as exc:
            log.warning("firmographics service %s unavailable: %s", self.url, exc)
            return {}
        companies = payload.get("companies", []) if isinstance(payload, dict) else []
        return {
            normalise.registrable_domain(c.get("domain")): c
            for c in companies
            if isinstance(c, dict) and c.get("domain")
        }

    def enrich(self, rows: list[Row]) -> None:
        domains = [r.values["domain"] for r in rows if r.values.get("domain")]
        if not domains:
            return
        known = self.fetch(domains)
        for row in rows:
            company = known.get(row.values.get("domain", ""))
            if not company:
                continue
            for field in self.FIELDS:
                value = self.usable(field, company)
                if value not in (None, ""):
                    _suggest(row, field, value)

    @staticmethod
    def usable(field: str, company: dict[str, Any]) -> Any:
        """The service's value when it cannot make a valid row invalid, else ``None``.

        Enrichment must never be the reason a row fails: unknown countries or bands are
        dropped, and a revenue only comes with its currency.
        """
        from accounts.models import EmployeeBand

        value = company.get(field)
        if value in (None, "") or not isinstance(value, str | int | float):
            return None
        if field == "country":
            return normalise.country_code(str(value)) or None
        if field == "employee_band":
            return value if value in EmployeeBand.values else None
        if field == "annual_revenue":
            currency = company.get("revenue_currency")
            if not isinstance(value, int | float) or not isinstance(currency, str):
                return None
            return str(value) if value >= 0 and len(currency) == 3 else None
        if field == "revenue_currency":
            number = company.get("annual_revenue")
            return value.upper() if isinstance(number, int | float) and len(value) == 3 else None
        return str(value)[:200]


def default_providers() -> list[Provider]:
    """Built-in providers, plus the HTTP adapter when ``GLOCAL_FIRMOGRAPHICS_URL`` is set."""
    providers: list[Provider] = [CountryFromPhone(), CountryFromDomain(), FamilyByDomain()]
    url = os.environ.get("GLOCAL_FIRMOGRAPHICS_URL", "").strip()
    if url:
        providers.insert(
            0,
            HttpFirmographics(
                url,
                token=os.environ.get("GLOCAL_FIRMOGRAPHICS_TOKEN", ""),
                timeout=float(os.environ.get("GLOCAL_FIRMOGRAPHICS_TIMEOUT", "5")),
            ),
        )
    return providers
