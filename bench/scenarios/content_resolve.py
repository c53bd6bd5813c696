"""Resolving and rendering effective content for many contacts at once.

One organisation (GLOBAL → 2 REGIONs → 6 LOCALs), an email family: an English global
core with a French translation, regional adaptations, local variants and per-account
personalisations for one account in ten; 10,000 contacts on 2,000 accounts, in English,
French and Canadian French, with usage rights on one local variant (a territory) and
one regional adaptation (channels: not email), so the resolver both picks and falls back
to a less specific layer.

Figure: ``content.resolve.resolve`` for all contacts of a send, then rendering each
contact's effective values with its personalisation tokens
(``content.rendering.render_resolutions``). Baseline, in the same run and interleaved:
rendering the global core alone for every contact (the same token substitution with no
resolution at all). Also reported: the queries the figure issues for 100, 1,000 and
10,000 contacts, which must not grow with the number of contacts.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from random import Random

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, Contact
from bench.timing import runs_and_calls
from content import rendering, resolve, services, tokens
from content.models import Asset, Status
from glocal.models import Membership, Organization, OrgUnit, Tier
from glocal.tenancy import Role

NAME = "content_resolve"
DESCRIPTION = "resolve + render effective content for 10,000 contacts vs rendering the core"

CONTACTS = int(os.environ.get("BENCH_CONTENT_CONTACTS", "10000"))
PER_ACCOUNT = 5
REGIONS = {"emea": ["FR", "DE", "GB"], "amer": ["US", "CA", "BR"]}
LANGUAGES = ["en", "fr", "fr-CA"]


def _publish(*assets: Asset) -> None:
    for asset in assets:
        asset.status = Status.PUBLISHED
        asset.save(update_fields=["status"])


def build() -> tuple[Asset, list[Contact]]:
    rng = Random(2026)
    org = Organization.objects.create(name="Content Bench", slug="content-bench")
    root = OrgUnit.objects.create(organization=org, tier=Tier.GLOBAL, code="g", name="Global")
    regions: dict[str, OrgUnit] = {}
    locals_: list[OrgUnit] = []
    for code, countries in REGIONS.items():
        regions[code] = OrgUnit.objects.create(
            organization=org, parent=root, tier=Tier.REGION, code=code, name=code.upper()
        )
        for country in countries:
            locals_.append(
                OrgUnit.objects.create(
                    organization=org,
                    parent=regions[code],
                    tier=Tier.LOCAL,
                    code=country.lower(),
                    name=country,
                    countries=[country],
                )
            )
    # The author joins once the tree exists (a user's scope is computed once and kept).
    author = get_user_model().objects.create(username="content-bench-admin")
    Membership.objects.create(user=author, unit=root, role=Role.ADMIN)
    core = services.create_asset(
        author,
        root,
        kind="email",
        language="en",
        values={
            "title": "Unplanned downtime is a choice",
            "body": "<p>Hello {{ contact.first_name | default:'there' }} at {{ account.name }}."
            "</p><p>Every hour a line stands still costs more than a year of sensors.</p>",
            "intro": "Dear {{ contact.full_name }},",
            "cta_label": "See the study",
            "cta_url": "https://acme.example/downtime",
            "brand_claim": "Acme keeps industry running",
        },
    )
    french = services.translate_asset(
        author,
        core,
        "fr",
        {"title": "L'arrêt n'est pas une fatalité", "intro": "Bonjour {{ contact.first_name }},"},
    )
    _publish(core, french)
    for code, region in regions.items():
        adapted = services.derive_asset(
            author, core, region, {"summary": f"For {code.upper()} plants."}
        )
        adapted_fr = services.derive_asset(
            author, french, region, {"summary": f"Pour les usines {code.upper()}."}
        )
        _publish(adapted, adapted_fr)
        if code == "amer":
            services.set_rights(author, adapted, channels=["linkedin", "events"])
        for unit in (u for u in locals_ if u.parent_id == region.pk):
            country = unit.countries[0]
            variant = services.derive_asset(
                author, adapted, unit, {"cta_label": f"Book a visit ({country})"}
            )
            _publish(variant)
            if country == "GB":
                services.set_rights(author, variant, territories=["GB"])
    accounts = Account.objects.bulk_create(
        Account(
            owner_unit=locals_[i % len(locals_)],
            name=f"Plant {i} SA",
            name_key=f"plant {i}",
            country=locals_[i % len(locals_)].countries[0],
        )
        for i in range(CONTACTS // PER_ACCOUNT)
    )
    for account in accounts[::10]:
        personal = services.derive_asset(
            author,
            core,
            account.owner_unit,
            {"personal_text": "<p>Following our visit to {{ account.name }}…</p>"},
            account=account,
        )
        _publish(personal)
    Contact.objects.bulk_create(
        Contact(
            account=account,
            owner_unit=account.owner_unit,
            first_name=f"Ana{i}",
            last_name=f"Silva{i}",
            language=LANGUAGES[rng.randrange(len(LANGUAGES))],
            country=account.country if rng.random() < 0.9 else "IE",
        )
        for account in accounts
        for i in range(PER_ACCOUNT)
    )
    contacts = list(
        Contact.objects.filter(account__owner_unit__organization=org)
        .select_related("account__owner_unit")
        .order_by("pk")
    )
    return core, contacts


def send(core: Asset, contacts: list[Contact]) -> list[dict]:
    """What a campaign step does for one batch: resolve, then render per contact."""
    return rendering.render_resolutions(
        resolve.resolve(core, contacts=contacts, channel="email"), contacts
    )


def core_only(core: Asset, contacts: list[Contact]) -> list[dict]:
    """The baseline: the global core's text personalised for everyone, nothing resolved."""
    fields = {"title": False, "intro": True, "body": True, "cta_label": False}
    rendered = []
    for contact in contacts:
        context = tokens.token_context(
            account=contact.account, contact=contact, unit=contact.account.owner_unit
        )
        rendered.append(
            {
                name: tokens.render(getattr(core, name), context, html=html)
                for name, html in fields.items()
            }
        )
    return rendered


