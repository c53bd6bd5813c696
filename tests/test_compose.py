"""docker-compose.yml and the Dockerfile agree with what the settings need in production."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "glocal" / "settings.py"

SERVICES = {"web", "worker", "beat", "postgres", "redis"}
APP_SERVICES = ("web", "worker", "beat")
ONE_SHOT = {"migrate"}
ENV_READERS = {"env", "env_bool", "env_int", "env_list"}
#: Read with a default, but the default is wrong for this stack (SQLite, filesystem broker,
#: SSL redirect on plain HTTP...), so compose must set them explicitly.
PRODUCTION_VARS = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "GLOCAL_VAR_DIR",
}
#: Read by something other than glocal/settings.py.
OTHER_CONSUMERS = {"WEB_CONCURRENCY": "gunicorn"}


def settings_env_vars() -> dict[str, bool]:
    """Each variable glocal/settings.py reads, mapped to whether the read has a default."""
    found: dict[str, bool] = {}
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        is_reader = isinstance(func, ast.Name) and func.id in ENV_READERS
        is_environ_get = (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "environ"
        )
        name = node.args[0]
        if (is_reader or is_environ_get) and isinstance(name, ast.Constant):
            has_default = len(node.args) > 1 or bool(node.keywords)
            found[name.value] = found.get(name.value, True) and has_default
    return found


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the ["NAME=value", ...] spelling
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: str(value) for name, value in env.items()}


def test_it_reads_the_settings_variables():
    names = settings_env_vars()
    # The helper must still see how settings are read, or the checks below prove nothing.
    assert names.keys() >= PRODUCTION_VARS, PRODUCTION_VARS - names.keys()
    assert names["SECRET_KEY"] is False


def test_it_defines_the_five_services_and_a_migrate_step(compose):
    assert set(compose["services"]) == SERVICES | ONE_SHOT


def test_it_gives_every_long_running_service_a_healthcheck(compose):
    for name in SERVICES:
        healthcheck = compose["services"][name].get("healthcheck")
        assert healthcheck, f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), name
        assert healthcheck.get("test"), name


@pytest.mark.parametrize(
    ("service", "needle"),
    [
        ("web", "/healthz"),
        ("worker", "inspect ping"),
        ("beat", "celerybeat.pid"),
        ("postgres", "pg_isready"),
        ("redis", "redis-cli"),
    ],
)
def test_it_checks_each_service_the_right_way(compose, service, needle):
    test = compose["services"][service]["healthcheck"]["test"]
    assert needle in " ".join(test if isinstance(test, list) else [test])


@pytest.mark.parametrize("service", APP_SERVICES)
def test_it_gives_app_services_every_variable_the_settings_need(compose, service):
    required = {name for name, has_default in settings_env_vars().items() if not has_default}
    required |= PRODUCTION_VARS
    env = environment(compose["services"][service])
    assert required <= env.keys(), f"{service} lacks {sorted(required - env.keys())}"


@pytest.mark.parametrize("service", [*APP_SERVICES, "migrate"])
def test_it_sets_no_variable_nobody_reads(compose, service):
    known = settings_env_vars().keys() | OTHER_CONSUMERS.keys()
    env = environment(compose["services"][service])
    assert env.keys() <= known, f"{service} sets unknown {sorted(env.keys() - known)}"


@pytest.mark.parametrize("service", [*APP_SERVICES, "migrate"])
def test_it_runs_in_production_mode_against_postgres_and_redis(compose, service):
    env = environment(compose["services"][service])
    assert env["DEBUG"] in {"0", "false", "False"}
    assert env["DATABASE_URL"].startswith(("postgres://", "postgresql://"))
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert re.fullmatch(r"\$\{SECURE_SSL_REDIRECT:-0\}|0", env["SECURE_SSL_REDIRECT"])
    # The web healthcheck calls 127.0.0.1, so it must stay allowed whatever is configured.
    assert "127.0.0.1" in env["ALLOWED_HOSTS"].split(",")


def test_it_keeps_secrets_out_of_the_file(compose):
    for name, service in compose["services"].items():
        env = environment(service)
        if "SECRET_KEY" in env:
            assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), name
        if "POSTGRES_PASSWORD" in env:
            assert env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?"), name
        if "DATABASE_URL" in env:
            assert ":${POSTGRES_PASSWORD:?" in env["DATABASE_URL"], name


@pytest.mark.parametrize("service", APP_SERVICES)
def test_it_starts_app_services_after_migrate_and_healthy_backends(compose, service):
    depends_on = compose["services"][service]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_it_migrates_once_postgres_is_healthy(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"][:3] == ["python", "manage.py", "migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate.get("restart", "no") == "no"
    assert "healthcheck" not in migrate


def test_it_runs_celery_worker_and_beat(compose):
    worker = compose["services"]["worker"]["command"]
    beat = compose["services"]["beat"]["command"]
    assert worker[:4] == ["celery", "-A", "glocal", "worker"]
    assert beat[:4] == ["celery", "-A", "glocal", "beat"]
    assert "--pidfile=/tmp/celerybeat.pid" in beat


def test_it_builds_the_app_services_from_the_dockerfile(compose):
    for name in [*APP_SERVICES, "migrate"]:
        assert compose["services"][name].get("build") in (".", {"context": "."}), name


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_it_has_a_dockerfile_that_serves_the_wsgi_app_with_gunicorn():
    assert DOCKERFILE.is_file()
    instructions = dockerfile_instructions()
    command = [rest for keyword, rest in instructions if keyword in {"CMD", "ENTRYPOINT"}][-1]
    assert command.startswith("[")  # exec form: gunicorn is PID 1 and gets the signals
    argv = yaml.safe_load(command)
    assert argv[:2] == ["gunicorn", "glocal.wsgi:application"]


def test_it_builds_a_non_root_slim_image_with_static_files():
    instructions = dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms and all(rest.startswith("python:3.12-slim") for rest in froms)
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install ." in runs
    assert "collectstatic" in runs
    # The build-time key is an inline variable of that RUN, never an ENV baked into the image.
    assert not any(keyword == "ENV" and "SECRET_KEY" in rest for keyword, rest in instructions)


def test_it_keeps_local_state_out_of_the_build_context():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "var", ".env"):
        assert entry in ignored


def test_it_passes_docker_compose_config():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI on this machine")
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False
    )
    if version.returncode != 0:
        pytest.skip("the docker CLI here has no compose plugin")
    env = {
        **os.environ,
        "SECRET_KEY": "compose-config-test-only-key",
        "POSTGRES_PASSWORD": "compose-config-test-only-password",
    }
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
