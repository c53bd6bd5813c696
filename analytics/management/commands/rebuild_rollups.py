"""``manage.py rebuild_rollups [--org SLUG] [--since YYYY-MM-DD]``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from analytics import rollups
from glocal.models import Organization


class Command(BaseCommand):
    help = "Recompute the daily KPI rollups from the facts (all organisations by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", help="organisation slug")
        parser.add_argument("--since", help="first day to recompute (YYYY-MM-DD)")

    def handle(self, *args, org: str | None, since: str | None, **options) -> None:
        organization = None
        if org:
            organization = Organization.objects.filter(slug=org).first()
            if organization is None:
                raise CommandError(f"No organisation {org!r}.")
        day = None
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since {since!r} is not a date (YYYY-MM-DD).") from None
        written = rollups.rebuild(organization, day)
        self.stdout.write(f"{written} rollup rows written")
