"""Configuration comes from the environment and production mode is safe by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "PYTHONPATH": str(ROOT),
    "DJANGO_SETTINGS_MODULE": "glocal.settings",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**BASE_ENV, "GLOCAL_VAR_DIR": env.pop("GLOCAL_VAR_DIR"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_the_deploy_checklist(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        GLOCAL_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY="k" * 20 + "a-long-random-production-secret-value-0123456789",
        ALLOWED_HOSTS="abm.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", GLOCAL_VAR_DIR=str(tmp_path), DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_a_bad_boolean_is_reported_by_name(tmp_path):
    result = manage("check", GLOCAL_VAR_DIR=str(tmp_path), DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 60 + "\n")
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        GLOCAL_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY_FILE=str(secret),
        ALLOWED_HOSTS="x",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "s" * 60


def test_embedded_default_needs_no_server(tmp_path):
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.TIME_ZONE, s.USE_TZ)",
        GLOCAL_VAR_DIR=str(tmp_path),
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "UTC", "True"]


def test_database_and_redis_urls_switch_to_postgres_and_redis(tmp_path):
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], s.CELERY_TASK_ACKS_LATE, "
        "s.CELERY_TASK_SERIALIZER)",
        GLOCAL_VAR_DIR=str(tmp_path),
        DEBUG="1",
        DATABASE_URL="postgres://u@db.invalid:5432/glocal",
        REDIS_URL="redis://cache.invalid:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://cache.invalid:6379/0",
        "3600",
        "True",
        "json",
    ]
