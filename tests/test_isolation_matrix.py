"""Tenant isolation on every route, for every kind of actor.

Each probe aims at something owned by Acme's ``fr`` unit; see ``tests/isolation/routes.py``
for the outcome declared per actor. The meta-test fails when a URL route exists that
the matrix does not declare, so every new endpoint has to join it.
"""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from glocal.models import Membership, Organization, OrgUnit, WorkerHeartbeat
from governance.models import Directive
from tests.conftest import PASSWORD
from tests.isolation.routes import ACTORS, PROBES, Probe, extend_ctx


def declared_routes() -> set[str]:
    return {probe.route for probe in PROBES}


def existing_routes(patterns=None, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            found |= existing_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.add(prefix + str(pattern.pattern))
    return found


def test_every_route_is_declared_in_the_matrix():
    missing = existing_routes() - declared_routes()
    assert not missing, f"routes without isolation expectations: {sorted(missing)}"


def test_the_matrix_declares_no_route_that_does_not_exist():
    stale = declared_routes() - existing_routes()
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


def test_every_probe_declares_every_actor():
    for probe in PROBES:
        assert set(probe.expect) == set(ACTORS), probe.id


@pytest.fixture
def ctx(tenants) -> dict:
    fr = tenants.unit("fr")
    fr_viewer = tenants.user("fr-viewer")
    group = fr.group_for("viewer")
    WorkerHeartbeat.objects.update_or_create(
        hostname="matrix", defaults={"beat_at": timezone.now()}
    )
    token, _ = AuthToken.objects.create(fr_viewer)
    ctx = {
        "password": PASSWORD,
        "fr": fr,
        "de": tenants.unit("de"),
        "emea": tenants.unit("emea"),
        "organization": Organization.objects.get(slug="acme-industrial"),
        "membership": Membership.objects.get(user=fr_viewer, unit=fr),
        "directive": Directive.objects.create(owner_unit=fr, title="France: matrix draft"),
        "heartbeat": WorkerHeartbeat.objects.get(hostname="matrix"),
        "fr_viewer": fr_viewer,
        "user_id": fr_viewer.pk,
        "group": group,
        "group_id": group.pk,
        "token": token,
        "unit_ct": ContentType.objects.get_for_model(OrgUnit).pk,
    }
    extend_ctx(ctx)
    return ctx


def client_for(actor: str, api: bool):
    username = ACTORS[actor]
    client = APIClient() if api else Client()
    if username is None:
        return client
    user = get_user_model().objects.get(username=username)
    if api:
        _, key = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    else:
        client.force_login(user)
    return client


def _attempt(ctx: dict, probe: Probe, actor: str) -> str | None:
    """One actor's request, rolled back afterwards: every actor meets the same data (a
    probe's ``data`` may change rows or objects of the context, so each gets a copy)."""
    ctx = copy.deepcopy(ctx)
    with transaction.atomic():
        client = client_for(actor, probe.api)
        path = probe.path(ctx)
        data = probe.data(ctx) if probe.data else None
        if probe.api:
            response = getattr(client, probe.method)(path, data, format=probe.format)
        else:
            response = getattr(client, probe.method)(path, data or {})
        marker = probe.marker(ctx) if probe.marker else None
        problem = probe.expect[actor].check(response, marker)
        transaction.set_rollback(True)
    return problem


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_isolation(ctx, probe: Probe):
    """Each probe, for every actor in turn; the context is built once per probe."""
    problems = [
        f"as {actor} ({ACTORS[actor]}): {problem}"
        for actor in ACTORS
        if (problem := _attempt(ctx, probe, actor)) is not None
    ]
    assert not problems, f"{probe.id}\n" + "\n".join(problems)