def queries(core: Asset, contacts: list[Contact]) -> int:
    with CaptureQueriesContext(connection) as captured:
        send(core, contacts)
    return len(captured.captured_queries)


def run() -> dict:
    core, contacts = build()
    core = Asset.objects.get(pk=core.pk)
    outcome = send(core, contacts)
    usable = sum(1 for row in outcome if row["asset"] is not None)
    counts = {n: queries(core, contacts[:n]) for n in (100, 1000, len(contacts))}
    # One call is already 10,000 contacts: fewer, longer runs than the request scenarios.
    runs, _calls = runs_and_calls()
    samples: dict[str, list[float]] = {"figure": [], "baseline": []}
    measures = {
        "figure": lambda: send(core, contacts),
        "baseline": lambda: core_only(core, contacts),
    }
    for i in range(min(runs, 5)):
        for name in ["figure", "baseline"] if i % 2 == 0 else ["baseline", "figure"]:
            gc.collect()
            start = time.perf_counter()
            measures[name]()
            samples[name].append(time.perf_counter() - start)
    figure, baseline = statistics.median(samples["figure"]), statistics.median(samples["baseline"])
    return {
        "figure": figure,
        "baseline": baseline,
        "runs": len(samples["figure"]),
        "calls": 1,
        "figure_label": f"resolve + render, {len(contacts):,} contacts",
        "baseline_label": f"render the core, {len(contacts):,} contacts",
        "details": {
            "queries (100 / 1,000 / all contacts)": " / ".join(str(c) for c in counts.values()),
            "constant query count": "yes" if len(set(counts.values())) == 1 else "NO",
            "resolve + render": f"{len(contacts) / figure:,.0f} contacts/s",
            "core only": f"{len(contacts) / baseline:,.0f} contacts/s",
            "usable / nothing usable": f"{usable:,} / {len(contacts) - usable:,}",
        },
    }
