"""``manage.py import_opportunities FILE --org SLUG [--dry-run] [--errors PATH]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analytics import services
from glocal.models import Organization


class Command(BaseCommand):
    help = "Import (upsert by CRM id) opportunities from a CSV or XLSX CRM export."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--dry-run", action="store_true", help="validate, write nothing")
        parser.add_argument("--errors", help="write the error report CSV to this path")

    def handle(self, *args, file: str, org: str, dry_run: bool, **options) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organisation {org!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            outcome = services.import_opportunities(
                path.read_bytes(), path.name, organization, dry_run=dry_run
            )
        except services.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{outcome.total} rows: {outcome.created} created, {outcome.updated} updated, "
            f"{outcome.unchanged} unchanged, {outcome.failed} failed"
            + (" (dry run: nothing written)" if dry_run else "")
        )
        if outcome.report:
            if options.get("errors"):
                Path(options["errors"]).write_text(outcome.report, encoding="utf-8")
                self.stdout.write(f"Error report: {options['errors']}")
            else:
                self.stdout.write(outcome.report)
