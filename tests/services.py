"""Service availability for tests: skip on a bare machine, fail under REQUIRE_SERVICES=1."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def require_redis() -> None:
    url = settings.REDIS_URL
    if not url:
        _missing("needs Redis (set REDIS_URL=redis://...)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _missing(f"Redis at {url} is unreachable: {exc}")


def require_executable(path: str, what: str) -> None:
    if not os.path.exists(path):
        _missing(f"needs {what} at {path}")
