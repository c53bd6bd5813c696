"""seed_demo builds the demo and can run again without duplicating anything."""

from __future__ import annotations

from io import StringIO

from django.apps import apps
from django.core.management import call_command

from glocal.models import OrgUnit
from tests.conftest import PASSWORD


def counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in ("glocal", "governance", "campaigns")
        and m._meta.model_name not in ("auditentry", "workerheartbeat", "notification")
    }


def test_seed_demo_is_idempotent_and_prints_the_logins(db):
    out = StringIO()
    call_command("seed_demo", "--password", PASSWORD, stdout=out)
    first = counts()
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    assert counts() == first
    text = out.getvalue()
    assert "fr-marketer" in text and "globex-fr-admin" in text
    assert OrgUnit.objects.filter(organization__slug="acme-industrial").count() == 12
    assert OrgUnit.objects.filter(organization__slug="globex").count() == 3


def test_seed_demo_builds_a_stale_review_for_emea_and_france(db):
    from glocal.layering.models import StaleOverride

    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    stale = set(StaleOverride.objects.values_list("owner_unit__code", "field"))
    assert {("emea", "body"), ("fr", "title")} <= stale
