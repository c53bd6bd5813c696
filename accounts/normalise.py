"""Cleaning helpers shared by forms, the API and imports: one definition of "the same"."""

from __future__ import annotations

import functools
import re
import unicodedata

import pycountry
import tldextract

# Offline: the public-suffix list bundled with the package, never a download at run time.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

LEGAL_SUFFIXES = {
    "ag", "bv", "co", "corp", "corporation", "gmbh", "inc", "kg", "kk", "limited", "llc",
    "ltd", "ltda", "nv", "oy", "plc", "pty", "sa", "sarl", "sas", "spa", "sp", "srl", "zoo",
    "company", "group", "holding", "holdings",
}  # fmt: skip
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@functools.lru_cache(maxsize=65_536)  # imports meet the same values over and over
def registrable_domain(value: str | None) -> str:
    """``https://www.shop.acme.co.uk/x`` → ``acme.co.uk`` (empty when there is none)."""
    if not value:
        return ""
    value = value.strip().lower()
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    parts = _extract(value)
    if not parts.domain or not parts.suffix:
        return ""
    return f"{parts.domain}.{parts.suffix}"


@functools.lru_cache(maxsize=65_536)  # imports meet the same values over and over
def company_key(name: str | None) -> str:
    """A name reduced for comparison: accents, punctuation and legal forms removed."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace(".", "")  # "S.A." → "sa"
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(w for w in words if w not in LEGAL_SUFFIXES)


@functools.lru_cache(maxsize=65_536)  # imports meet the same values over and over
def country_code(value: str | None) -> str:
    """ISO 3166 alpha-2 from a code or an English name (``"France"`` → ``"FR"``)."""
    if not value:
        return ""
    value = value.strip()
    match = pycountry.countries.get(alpha_2=value.upper()) or pycountry.countries.get(
        alpha_3=value.upper()
    )
    if match is None:
        try:
            match = pycountry.countries.lookup(value)
        except LookupError:
            return ""
    return match.alpha_2


def email_address(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}" if EMAIL.match(value) else ""


def phone_number(value: str | None) -> str:
    """Digits with a leading + for international numbers (E.164-like); empty if implausible."""
    value = (value or "").strip()
    if not value:
        return ""
    plus = value.startswith("+") or value.startswith("00")
    digits = re.sub(r"\D", "", value)
    if value.startswith("00"):
        digits = digits[2:]
    if not 6 <= len(digits) <= 15:
        return ""
    return f"+{digits}" if plus else digits
