"""Import daily exchange rates from a CSV file (columns ``day``, ``currency``, ``rate``).

Rates are in the organisation's reporting currency per unit of ``currency``. The import
is all or nothing and runs as a named administrator of the organisation (the same rule
as entering a rate in the API or the dashboard); re-importing a file corrects rates in
place. Analytics rebuilds its rollups once, from the earliest day imported.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.budgets.fx import import_fx_rates
from glocal.models import OrgUnit


class Command(BaseCommand):
    help = "Import daily exchange rates (day, currency, rate) from a CSV file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument("--as", dest="username", required=True, help="an admin's username")

    def handle(self, *args, path: Path, org: str, username: str, **options) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        root = OrgUnit.objects.filter(organization__slug=org, parent__isnull=True).first()
        if root is None:
            raise CommandError(f"No organisation {org!r}")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"day", "currency", "rate"} - set(reader.fieldnames or ())
            if missing:
                raise CommandError(f"Missing columns: {', '.join(sorted(missing))}")
            try:
                outcome = import_fx_rates(user, root, list(reader))
            except ValidationError as exc:
                raise CommandError("Nothing imported. " + " ".join(exc.messages)) from None
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(f"{outcome.created} rates recorded, {outcome.updated} corrected")
