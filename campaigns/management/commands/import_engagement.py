"""Import engagement events from a provider's CSV export (the bulk side of the webhooks).

Columns: ``id``, ``type``, ``touch`` or ``message_id``, ``occurred_at`` (ISO 8601 with
its zone). Rows are recorded in deliveries of up to 1,000, each validated as a whole:
a bad row stops the import before its delivery is written and names the row.
Re-importing a file records nothing twice (events are keyed by provider and id).
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaigns import webhooks

COLUMNS = ("id", "type", "touch", "message_id", "occurred_at")


class Command(BaseCommand):
    help = "Import engagement events (delivered, opened, clicked, …) from a CSV file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--provider", required=True, help="whose ids these are")

    def handle(self, *args, path: Path, provider: str, **options) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        totals = webhooks.Intake()
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"id", "type", "occurred_at"} - set(reader.fieldnames or ())
            if missing:
                raise CommandError(f"Missing columns: {', '.join(sorted(missing))}")
            batch: list[dict[str, str]] = []
            first_row = 2
            for number, row in enumerate(reader, start=2):
                batch.append({k: (row.get(k) or "").strip() for k in COLUMNS if row.get(k)})
                if len(batch) == webhooks.MAX_EVENTS:
                    self._deliver(provider, batch, first_row, totals)
                    batch, first_row = [], number + 1
            if batch:
                self._deliver(provider, batch, first_row, totals)
        self.stdout.write(
            f"{totals.recorded} recorded, {totals.duplicates} already known, "
            f"{len(totals.unknown)} for unknown touches"
        )

    def _deliver(self, provider: str, batch: list, first_row: int, totals) -> None:
        try:
            with transaction.atomic():
                result = webhooks.record(provider, batch)
        except ValidationError as exc:
            raise CommandError(
                f"Rows from line {first_row} refused (event numbers count from 0 in this "
                f"block): {' '.join(exc.messages)}"
            ) from exc
        totals.recorded += result.recorded
        totals.duplicates += result.duplicates
        totals.unknown += result.unknown
