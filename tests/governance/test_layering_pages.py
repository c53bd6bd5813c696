"""The layering engine in the dashboard: overview, refusals as messages, review, audit."""

from __future__ import annotations

import pytest

from glocal import layering
from governance.models import Directive


@pytest.fixture
def chain(tenants):
    core = Directive.objects.create(
        owner_unit=tenants.unit("global"),
        title="Brand voice",
        body="Be clear.",
        legal_notice="© Acme",
        status="published",
    )
    local = layering.adapt(core, tenants.unit("fr"), {"title": "Notre voix"})
    return core, local


def test_the_overview_shows_origin_rule_and_lock(chain, client, tenants):
    core, local = chain
    layering.set_locks(tenants.user("global-manager"), core, lock=["summary"])
    client.force_login(tenants.user("fr-marketer"))
    page = client.get(f"/governance/directives/{local.pk}/").content.decode()
    assert "Overridden here" in page and "Inherited from global" in page
    assert "GLOBAL and above (set by the platform default)" in page
    assert "Locked by global" in page


def test_a_refused_override_is_reported_with_the_rule(chain, client, tenants):
    _, local = chain
    client.force_login(tenants.user("fr-marketer"))
    response = client.post(
        f"/governance/directives/{local.pk}/field/",
        {"field": "legal_notice", "operation": "override", "value": "Rien"},
        follow=True,
    )
    assert "legal_notice: legal_notice may only be overridden from the GLOBAL tier up" in (
        response.content.decode()
    )
    assert Directive.objects.get(pk=local.pk).legal_notice == "© Acme"


def test_review_keep_and_revert_from_the_dashboard(chain, client, tenants):
    core, local = chain
    layering.set_fields(core, {"title": "Brand voice 2027"})
    layering.cascade(Directive.objects.get(pk=core.pk), ["title"])
    client.force_login(tenants.user("fr-marketer"))
    queue = client.get("/governance/review/").content.decode()
    assert "+Brand voice 2027" in queue
    client.post(
        f"/governance/directives/{local.pk}/field/", {"field": "title", "operation": "keep"}
    )
    assert "Nothing to review." in client.get("/governance/review/").content.decode()
    client.post(
        f"/governance/directives/{local.pk}/field/", {"field": "title", "operation": "revert"}
    )
    assert Directive.objects.get(pk=local.pk).title == "Brand voice 2027"


def test_viewers_cannot_change_and_marketers_cannot_lock(chain, client, tenants):
    _, local = chain
    client.force_login(tenants.user("fr-viewer"))
    response = client.post(
        f"/governance/directives/{local.pk}/field/",
        {"field": "title", "operation": "override", "value": "x"},
    )
    assert response.status_code == 403
    client.force_login(tenants.user("fr-marketer"))
    response = client.post(
        f"/governance/directives/{local.pk}/field/",
        {"field": "title", "operation": "lock"},
        follow=True,
    )
    assert "Only managers of France may lock" in response.content.decode()


def test_the_audit_page_is_for_managers_and_exports_safe_csv(chain, client, tenants):
    _, _local = chain
    from governance import audit

    audit.record("note", unit=tenants.unit("fr"), note='=HYPERLINK("http://x")')
    client.force_login(tenants.user("fr-marketer"))
    assert "Notre voix" not in client.get("/governance/audit/").content.decode()
    client.force_login(tenants.user("fr-manager"))
    assert "Notre voix" in client.get("/governance/audit/").content.decode()
    csv = client.get("/governance/audit/?format=csv").content.decode()
    assert "'=HYPERLINK" in csv  # neutralised: a spreadsheet shows it as text
    assert "\n=" not in csv and ",=" not in csv
