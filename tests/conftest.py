from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from glocal.demo import build_organizations
from glocal.models import OrgUnit

PASSWORD = "test-pass-2026"


@dataclass
class Tenants:
    """The demo organisations, with shortcuts to units and users."""

    def unit(self, code: str, org: str = "acme-industrial") -> OrgUnit:
        return OrgUnit.objects.get(organization__slug=org, code=code)

    def user(self, username: str):
        return get_user_model().objects.get(username=username)


@pytest.fixture
def tenants(db) -> Tenants:
    build_organizations(PASSWORD)
    return Tenants()


@pytest.fixture
def api():
    """An API client factory authenticated with a real token for a username."""

    def make(username: str | None = None) -> APIClient:
        client = APIClient()
        if username:
            response = client.post(
                "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
            )
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return make
