"""Demo directives: published ones flow down, drafts stay with their author unit."""

from __future__ import annotations

from glocal.models import OrgUnit
from glocal.seeding import SeedContext
from governance.models import Directive

DEMO_DIRECTIVES = [
    ("acme-industrial", "global", "Brand voice for all ABM programmes", "published"),
    ("acme-industrial", "global", "FY plan (draft, not for regions yet)", "draft"),
    ("acme-industrial", "emea", "EMEA: GDPR double opt-in for all email", "published"),
    ("acme-industrial", "emea", "EMEA event calendar (draft)", "draft"),
    ("acme-industrial", "fr", "France: account shortlist for Q1", "draft"),
    ("acme-industrial", "de", "Germany: Hannover Messe follow-up", "draft"),
    ("globex", "global", "Globex brand book", "published"),
]


def seed_directives(ctx: SeedContext) -> None:
    for org_slug, unit_code, title, status in DEMO_DIRECTIVES:
        unit = OrgUnit.objects.get(organization__slug=org_slug, code=unit_code)
        Directive.objects.update_or_create(
            owner_unit=unit, title=title, defaults={"status": status, "body": title}
        )
    ctx.log(f"directives: {len(DEMO_DIRECTIVES)}")
