"""``manage.py import_accounts FILE --unit CODE [--org SLUG] [--kind contacts]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import imports
from accounts.models import ImportJob
from glocal.models import OrgUnit


class Command(BaseCommand):
    help = "Import accounts (or contacts) from a CSV or XLSX file into one local unit."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", required=True, help="code of the owning (local) unit")
        parser.add_argument("--org", help="organisation slug (needed when codes repeat)")
        parser.add_argument(
            "--kind", choices=[k.value for k in ImportJob.Kind], default=ImportJob.Kind.ACCOUNTS
        )
        parser.add_argument("--errors", help="write the error report CSV to this path")

    def handle(self, *args, file: str, unit: str, org: str | None, kind: str, **options) -> None:
        units = OrgUnit.objects.unrestricted().filter(code=unit, is_active=True)
        if org:
            units = units.filter(organization__slug=org)
        if units.count() != 1:
            raise CommandError(
                f"--unit {unit!r} names {units.count()} active units; add --org SLUG."
                if units.exists()
                else f"No active unit {unit!r}."
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            frame = imports.read_table(path.read_bytes(), path.name)
            mapping = imports.auto_mapping(frame.columns, kind)
            outcome = imports.import_table(
                frame, mapping, units.get(), kind, source=f"import_accounts {path.name}"
            )
        except imports.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{outcome.total} rows: {outcome.created} created, {outcome.updated} updated, "
            f"{outcome.unchanged} unchanged, {outcome.failed} failed"
        )
        if outcome.report:
            if options.get("errors"):
                Path(options["errors"]).write_text(outcome.report, encoding="utf-8")
                self.stdout.write(f"Error report: {options['errors']}")
            else:
                self.stdout.write(outcome.report)
