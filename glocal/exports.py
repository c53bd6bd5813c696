"""CSV and XLSX exports that spreadsheets cannot mistake for formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Neutralise cells a spreadsheet would evaluate (CSV/formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


class _Line:
    """A file-like sink that hands back what ``csv.writer`` wrote for one row."""

    def write(self, text: str) -> str:
        return text


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The same safe CSV as ``to_csv``, one line at a time (for StreamingHttpResponse)."""
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def _xlsx_cell(value: Any) -> Any:
    """Numbers, dates and empty cells as they are; anything else as safe text."""
    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Export") -> bytes:
    """An XLSX workbook of one sheet, neutralised like ``to_csv``: text is escaped with
    ``safe_cell`` and written as a string cell, so no cell is ever a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=ILLEGAL_CHARACTERS_RE.sub("", title)[:31] or "Export")

    def cells(values: Sequence[Any]) -> list:
        result = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_xlsx_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise take "=…" for a formula
            result.append(cell)
        return result

    sheet.append(cells([str(h) for h in header]))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
