"""A local marketer builds a campaign, previews it and launches it, in a real browser;
the campaign page then follows the approval and the planning without being reloaded."""

from __future__ import annotations

import re

import pytest

from campaigns import planning
from campaigns.models import Campaign
from content import services as content_services
from glocal.demo import build_organizations
from governance import approvals
from governance.models import ApprovalRequest
from tests.campaigns.conftest import START, make_account, make_playbook, publish
from tests.conftest import PASSWORD, Tenants

pytestmark = pytest.mark.browser


def test_it_builds_previews_and_launches_a_campaign(live_server, page):
    build_organizations(PASSWORD)
    from playwright.sync_api import expect

    tenants = Tenants()
    email = content_services.create_asset(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        kind="email",
        language="en",
        values={"title": "Grid resilience", "body": "<p>Outages cost money.</p>"},
    )
    publish(email)
    playbook = make_playbook(
        tenants, email.family, [("email", 0, "always"), ("linkedin", 2, "always")]
    )
    chosen = make_account(tenants.unit("fr"), country="FR", contacts=2)
    make_account(tenants.unit("fr"), country="FR")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "fr-marketer")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.click("nav.areas >> text=Campaigns")
    expect(page.locator("main h1")).to_have_text("Campaigns")

    page.click("nav.subnav >> text=New campaign")
    page.click(f'tr[data-id="playbook-{playbook.pk}"] >> text=Use this playbook')
    page.fill("#id_name", "Grid resilience — France")
    page.fill("#id_starts_on", START.isoformat())
    page.fill("#id_ends_on", "2031-02-28")
    page.check(f"#account-{chosen.pk}")
    page.fill("#id_delay_1", "3")
    page.click("#save-campaign")

    expect(page.locator("ul.messages")).to_contain_text("Draft campaign")
    expect(page.locator("#campaign-status")).to_have_text("Draft")
    campaign = Campaign.objects.get(name="Grid resilience — France")
    assert campaign.overrides == {"delay_days": {"1": 3}}

    page.click("text=Preview the schedule")
    first = page.locator('section[data-country="FR"] tr[data-step="1"] td.local')
    expect(first).to_have_text("Mon 2031-01-06 09:00 CET")
    expect(page.locator('section[data-country="FR"] tr[data-step="2"] td.local')).to_have_text(
        "Thu 2031-01-09 09:00 CET"
    )
    page.click("text=Back to the campaign")

    page.click("#launch-button")
    expect(page.locator("ul.messages")).to_contain_text(
        "Sent for approval: the launch waits for the managers of EMEA."
    )
    expect(page.locator("#campaign-status")).to_have_text("Waiting for approval")

    # The region approves and the planner runs while the page stays open: it refreshes.
    request = ApprovalRequest.objects.get(target_id=str(campaign.pk))
    approvals.decide(request, tenants.user("emea-manager"), approve=True)
    expect(page.locator("#campaign-status")).to_have_text("Planning")
    planning.plan_all(campaign.pk)
    expect(page.locator("#campaign-status")).to_have_text("Running")
    expect(page.locator("#count-planned")).to_have_text("4")
    expect(page.locator("#accounts-planned")).to_have_text("1")
    expect(page).to_have_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
