"""Registry of demo-data steps: apps above the kernel add theirs at start-up.

``seed_demo`` builds the organisations and users, then runs every registered step in
registration order (the order apps are installed), so the kernel never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random


@dataclass
class SeedContext:
    rng: Random
    password: str
    log: Callable[[str], None]


_steps: list[Callable[[SeedContext], None]] = []


def register(step: Callable[[SeedContext], None]) -> None:
    if step not in _steps:
        _steps.append(step)


def steps() -> list[Callable[[SeedContext], None]]:
    return list(_steps)
