from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from glocal.demo import build_organizations
from glocal.models import Organization, OrgUnit

PASSWORD = "test-pass-2026"


class Tenants:
    """The demo organisations (built once per session), with shortcuts."""

    def unit(self, code: str, org: str = "acme-industrial") -> OrgUnit:
        return OrgUnit.objects.get(organization__slug=org, code=code)

    def user(self, username: str):
        return get_user_model().objects.get(username=username)


def ensure_demo_organizations() -> None:
    # Transactional tests flush the database; rebuild only when that happened.
    if not Organization.objects.filter(slug="acme-industrial").exists():
        build_organizations(PASSWORD)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_organizations(PASSWORD)


@pytest.fixture
def tenants(db) -> Tenants:
    ensure_demo_organizations()
    return Tenants()


@pytest.fixture
def api():
    """An API client factory authenticated with a real token for a username."""

    def make(username: str | None = None, **headers) -> APIClient:
        client = APIClient(**headers)
        if username:
            response = client.post(
                "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
            )
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return make


@pytest.fixture(autouse=True)
def _english_by_default():
    """Messages are asserted in English; a test that switches language must not leak."""
    from django.utils import translation

    with translation.override("en"):
        yield
