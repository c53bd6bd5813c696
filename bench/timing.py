"""Timing helpers shared by scenarios: medians of repeated runs, interleaved."""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable
from typing import Any


def runs_and_calls() -> tuple[int, int]:
    """How many timed runs, and calls per run (``bench/run.py --runs/--calls``)."""
    return int(os.environ.get("BENCH_RUNS", "7")), int(os.environ.get("BENCH_CALLS", "20"))


def _time_run(fn: Callable[[], Any], calls: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def medians(measures: dict[str, Callable[[], Any]], *, warmup: int = 3) -> dict[str, Any]:
    """Median seconds per call of each measure.

    The measures take turns within every run, and each run starts with the next one, so
    drift of the machine (frequency scaling, a neighbour's load, a warming cache) lands
    on all of them alike instead of biasing their ratios.
    """
    runs, calls = runs_and_calls()
    names = list(measures)
    for _ in range(warmup):
        for fn in measures.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            samples[name].append(_time_run(measures[name], calls))
    return {
        "medians": {name: statistics.median(values) for name, values in samples.items()},
        "samples": samples,
        "runs": runs,
        "calls": calls,
    }
