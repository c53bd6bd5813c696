"""``field__any_of``: the same rows as ``__in``, one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from glocal.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_it_matches_the_same_rows_as_in(tenants):
    codes = ["fr", "de", "no-such-unit", None]
    by_in = set(OrgUnit.objects.filter(code__in=codes).values_list("code", flat=True))
    by_any = set(OrgUnit.objects.filter(code__any_of=codes).values_list("code", flat=True))
    assert by_any == by_in == {"fr", "de"}


def test_an_empty_list_matches_nothing(tenants):
    assert not OrgUnit.objects.filter(code__any_of=[]).exists()
    assert OrgUnit.objects.exclude(code__any_of=[]).count() == OrgUnit.objects.count()


def test_it_binds_one_parameter_on_postgresql(tenants):
    codes = [f"unit-{i}" for i in range(5000)] + ["fr"]
    with CaptureQueriesContext(connection) as queries:
        found = list(OrgUnit.objects.filter(code__any_of=codes).values_list("code", flat=True))
    assert found and set(found) == {"fr"}
    assert len(found) == OrgUnit.objects.filter(code="fr").count()
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
    else:
        assert " IN (" in sql
