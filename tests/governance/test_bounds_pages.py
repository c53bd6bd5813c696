"""Dashboard bounds editor: admins tighten ICP criteria and caps; loosening is refused."""

from __future__ import annotations

import pytest

from accounts import icp, selection
from accounts.models import Tier
from glocal.layering.models import Bound

CAP = selection.CAPS[Tier.STRATEGIC].key


def post(client, user, **data):
    client.force_login(user)
    return client.post("/governance/rules/bounds/", data, follow=True)


@pytest.fixture
def units(tenants):
    return {code: tenants.unit(code) for code in ("global", "emea", "fr", "de")}


def test_a_region_admin_tightens_the_icp_and_the_page_shows_what_binds(client, tenants, units):
    Bound.objects.create(
        owner_unit=units["global"], key=icp.INDUSTRIES.key, value=["energy", "retail"]
    )
    page = post(
        client, tenants.user("emea-admin"), owner_unit=units["emea"].pk,
        key=icp.INDUSTRIES.key, value="energy",
    )  # fmt: skip
    assert "Bound saved for EMEA" in page.content.decode()
    assert Bound.objects.get(owner_unit=units["emea"], key=icp.INDUSTRIES.key).value == ["energy"]
    client.force_login(tenants.user("fr-viewer"))
    text = client.get("/governance/rules/").content.decode()
    assert "What binds" in text and "only energy" in text
    assert 'id="bound-form"' not in text  # viewers do not configure


def test_loosening_is_refused_naming_the_rule_and_nothing_is_written(client, tenants, units):
    Bound.objects.create(owner_unit=units["emea"], key=CAP, value=3)
    page = post(client, tenants.user("fr-admin"), owner_unit=units["fr"].pk, key=CAP, value="10")
    text = page.content.decode()
    assert "EMEA" in text and "loosen" in text
    assert not Bound.objects.filter(owner_unit=units["fr"], key=CAP).exists()
    page = post(client, tenants.user("fr-admin"), owner_unit=units["fr"].pk, key=CAP, value="two")
    assert "Expected a number." in page.content.decode()
    post(client, tenants.user("fr-admin"), owner_unit=units["fr"].pk, key=CAP, value="2")
    assert Bound.objects.get(owner_unit=units["fr"], key=CAP).value == 2


def test_only_admins_of_a_unit_set_or_remove_its_bounds(client, tenants, units):
    post(client, tenants.user("fr-manager"), owner_unit=units["fr"].pk, key=CAP, value="2")
    post(client, tenants.user("de-admin"), owner_unit=units["fr"].pk, key=CAP, value="2")
    assert not Bound.objects.filter(owner_unit=units["fr"]).exists()
    bound = Bound.objects.create(owner_unit=units["fr"], key=CAP, value=2)
    client.force_login(tenants.user("de-admin"))
    assert client.post(f"/governance/rules/bounds/{bound.pk}/delete/").status_code == 404
    client.force_login(tenants.user("fr-manager"))
    assert client.post(f"/governance/rules/bounds/{bound.pk}/delete/").status_code == 403
    client.force_login(tenants.user("fr-admin"))
    assert client.post(f"/governance/rules/bounds/{bound.pk}/delete/").status_code == 303
    assert not Bound.objects.filter(pk=bound.pk).exists()
