"""Dashboard smoke test in a real browser: Debian's Chromium driven by Playwright
(the ``page`` fixture is in ``tests/browser/conftest.py``)."""

from __future__ import annotations

import re

import pytest

from glocal.demo import build_organizations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_it_logs_in_switches_to_french_and_shows_the_scoped_tree(live_server, page):
    build_organizations(PASSWORD)
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", "fr-marketer")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("main h1")).to_contain_text("France")
    expect(page.locator("main")).to_contain_text("Units you can see")
    # Static files are served locally: the stylesheet loads and applies.
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"

    page.select_option("#language-select", "fr")
    page.click("#language-submit")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("main")).to_contain_text("Unités visibles")
    expect(page.locator("#language-submit")).to_have_text("Changer de langue")

    page.click("text=Ouvrir l\u2019arbre de l\u2019organisation")
    expect(page).to_have_url(f"{live_server.url}/org/")
    tree = page.locator("#org-tree")
    expect(page.locator("main h1")).to_have_text("Arbre de l\u2019organisation")
    codes = tree.locator("li.unit").evaluate_all("nodes => nodes.map(n => n.dataset.code)")
    assert sorted(codes) == ["emea", "fr", "global"]  # not the sibling "de"
    expect(tree).not_to_contain_text("Globex")
    expect(tree.locator('li.unit[data-code="fr"] .members')).to_contain_text("fr-marketer")
    expect(tree.locator('li.unit[data-code="emea"] > .members')).to_contain_text("emea-manager")
