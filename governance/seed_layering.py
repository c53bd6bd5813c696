"""Demo layering: policies, bounds, a directive adapted by EMEA and France, locks, stale reviews."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from glocal import layering
from glocal.layering.models import Bound, OverridePolicy
from glocal.models import OrgUnit
from glocal.seeding import SeedContext
from governance.models import Directive

POLICIES = [  # (unit, field, lowest tier)
    ("global", "legal_notice", "GLOBAL"),
    ("global", "body", "REGION"),
    ("global", "title", "LOCAL"),
    ("emea", "summary", "REGION"),  # EMEA keeps summaries regional
]
BOUNDS = [
    ("global", "approval.required.campaign_launch", True),
    ("emea", "approval.required.content_publication", True),
]


def seed_layering(ctx: SeedContext) -> None:
    units = {u.code: u for u in OrgUnit.objects.filter(organization__slug="acme-industrial")}
    ctype = ContentType.objects.get_for_model(Directive)
    for code, field, tier in POLICIES:
        OverridePolicy.objects.update_or_create(
            owner_unit=units[code], content_type=ctype, field=field, defaults={"lowest_tier": tier}
        )
    for code, key, value in BOUNDS:
        Bound.objects.update_or_create(owner_unit=units[code], key=key, defaults={"value": value})

    core, _ = Directive.objects.get_or_create(
        owner_unit=units["global"],
        parent=None,
        title="Brand voice for all ABM programmes",
        defaults={"status": "published"},
    )
    layering.set_fields(
        core,
        {
            "summary": "One voice, every market.",
            "body": "Speak plainly. Lead with the customer's outcome.",
            "legal_notice": "© Acme Industrial. All rights reserved.",
        },
    )
    layering.rebuild_all(Directive)
    emea = Directive.objects.filter(owner_unit=units["emea"], parent=core).first()
    if emea is None:
        emea = layering.adapt(
            core,
            units["emea"],
            {"body": "Speak plainly, in the customer's language. GDPR consent first."},
            status="published",
        )
    france = Directive.objects.filter(owner_unit=units["fr"], parent=emea).first()
    if france is None:
        france = layering.adapt(emea, units["fr"], {"title": "Notre voix de marque"})
    _lock(emea, ["summary"])
    # Sources that moved on since the adaptations were made: one review each for EMEA and France.
    layering.set_fields(
        core, {"body": "Speak plainly. Lead with the customer's outcome, in numbers."}
    )
    layering.set_fields(emea, {"title": "Brand voice (EMEA)"})
    layering.rebuild_all(Directive)
    ctx.log("layering: 4 policies, 2 bounds, 1 directive adapted twice, 2 stale reviews")


def _lock(node: Directive, fields: list[str]) -> None:
    """Seed-time lock (no acting user; the service checks users in the app)."""
    Directive.objects.filter(pk=node.pk).update(
        locked_fields=sorted({*node.locked_fields, *fields})
    )
