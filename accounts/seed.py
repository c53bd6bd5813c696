"""Demo accounts for ``seed_demo``: ~5,000 companies with contacts across Acme's local
units, global families spanning countries, planted cross-unit duplicates, mixed consents.

Deterministic (everything comes from ``ctx.rng`` and a fixed date) and idempotent: the
accounts carry ``crm_ids["seed"]``, and a second run finds them and adds nothing. Rows
are bulk-created in chunks — saving 15,000+ rows one by one (each audited) would make
the demo, and the test suite that seeds it, slow for no benefit; the audit trail records
what people do, not demo fixtures.
"""

from __future__ import annotations

import datetime
import os
import unicodedata

from django.db import transaction

from accounts import dedup, families, normalise
from accounts.models import Account, Consent, Contact
from accounts.models.accounts import EmployeeBand, Lifecycle, Tier
from accounts.models.contacts import residency_zone_for
from glocal.models import OrgUnit
from glocal.seeding import SeedContext

ORGANIZATION = "acme-industrial"
LOCAL_UNITS = ["fr", "de", "uk", "pl", "us", "br", "cn", "jp"]
TLD = {"FR": "fr", "DE": "de", "GB": "co.uk", "PL": "pl", "US": "com", "BR": "com.br"}
TLD |= {"CN": "cn", "JP": "co.jp"}
COUNTRY_NAMES = {"FR": "France", "DE": "Deutschland", "GB": "UK", "PL": "Polska"}
COUNTRY_NAMES |= {"US": "USA", "BR": "Brasil", "CN": "China", "JP": "Japan"}
STEMS = [
    "Nor", "Vel", "Arc", "Bri", "Cal", "Dun", "Eko", "Fal", "Gra", "Hel", "Ist", "Jun",
    "Kor", "Lum", "Mar", "Nex", "Ori", "Pax", "Qua", "Ros", "Sol", "Tor", "Ult", "Vir",
    "Wes", "Xan", "Yor", "Zen", "Alt", "Bel", "Cor", "Del", "Fer", "Gal", "Hal", "Lin",
]  # fmt: skip
ENDINGS = ["ia", "ex", "on", "ar", "is", "o", "um", "an", "el", "ix", "a", "or"]
SECTORS = [
    "Systems", "Logistics", "Energy", "Foods", "Robotics", "Pharma", "Textiles", "Motors",
    "Chemicals", "Analytics", "Metals", "Aerospace", "Packaging", "Optics", "Labs", "Works",
]  # fmt: skip
INDUSTRIES = ["manufacturing", "energy", "retail", "healthcare", "logistics", "software"]
LEGAL = {"FR": "SAS", "DE": "GmbH", "GB": "Ltd", "PL": "Sp. z o.o.", "US": "Inc."}
LEGAL |= {"BR": "Ltda", "CN": "Co.", "JP": "K.K."}
FIRST = ["Anna", "Marc", "Jonas", "Sofia", "Li", "Yuki", "Pedro", "Olga", "Tom", "Emma"]
LAST = ["Martin", "Muller", "Smith", "Nowak", "Silva", "Wang", "Sato", "Brown", "Durand"]
ROLES = ["decision_maker", "champion", "influencer", "user", "blocker", ""]
BASE_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
CHUNK = 2000


def account_count() -> int:
    """``GLOCAL_SEED_ACCOUNTS`` (default 5,000); the test settings make it small."""
    return int(os.environ.get("GLOCAL_SEED_ACCOUNTS", "5000"))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _account(unit: OrgUnit, country: str, name: str, domain: str, seq: int, rng) -> Account:
    lifecycle = rng.choices(
        [Lifecycle.CANDIDATE, Lifecycle.PROPOSED, Lifecycle.SELECTED, Lifecycle.ENGAGED],
        [70, 12, 12, 6],
    )[0]
    return Account(
        owner_unit=unit,
        name=name,
        name_key=normalise.company_key(name),
        domain=domain,
        country=country,
        industry=rng.choice(INDUSTRIES),
        employee_band=rng.choice(EmployeeBand.values),
        tier=rng.choices(Tier.values, [5, 20, 75])[0],
        lifecycle=lifecycle,
        fit_score=round(rng.random() * 100, 1),
        tags=[f"seed-{rng.choice(['a', 'b', 'c'])}"],
        crm_ids={"seed": f"acme-{seq:05d}"},
    )


def _brand(rng, used: set[str]) -> str:
    while True:
        brand = rng.choice(STEMS) + rng.choice(ENDINGS) + rng.choice(["", "a", "is", "on", "ex"])
        full = f"{brand} {rng.choice(SECTORS)}"
        if full not in used:
            used.add(full)
            return full


