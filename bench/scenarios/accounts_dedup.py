"""Duplicate detection over 100,000 accounts with a planted truth set.

One organisation (GLOBAL → 2 REGIONs → 8 LOCALs) holds 100,000 generated companies;
2,000 of them were entered a second time (mostly by another local unit) the way people
do it: upper case, a legal form added or dropped, a letter missing, the website left
out. The figure is a whole detection pass of ``accounts.dedup`` (read the organisation's
rows, block, score); the baseline is what a naive pass would be limited to — one
``GROUP BY domain HAVING COUNT(*) > 1`` query — measured in the same run. Details give
the pairs found against the truth set (precision and recall) and the time to store the
candidates (the first ``detect_duplicates`` call).
"""

from __future__ import annotations

import time
from random import Random

from django.db import connection
from django.db.models import Count

from accounts import dedup, normalise
from accounts.models import Account, DuplicateCandidate
from bench.timing import medians
from glocal.models import Organization, OrgUnit, Tier

NAME = "accounts_dedup"
DESCRIPTION = (
    "duplicate detection over 100,000 accounts (2,000 planted duplicates): blocked "
    "domain + name similarity vs an exact-domain GROUP BY"
)

ACCOUNTS = 100_000
PLANTED = 2_000
SYLLABLES = [
    "ka", "lo", "mi", "ne", "or", "pu", "ra", "si", "tu", "ve", "xa", "yo", "ze", "bri",
    "cal", "dor", "fen", "gal", "hor", "ist", "jun", "kel", "lum", "mor", "nix", "opa",
    "pel", "qua", "ros", "sol", "tev", "ulm", "vax", "wen", "zar", "ber", "cos", "dun",
]  # fmt: skip
SECTORS = [
    "Systems", "Logistics", "Energy", "Foods", "Robotics", "Pharma", "Textiles", "Motors",
    "Chemicals", "Analytics", "Metals", "Aerospace", "Packaging", "Optics", "Labs", "Works",
    "Finance", "Media", "Marine", "Tools",
]  # fmt: skip
COUNTRIES = {"fr": "FR", "de": "DE", "uk": "GB", "pl": "PL", "us": "US", "br": "BR"}
COUNTRIES |= {"cn": "CN", "jp": "JP"}
TLD = {"FR": "fr", "DE": "de", "GB": "co.uk", "PL": "pl", "US": "com", "BR": "com.br"}
TLD |= {"CN": "cn", "JP": "co.jp"}
LEGAL = ["", " SA", " GmbH", " Ltd", " Inc.", " Group"]


def build(rng: Random) -> tuple[int, set[tuple[int, int]]]:
    """The organisation and its accounts; returns its id and the planted pairs."""
    org = Organization.objects.create(name="Bench Dedup", slug="bench-dedup")
    root = OrgUnit.objects.create(organization=org, tier=Tier.GLOBAL, code="g", name="Global")
    regions = [
        OrgUnit.objects.create(organization=org, parent=root, tier=Tier.REGION, code=c, name=c)
        for c in ("emea", "world")
    ]
    units = OrgUnit.objects.bulk_create(
        OrgUnit(
            organization=org,
            parent=regions[0] if code in ("fr", "de", "uk", "pl") else regions[1],
            tier=Tier.LOCAL,
            code=code,
            name=code,
            countries=[country],
        )
        for code, country in COUNTRIES.items()
    )
    used: set[str] = set()
    rows: list[Account] = []
    while len(rows) < ACCOUNTS - PLANTED:
        brand = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        name = f"{brand} {rng.choice(SECTORS)}"
        if name.lower() in used:
            continue
        used.add(name.lower())
        unit = rng.choice(units)
        country = unit.countries[0]
        full = name + rng.choice(LEGAL)
        rows.append(
            Account(
                owner_unit=unit,
                name=full,
                name_key=normalise.company_key(full),
                domain=f"{brand.lower()}-{name.split()[1].lower()}.{TLD[country]}"
                if rng.random() < 0.8
                else "",
                country=country,
            )
        )
    originals = rng.sample(range(len(rows)), PLANTED)
    twins: list[Account] = []
    for index in originals:
        source = rows[index]
        unit = source.owner_unit if rng.random() < 0.2 else rng.choice(units)
        name = _variant(source.name, rng)
        twins.append(
            Account(
                owner_unit=unit,
                name=name,
                name_key=normalise.company_key(name),
                domain=source.domain if rng.random() < 0.6 else "",
                country=source.country if rng.random() < 0.9 else "",
            )
        )
    Account.objects.bulk_create(rows, batch_size=5000)
    Account.objects.bulk_create(twins, batch_size=5000)
    truth = {
        tuple(sorted((rows[index].pk, twin.pk)))
        for index, twin in zip(originals, twins, strict=True)
    }
    return org.pk, truth


def _variant(name: str, rng: Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return name.upper()
    if kind == 1:
        return name + " Holding"
    if kind == 2:
        base = name.split(" ")
        return " ".join(base[:2])  # legal form dropped
    pos = rng.randrange(1, len(name.split(" ")[0]))
    return name[:pos] + name[pos + 1 :]  # a letter missing in the brand


def detection_pass(organization_id: int) -> dict:
    return dedup.candidate_pairs(dedup.organization_rows(organization_id))


def domain_group_by(organization_id: int) -> int:
    return len(
        Account.objects.filter(owner_unit__organization_id=organization_id)
        .exclude(domain="")
        .values("domain")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def run() -> dict:
    import os

    # A detection pass takes seconds: a few runs of one call each unless told otherwise.
    os.environ.setdefault("BENCH_RUNS", "3")
    os.environ["BENCH_CALLS"] = "1"
    org_id, truth = build(Random(2026))
    start = time.perf_counter()
    stored = dedup.detect_duplicates(org_id)
    store_s = time.perf_counter() - start
    found = set(detection_pass(org_id))
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth)
    timed = medians(
        {"detect": lambda: detection_pass(org_id), "group_by": lambda: domain_group_by(org_id)},
        warmup=1,
    )
    domain_pairs = domain_group_by(org_id)
    return {
        "figure": timed["medians"]["detect"],
        "baseline": timed["medians"]["group_by"],
        "figure_label": f"detection pass, {ACCOUNTS:,} accounts",
        "baseline_label": "exact-domain GROUP BY query",
        "runs": timed["runs"],
        "calls": timed["calls"],
        "details": {
            "pairs found": f"{len(found):,} (planted {len(truth):,}, true positives {hits:,})",
            "precision": f"{precision:.3f}",
            "recall": f"{recall:.3f}",
            "exact domain alone": f"{domain_pairs:,} shared domains (finds no pair without one)",
            "first run": f"detect_duplicates stored {stored:,} candidates in {store_s:.2f} s; "
            f"{DuplicateCandidate.objects.count():,} rows",
            "database": connection.vendor,
        },
    }
