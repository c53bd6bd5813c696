#!/usr/bin/env python
"""Run benchmark scenarios: ``bench/run.py [--list] [--runs N] [--calls N] [NAME ...]``.

Every module in ``bench/scenarios/`` is a scenario. It exposes ``NAME``, ``DESCRIPTION``
and ``run() -> dict``; the dict holds at least ``figure`` and ``baseline``, both median
seconds per operation measured in the same run, so the ratio between them means
something on any machine. Optional keys: ``figure_label``, ``baseline_label``, ``runs``
and ``calls`` (shown with the figure) and ``details`` (a mapping printed line by line).

The database is never one you use: without ``DATABASE_URL`` a SQLite file in a temporary
directory; with it, a fresh ``glocal_bench_<pid>`` database on that server (made the way
the test runner makes its own), dropped afterwards. Each scenario runs inside a
transaction that is rolled back, so scenarios do not see each other's rows.

Two optional module attributes:

* ``requires() -> str | None`` — why the scenario cannot run here (a service missing),
  checked before the database is made. It is then skipped with that reason; the exit
  status is non-zero only if it was named on the command line.
* ``COMMITS = True`` — the scenario must commit (other processes, such as a Celery
  worker, read its rows), so it runs outside the rolled-back transaction and after the
  other scenarios; its rows go with the throwaway database.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


class Rollback(Exception):
    """Raised to leave a scenario's transaction without committing it."""


def configure(tmp: Path) -> bool:
    """Environment for Django; returns whether a test database must be created."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["GLOCAL_VAR_DIR"] = str(tmp / "var")
    if os.environ.get("DATABASE_URL"):
        return True
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    return False


def setup_database(use_test_database: bool, tmp: Path) -> Callable[[], None]:
    """Migrate a throwaway database; returns the function that tears it down."""
    from django.core.management import call_command
    from django.db import connection

    if use_test_database:
        # A name of its own: "test_<name>" may be in use by a concurrent test run, and
        # autoclobber would drop it under that run's feet.
        connection.settings_dict["TEST"]["NAME"] = (
            str(tmp / "bench-test.sqlite3")
            if connection.vendor == "sqlite"
            else f"glocal_bench_{os.getpid()}"
        )
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        return lambda: connection.creation.destroy_test_db(old_name, verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    return connection.close


def discover() -> dict[str, ModuleType]:
    scenarios: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules([str(ROOT / "bench" / "scenarios")])):
        module = importlib.import_module(f"bench.scenarios.{info.name}")
        missing = [attr for attr in ("NAME", "DESCRIPTION", "run") if not hasattr(module, attr)]
        if missing:
            raise SystemExit(f"bench/scenarios/{info.name}.py lacks {', '.join(missing)}")
        scenarios[module.NAME] = module
    return scenarios


def run_isolated(scenario: ModuleType) -> dict:
    from django.db import transaction

    result: dict = {}
    if getattr(scenario, "COMMITS", False):
        result = scenario.run()
    else:
        try:
            with transaction.atomic():
                result = scenario.run()
                raise Rollback
        except Rollback:
            pass
    for key in ("figure", "baseline"):
        if not isinstance(result.get(key), int | float) or result[key] <= 0:
            raise ValueError(f"{scenario.NAME}.run() must return a positive {key!r}")
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.3f} ms"


def report(scenario: ModuleType, result: dict, elapsed: float) -> None:
    figure, baseline = result["figure"], result["baseline"]
    runs = result.get("runs")
    calls = result.get("calls")
    spread = f"  (median of {runs} runs x {calls} calls)" if runs and calls else ""
    figure_label = result.get("figure_label", "figure")
    baseline_label = result.get("baseline_label", "baseline")
    width = max(len(figure_label), len(baseline_label))
    print(f"\n== {scenario.NAME}: {scenario.DESCRIPTION}")
    print(f"   figure    {figure_label:<{width}}  {ms(figure)}{spread}")
    print(f"   baseline  {baseline_label:<{width}}  {ms(baseline)}")
    print(f"   ratio     {'figure / baseline':<{width}}  {figure / baseline:9.2f} x")
    for key, value in (result.get("details") or {}).items():
        print(f"   {key}: {value}")
    print(f"   ({elapsed:.1f} s including setup)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="scenarios to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--runs", type=int, help="timed runs per measurement (default 7)")
    parser.add_argument("--calls", type=int, help="calls per timed run (default 20)")
    args = parser.parse_args(argv)
    if args.runs:
        os.environ["BENCH_RUNS"] = str(args.runs)
    if args.calls:
        os.environ["BENCH_CALLS"] = str(args.calls)

    tmp = Path(tempfile.mkdtemp(prefix="glocal-bench-"))
    try:
        use_test_database = configure(tmp)
        import django

        django.setup()
        scenarios = discover()
        if args.list:
            for name, module in scenarios.items():
                print(f"{name:<20} {module.DESCRIPTION}")
            return 0
        unknown = [name for name in args.names if name not in scenarios]
        if unknown:
            print(f"Unknown scenario(s): {', '.join(unknown)}; known: {', '.join(scenarios)}")
            return 2
        selected = [scenarios[name] for name in args.names or scenarios]
        # Scenarios that commit go last: the others must not see their rows.
        selected.sort(key=lambda module: bool(getattr(module, "COMMITS", False)))
        skipped = []
        for scenario in selected:
            reason = scenario.requires() if hasattr(scenario, "requires") else None
            if reason:
                print(f"== {scenario.NAME}: SKIPPED — {reason}")
                skipped.append(scenario)
        selected = [scenario for scenario in selected if scenario not in skipped]
        named_but_skipped = any(scenario.NAME in args.names for scenario in skipped)
        if not selected:
            return 3 if named_but_skipped else 0

        from django.db import connection

        started = time.perf_counter()
        teardown = setup_database(use_test_database, tmp)
        print(
            f"Database: {connection.vendor} {connection.settings_dict['NAME']} "
            f"(migrated in {time.perf_counter() - started:.1f} s)"
        )
        failures = 0
        try:
            for scenario in selected:
                started = time.perf_counter()
                try:
                    result = run_isolated(scenario)
                except Exception:
                    failures += 1
                    print(f"\n== {scenario.NAME}: FAILED")
                    traceback.print_exc()
                    continue
                report(scenario, result, time.perf_counter() - started)
        finally:
            teardown()
        return 1 if failures else (3 if named_but_skipped else 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
