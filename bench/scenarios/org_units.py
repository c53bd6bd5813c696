"""What the tenant boundary costs on the busiest kernel list.

One organisation of 300 units (1 GLOBAL, 10 REGIONs, 289 LOCALs) and 5,000 memberships.
The figure is ``GET /api/v1/org-units/`` for a LOCAL marketer, whose queryset goes
through ``restrict()`` (memberships, the organisation's tree, an ``IN`` filter and
``DISTINCT``); the baseline is the same request by a superuser, for whom ``restrict()``
returns ``all()``. Both authenticate with a real token, through the whole middleware,
authentication, throttling, pagination and serialisation stack.
"""

from __future__ import annotations

from random import Random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench.timing import medians
from glocal.models import Membership, Organization, OrgUnit, Tier
from glocal.tenancy import Role

NAME = "org_units"
DESCRIPTION = (
    "GET /api/v1/org-units/: LOCAL marketer (restrict) vs superuser (unrestricted); "
    "300 units, 5,000 memberships"
)

URL = "/api/v1/org-units/"
TOKEN_URL = "/api/v1/auth/token/"
REGIONS = 10
LOCALS = 289
USERS = 2000
MEMBERSHIPS = 5000
PASSWORD = "bench-password-2026"
ROLES = [Role.VIEWER, Role.MARKETER, Role.MANAGER, Role.ADMIN]
ROLE_WEIGHTS = [40, 40, 15, 5]


def build() -> OrgUnit:
    """The organisation and its people; returns the LOCAL unit the marketer works in.

    Rows are bulk-created: the post_save signals only mirror memberships into Django
    groups, which ``restrict()`` never reads, and saving 5,000 rows one by one would
    make the setup, not the measurement, dominate the run.
    """
    rng = Random(2026)
    org = Organization.objects.create(name="Bench Industries", slug="bench-industries")
    root = OrgUnit.objects.create(
        organization=org, tier=Tier.GLOBAL, code="global", name="Bench Global"
    )
    regions = OrgUnit.objects.bulk_create(
        OrgUnit(
            organization=org,
            parent=root,
            tier=Tier.REGION,
            code=f"region-{r:02d}",
            name=f"Region {r:02d}",
        )
        for r in range(REGIONS)
    )
    locals_ = OrgUnit.objects.bulk_create(
        OrgUnit(
            organization=org,
            parent=regions[i % REGIONS],
            tier=Tier.LOCAL,
            code=f"local-{i:03d}",
            name=f"Local {i:03d}",
        )
        for i in range(LOCALS)
    )

    User = get_user_model()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=f"bench-user-{i:04d}", password=password) for i in range(USERS)
    )
    # Mostly local teams, some regional hubs, a few global staff.
    pool = [root] * 3 + regions * 30 + locals_ * 10
    seen: set[tuple[int, int]] = set()
    memberships = []
    while len(memberships) < MEMBERSHIPS - 1:  # the marketer holds the last one
        user, unit = rng.choice(users), rng.choice(pool)
        if (user.pk, unit.pk) in seen:
            continue
        seen.add((user.pk, unit.pk))
        role = rng.choices(ROLES, ROLE_WEIGHTS)[0]
        memberships.append(Membership(user=user, unit=unit, role=role))
    Membership.objects.bulk_create(memberships)
    return locals_[0]


def client_for(username: str) -> APIClient:
    client = APIClient()
    response = client.post(TOKEN_URL, {"username": username, "password": PASSWORD})
    if response.status_code != 200:
        raise RuntimeError(f"token for {username}: {response.status_code} {response.content!r}")
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def list_units(client: APIClient, expected_count: int, **params) -> int:
    """One request; fails loudly if the answer is not the expected list."""
    response = client.get(URL, params)
    if response.status_code != 200:
        raise RuntimeError(f"GET {URL}: {response.status_code} {response.content[:300]!r}")
    count = response.json()["count"]
    if count != expected_count:
        raise RuntimeError(f"GET {URL}: {count} units, expected {expected_count}")
    return count


def queries_per_request(client: APIClient, expected_count: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        list_units(client, expected_count)
    return len(captured)


def run() -> dict:
    local = build()
    User = get_user_model()
    marketer = User.objects.create_user("bench-marketer", password=PASSWORD)
    Membership.objects.create(user=marketer, unit=local, role=Role.MARKETER)
    User.objects.create_superuser("bench-admin", password=PASSWORD)

    total_units = OrgUnit.objects.count()
    # Its own LOCAL unit, the REGION above it and the GLOBAL root; never a sibling.
    visible = 3
    restricted = client_for("bench-marketer")
    unrestricted = client_for("bench-admin")

    page_size = min(total_units, settings.REST_FRAMEWORK["PAGE_SIZE"])
    timed = medians(
        {
            "restricted": lambda: list_units(restricted, visible),
            "unrestricted": lambda: list_units(unrestricted, total_units),
            # Same request, cut to as many rows as the marketer gets: what is left of the
            # difference is restrict() itself, not serialising more rows.
            "same_rows": lambda: list_units(unrestricted, total_units, page_size=visible),
        }
    )
    restricted_s = timed["medians"]["restricted"]
    unrestricted_s = timed["medians"]["unrestricted"]
    same_rows_s = timed["medians"]["same_rows"]
    return {
        "figure": restricted_s,
        "baseline": unrestricted_s,
        "figure_label": f"restricted: LOCAL marketer, {visible} of {total_units} units",
        "baseline_label": f"unrestricted: superuser, {total_units} units, {page_size}/page",
        "runs": timed["runs"],
        "calls": timed["calls"],
        "details": {
            "same rows": f"superuser with ?page_size={visible}: {same_rows_s * 1000:.3f} ms; "
            f"restricted / that = {restricted_s / same_rows_s:.2f} x",
            "queries/request": f"restricted {queries_per_request(restricted, visible)}, "
            f"unrestricted {queries_per_request(unrestricted, total_units)}",
            "data": f"{total_units} units, {Membership.objects.count()} memberships, "
            f"{User.objects.count()} users",
            "database": connection.vendor,
        },
    }