def _variant(name: str, rng) -> str:
    """How the same company gets typed twice: case, a legal form, a dropped letter."""
    choice = rng.randrange(3)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return f"{name} Group"
    pos = rng.randrange(1, len(name) - 1)
    return name[:pos] + name[pos + 1 :] if name[pos] != " " else name + "s"


@transaction.atomic
def seed_accounts(ctx: SeedContext) -> None:
    units = {
        u.code: u
        for u in OrgUnit.objects.filter(organization__slug=ORGANIZATION, code__in=LOCAL_UNITS)
    }
    if len(units) < len(LOCAL_UNITS):
        return
    if Account.objects.filter(owner_unit__in=units.values(), crm_ids__has_key="seed").exists():
        ctx.log("Demo accounts already seeded.")
        return
    rng = ctx.rng
    total = account_count()
    country = {code: (unit.countries or ["FR"])[0] for code, unit in units.items()}
    used: set[str] = set()
    seq = 0
    # Families: a parent in one unit, subsidiaries in two or three other units.
    family_count = max(1, total // 80)
    parents: list[Account] = []
    for _ in range(family_count):
        code = rng.choice(LOCAL_UNITS)
        brand = _brand(rng, used)
        seq += 1
        parents.append(
            _account(
                units[code], country[code], f"{brand} Holding", f"{_slug(brand)}.com", seq, rng
            )
        )
    Account.objects.bulk_create(parents, batch_size=CHUNK)
    rows: list[Account] = []
    for parent in parents:
        brand = parent.name.removesuffix(" Holding")
        others = [c for c in LOCAL_UNITS if units[c].pk != parent.owner_unit_id]
        for code in rng.sample(others, rng.randint(2, 3)):
            seq += 1
            c = country[code]
            child = _account(
                units[code], c, f"{brand} {COUNTRY_NAMES[c]}", f"{_slug(brand)}.{TLD[c]}", seq, rng
            )
            child.parent = parent
            rows.append(child)
    # Planted duplicates: about 2% of companies entered again, mostly by another unit.
    while seq < total:
        code = rng.choice(LOCAL_UNITS)
        c = country[code]
        brand = _brand(rng, used)
        seq += 1
        name = f"{brand} {LEGAL[c]}"
        row = _account(units[code], c, name, f"{_slug(brand)}.{TLD[c]}", seq, rng)
        rows.append(row)
        if rng.random() < 0.02:
            other = code if rng.random() < 0.2 else rng.choice(LOCAL_UNITS)
            seq += 1
            domain = row.domain if rng.random() < 0.6 else ""
            rows.append(_account(units[other], c, _variant(name, rng), domain, seq, rng))
    Account.objects.bulk_create(rows, batch_size=CHUNK)
    accounts = parents + rows
    _seed_contacts(accounts, rng)
    org_id = parents[0].owner_unit.organization_id
    found = dedup.detect_duplicates(org_id)
    conflicts = families.detect_conflicts(org_id)
    ctx.log(
        f"Seeded {len(accounts)} accounts ({len(parents)} families), "
        f"{found} duplicate candidates, {conflicts} targeting conflicts."
    )


def _seed_contacts(accounts: list[Account], rng) -> None:
    contacts: list[Contact] = []
    for account in accounts:
        domain = account.domain or f"{_slug(account.name)[:20]}.example"
        emails: set[str] = set()
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}@{domain}".lower()
            if email in emails:
                continue
            emails.add(email)
            contacts.append(
                Contact(
                    account=account,
                    owner_unit_id=account.owner_unit_id,
                    first_name=first,
                    last_name=last,
                    email=email,
                    job_title=rng.choice(["CMO", "CTO", "Head of Ops", "Buyer", "CFO"]),
                    buying_role=rng.choice(ROLES),
                    country=account.country,
                    residency_zone=residency_zone_for(account.country),
                    do_not_contact=rng.random() < 0.03,
                )
            )
    Contact.objects.bulk_create(contacts, batch_size=CHUNK)
    consents: list[Consent] = []
    for contact in contacts:
        pipl = contact.country == "CN"
        for channel in rng.sample(["email", "phone", "linkedin", "events"], rng.randint(0, 2)):
            status = rng.choices(["granted", "denied", "withdrawn", "pending"], [60, 15, 15, 10])[0]
            consents.append(
                Consent(
                    contact=contact,
                    owner_unit_id=contact.owner_unit_id,
                    channel=channel,
                    status=status,
                    lawful_basis="separate_consent"
                    if pipl
                    else rng.choice(["consent", "legitimate_interest"]),
                    source=rng.choice(["webinar", "import", "form", "event"]),
                    recorded_at=BASE_DATE - datetime.timedelta(days=rng.randint(0, 700)),
                )
            )
    Consent.objects.bulk_create(consents, batch_size=CHUNK)
