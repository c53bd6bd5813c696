"""Translation catalogue tools that need no GNU gettext.

``python -m glocal.i18n_tools compile`` writes a ``.mo`` next to every ``.po`` under
``glocal/locale`` with polib, so a machine without ``msgfmt`` can still rebuild the
catalogue; ``check`` exits non-zero when a catalogue has untranslated or fuzzy entries, or
when a committed ``.mo`` no longer matches its ``.po``. Extracting new strings still needs
GNU gettext, which only translators run::

    DEBUG=1 python manage.py makemessages -l fr --ignore=.venv --ignore=var \
        --ignore=tests --ignore=bench
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def po_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.rglob("*.po"))


def catalogue(entries: Iterable) -> dict[tuple[str, str], object]:
    """Map (context, msgid) to its translation: a string, or a tuple of plural forms."""
    result: dict[tuple[str, str], object] = {}
    for entry in entries:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        key = (entry.msgctxt or "", entry.msgid)
        if entry.msgid_plural:
            result[key] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            result[key] = entry.msgstr
    return result


def problems(po_path: Path) -> list[str]:
    """Untranslated and fuzzy entries of a .po, and whether its .mo is missing or stale."""
    po = polib.pofile(str(po_path))
    found = [f"{po_path}: fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    found += [f"{po_path}: untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    if po.metadata_is_fuzzy:
        found.append(f"{po_path}: the header is marked fuzzy")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        found.append(f"{mo_path}: missing; run `make messages`")
    elif catalogue(polib.mofile(str(mo_path))) != catalogue(e for e in po if e.translated()):
        found.append(f"{mo_path}: out of date; run `make messages`")
    return found


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    written = []
    for po_path in po_files(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m glocal.i18n_tools", description=__doc__)
    parser.add_argument("command", choices=["compile", "check"])
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    args = parser.parse_args(argv)
    if args.command == "compile":
        for mo_path in compile_all(args.locale_dir):
            print(f"compiled {mo_path}")
        return 0
    found = [p for po_path in po_files(args.locale_dir) for p in problems(po_path)]
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
