"""The layering engine: inherit, override, lock, stale review, tighten-never-loosen.

Import the services from here: ``from glocal import layering``.
"""

from glocal.layering.engine import (
    adapt,
    cascade,
    keep_adaptation,
    may_lock,
    rebuild_all,
    resolve,
    revert,
    set_fields,
    set_locks,
    stale_overrides,
)
from glocal.layering.policies import check_override, lowest_tier

__all__ = [
    "adapt",
    "cascade",
    "check_override",
    "keep_adaptation",
    "lowest_tier",
    "may_lock",
    "rebuild_all",
    "resolve",
    "revert",
    "set_fields",
    "set_locks",
    "stale_overrides",
]
