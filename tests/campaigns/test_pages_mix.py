"""The channel-mix editor: inherited rules read-only, own rules tightened or removed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from campaigns import mix
from glocal.layering.models import Bound


def login(tenants, username: str) -> Client:
    client = Client()
    client.force_login(tenants.user(username))
    return client


def row(html: str, key: str) -> str:
    return re.search(rf'<tr data-key="{re.escape(key)}"([^>]*)>(.*?)</tr>', html, re.S).group(0)


@pytest.fixture
def inherited(tenants):
    mix.set_rule(
        tenants.user("global-admin"), tenants.unit("global"), "campaigns.share.max.linkedin", 0.5
    )
    mix.set_rule(
        tenants.user("emea-admin"), tenants.unit("emea"), "campaigns.frequency.account_7d", 3
    )


def mix_page(client: Client, unit) -> str:
    response = client.get(f"/campaigns/mix/?unit={unit.pk}")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_inherited_bounds_with_the_unit_that_set_them(tenants, inherited):
    html = mix_page(login(tenants, "fr-admin"), tenants.unit("fr"))
    share = row(html, "campaigns.share.max.linkedin")
    assert 'data-state="inherited"' in share
    assert "at most 0.5" in share and "Acme Global" in share
    cap = row(html, "campaigns.frequency.account_7d")
    assert "at most 3" in cap and "EMEA" in cap and "inherited" in cap
    assert "from 9:00 (default)" in row(html, "campaigns.hours.start")
    assert "only consent, separate_consent (default)" in row(html, "campaigns.lawful_basis.email")
    assert 'id="mix-form"' in html
    # Inherited rules offer no removal here.
    assert "bound-delete" not in share and "/delete/" not in cap


def test_a_unit_admin_tightens_a_rule(tenants, inherited):
    client = login(tenants, "fr-admin")
    fr = tenants.unit("fr")
    response = client.post(
        "/campaigns/mix/set/",
        {"unit": fr.pk, "key": "campaigns.share.max.linkedin", "value": "0.3"},
        follow=True,
    )
    html = response.content.decode()
    assert "Saved for France: “Maximum share of touches on LinkedIn” at most 0.3." in html
    share = row(html, "campaigns.share.max.linkedin")
    assert 'data-state="own"' in share
    assert "Acme Global: at most 0.5" in share and "France: at most 0.3" in share
    assert mix.rules_for(fr).get(mix.MAX_SHARE["linkedin"]).value == 0.3


def test_loosening_is_refused_naming_the_rule_and_unit(tenants, inherited):
    client = login(tenants, "fr-admin")
    fr = tenants.unit("fr")
    html = client.post(
        "/campaigns/mix/set/",
        {"unit": fr.pk, "key": "campaigns.frequency.account_7d", "value": "5"},
        follow=True,
    ).content.decode()
    assert (
        "Refused: at most 5 would loosen the REGION rule “Touches per account in 7 days” "
        "set by EMEA (at most 3)." in html
    )
    html = client.post(
        "/campaigns/mix/set/",
        {"unit": fr.pk, "key": "campaigns.share.max.email", "value": "1.5"},
        follow=True,
    ).content.decode()
    assert "A share is a number from 0 to 1." in html
    assert not Bound.objects.filter(owner_unit=fr).exists()


def test_only_unit_admins_change_rules(tenants, inherited):
    fr = tenants.unit("fr")
    client = login(tenants, "fr-marketer")
    assert 'id="mix-form"' not in mix_page(client, fr)
    html = client.post(
        "/campaigns/mix/set/",
        {"unit": fr.pk, "key": "campaigns.frequency.account_7d", "value": "2"},
        follow=True,
    ).content.decode()
    assert "Only administrators of France set its channel mix." in html
    assert not Bound.objects.filter(owner_unit=fr).exists()


def test_own_rules_are_removed_through_the_bounds_editor(tenants, inherited):
    fr = tenants.unit("fr")
    bound = mix.set_rule(tenants.user("fr-admin"), fr, "campaigns.frequency.account_7d", 2)
    client = login(tenants, "fr-admin")
    html = mix_page(client, fr)
    assert f'action="/governance/rules/bounds/{bound.pk}/delete/"' in row(
        html, "campaigns.frequency.account_7d"
    )
    response = client.post(
        f"/governance/rules/bounds/{bound.pk}/delete/", {"next": f"/campaigns/mix/?unit={fr.pk}"}
    )
    assert response.status_code == 303
    assert response["Location"] == f"/campaigns/mix/?unit={fr.pk}"
    assert not Bound.objects.filter(pk=bound.pk).exists()
    # An outside address is not followed.
    other = mix.set_rule(tenants.user("fr-admin"), fr, "campaigns.frequency.account_7d", 2)
    response = client.post(
        f"/governance/rules/bounds/{other.pk}/delete/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/governance/rules/#bounds"


def test_a_sibling_or_another_organisation_gets_404(tenants, inherited):
    fr = tenants.unit("fr")
    for username in ("de-admin", "globex-fr-admin"):
        client = login(tenants, username)
        assert client.get(f"/campaigns/mix/?unit={fr.pk}").status_code == 404
        response = client.post(
            "/campaigns/mix/set/",
            {"unit": fr.pk, "key": "campaigns.frequency.account_7d", "value": "1"},
        )
        assert response.status_code == 404
    assert not Bound.objects.filter(owner_unit=fr).exists()
