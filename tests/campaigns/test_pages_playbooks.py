"""Playbook pages: what a unit sees, effective values and the layer each comes from."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from campaigns import playbooks

from .conftest import steps


def login(tenants, username: str) -> Client:
    client = Client()
    client.force_login(tenants.user(username))
    return client


@pytest.fixture
def chain(tenants, email_content):
    """A published global core and EMEA's published adaptation of its steps."""
    core = playbooks.publish_playbook(
        tenants.user("global-marketer"),
        playbooks.create_playbook(
            tenants.user("global-marketer"),
            tenants.unit("global"),
            {
                "name": "Grid resilience",
                "description": "Three touches for utilities.",
                "kpis": {"meetings": 5},
                "steps": steps(email_content.family, ("email", 0, "always")),
            },
        ),
    )
    emea = playbooks.adapt_playbook(
        tenants.user("emea-marketer"),
        core,
        tenants.unit("emea"),
        {"steps": steps(email_content.family, ("email", 0, "always"), ("events", 7, "engaged"))},
    )
    emea = playbooks.publish_playbook(tenants.user("emea-marketer"), emea)
    draft = playbooks.create_playbook(
        tenants.user("de-marketer"),
        tenants.unit("de"),
        {"name": "German draft", "steps": steps(email_content.family, ("email", 0, "always"))},
    )
    return {"core": core, "emea": emea, "de_draft": draft}


def _field(html: str, name: str) -> str:
    return re.search(rf'<tr data-field="{name}">(.*?)</tr>', html, re.S).group(1)


def test_the_list_shows_owner_status_and_channels(tenants, chain):
    html = login(tenants, "fr-marketer").get("/campaigns/playbooks/").content.decode()
    row = html[html.index(f'data-id="playbook-{chain["emea"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "EMEA" in row and "Published" in row and "Email, Events" in row
    assert "Grid resilience" in row  # adapted from
    assert f'data-id="playbook-{chain["de_draft"].pk}"' not in html  # a sibling's draft


def test_the_detail_says_which_layer_each_field_comes_from(tenants, chain, email_content):
    html = login(tenants, "fr-marketer").get(f"/campaigns/playbooks/{chain['emea'].pk}/")
    html = html.content.decode()
    assert "Overridden here (EMEA)" in _field(html, "steps")
    assert "Inherited from Acme Global" in _field(html, "name")
    assert "meetings: 5" in _field(html, "kpis")
    assert "REGION and above" in _field(html, "steps")
    step = re.search(r'<tr data-step="2">(.*?)</tr>', html, re.S).group(1)
    assert "Events" in step and "day 7" in step and "Only if engaged" in step
    assert "Grid resilience" in html  # the content's title, linked
    assert f"/content/{email_content.pk}/" in html
    assert 'id="build-campaign"' in html  # France may run it


def test_drafts_of_other_units_are_404(tenants, chain):
    client = login(tenants, "fr-marketer")
    assert client.get(f"/campaigns/playbooks/{chain['de_draft'].pk}/").status_code == 404
    assert (
        login(tenants, "emea-viewer")
        .get(f"/campaigns/playbooks/{chain['de_draft'].pk}/")
        .status_code
        == 200
    )
    other_org = login(tenants, "globex-fr-admin")
    assert other_org.get(f"/campaigns/playbooks/{chain['core'].pk}/").status_code == 404
