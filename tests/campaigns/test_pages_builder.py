"""The campaign builder pages: choose a playbook, build a draft, edit it, preview it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from campaigns.launch import launch_campaign
from campaigns.models import Campaign, CampaignStatus, Touch

from .conftest import START, make_account, make_campaign, make_playbook


def login(tenants, username: str) -> Client:
    client = Client()
    client.force_login(tenants.user(username))
    return client


@pytest.fixture
def fr_accounts(tenants):
    fr = tenants.unit("fr")
    return {
        "paris": make_account(fr, country="FR", contacts=2),
        "brussels": make_account(fr, country="BE"),
        "candidate": make_account(fr, country="FR", lifecycle="candidate"),
        "german": make_account(tenants.unit("de"), country="DE"),
    }


def test_it_offers_the_published_playbooks_the_unit_may_run(tenants, playbook):
    page = login(tenants, "fr-marketer").get("/campaigns/new/")
    assert page.status_code == 200
    assert f'data-id="playbook-{playbook.pk}"' in page.content.decode()


def test_a_local_marketer_builds_a_draft_campaign(tenants, playbook, fr_accounts):
    client = login(tenants, "fr-marketer")
    form = client.get(f"/campaigns/new/?playbook={playbook.pk}")
    html = form.content.decode()
    assert form.status_code == 200
    # Only the unit's targetable accounts are offered.
    assert f'data-id="account-{fr_accounts["paris"].pk}"' in html
    assert f'data-id="account-{fr_accounts["candidate"].pk}"' not in html
    assert f'data-id="account-{fr_accounts["german"].pk}"' not in html

    response = client.post(
        f"/campaigns/new/?playbook={playbook.pk}",
        {
            "playbook": playbook.pk,
            "name": "Grid resilience — France",
            "starts_on": START.isoformat(),
            "ends_on": (START + dt.timedelta(days=45)).isoformat(),
            "accounts": [fr_accounts["paris"].pk, fr_accounts["brussels"].pk],
            "delay_0": 0,
            "delay_1": 2,
            "skip_1": "on",
            "delay_2": 3,
        },
    )
    campaign = Campaign.objects.get(name="Grid resilience — France")
    assert response.status_code == 303
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert campaign.owner_unit == tenants.unit("fr")
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.overrides == {"skip_steps": [1], "delay_days": {"2": 3}}
    assert set(campaign.accounts.all()) == {fr_accounts["paris"], fr_accounts["brussels"]}

    page = client.get(response["Location"]).content.decode()
    assert "Draft campaign “Grid resilience — France” created" in page
    assert "Steps skipped by this campaign: 2." in page


def test_the_filters_narrow_the_accounts_but_keep_the_chosen_ones(tenants, playbook, fr_accounts):
    client = login(tenants, "fr-marketer")
    html = client.get(f"/campaigns/new/?playbook={playbook.pk}&country=BE").content.decode()
    assert f'data-id="account-{fr_accounts["brussels"].pk}"' in html
    assert f'data-id="account-{fr_accounts["paris"].pk}"' not in html

    campaign = make_campaign(tenants, "fr", playbook, [fr_accounts["paris"]])
    html = client.get(f"/campaigns/{campaign.pk}/edit/?country=BE").content.decode()
    assert f'id="account-{fr_accounts["paris"].pk}" checked' in html  # chosen, kept


def test_refusals_are_shown_on_the_form(tenants, playbook, fr_accounts):
    client = login(tenants, "fr-marketer")
    response = client.post(
        "/campaigns/new/",
        {
            "playbook": playbook.pk,
            "name": "Backwards",
            "starts_on": START.isoformat(),
            "ends_on": (START - dt.timedelta(days=1)).isoformat(),
            "accounts": [fr_accounts["german"].pk],
            "delay_0": 0,
            "delay_1": 2,
            "delay_2": 1,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "is not one of the available choices" in html  # the German account
    assert not Campaign.objects.filter(name="Backwards").exists()

    response = client.post(
        "/campaigns/new/",
        {
            "playbook": playbook.pk,
            "name": "Backwards",
            "starts_on": START.isoformat(),
            "ends_on": (START - dt.timedelta(days=1)).isoformat(),
            "delay_0": 0,
            "delay_1": 2,
            "delay_2": 1,
            "skip_0": "on",
            "skip_1": "on",
            "skip_2": "on",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The last day comes before the first day." in html


def test_a_regional_user_is_asked_to_act_for_a_local_team(tenants, playbook):
    page = login(tenants, "emea-manager").get("/campaigns/new/")
    assert page.status_code == 200
    assert 'id="not-local"' in page.content.decode()
    assert "Campaigns are run by a local team" in page.content.decode()


def test_a_draft_can_be_edited_until_it_is_launched(tenants, playbook, fr_accounts):
    campaign = make_campaign(tenants, "fr", playbook, [fr_accounts["paris"]])
    client = login(tenants, "fr-marketer")
    response = client.post(
        f"/campaigns/{campaign.pk}/edit/",
        {
            "name": "Renamed",
            "starts_on": START.isoformat(),
            "ends_on": (START + dt.timedelta(days=30)).isoformat(),
            "accounts": [fr_accounts["brussels"].pk],
            "delay_0": 1,
            "delay_1": 2,
            "delay_2": 1,
        },
    )
    assert response.status_code == 303
    campaign.refresh_from_db()
    assert campaign.name == "Renamed"
    assert campaign.overrides == {"delay_days": {"0": 1}}
    assert list(campaign.accounts.all()) == [fr_accounts["brussels"]]

    launch_campaign(tenants.user("fr-marketer"), campaign)
    response = client.get(f"/campaigns/{campaign.pk}/edit/", follow=True)
    assert "Only a draft campaign can be edited." in response.content.decode()


def test_a_viewer_cannot_edit_and_a_sibling_does_not_see_the_campaign(
    tenants, playbook, fr_accounts
):
    campaign = make_campaign(tenants, "fr", playbook, [fr_accounts["paris"]])
    assert login(tenants, "fr-viewer").get(f"/campaigns/{campaign.pk}/edit/").status_code == 403
    for path in ("", "edit/", "preview/", "progress.json"):
        assert login(tenants, "de-admin").get(f"/campaigns/{campaign.pk}/{path}").status_code == 404


@pytest.fixture
def spring_playbook(tenants, email_content):
    """Day 0, day 4 (after the clocks change), day 42 (8 May, a French holiday)."""
    return make_playbook(
        tenants,
        email_content.family,
        [("email", 0, "always"), ("linkedin", 4, "always"), ("email", 38, "always")],
    )


def test_the_preview_shows_paris_local_times_across_dst_and_holidays(
    tenants, spring_playbook, fr_accounts
):
    campaign = make_campaign(
        tenants,
        "fr",
        spring_playbook,
        [fr_accounts["paris"], fr_accounts["brussels"]],
        starts_on=dt.date(2031, 3, 27),  # a Thursday; clocks go forward on Sunday 30 March
        ends_on=dt.date(2031, 6, 30),
    )
    response = login(tenants, "fr-marketer").get(f"/campaigns/{campaign.pk}/preview/")
    html = response.content.decode()
    assert response.status_code == 200
    # One section per country, in alphabetical order.
    belgium = html[html.index('data-country="BE"') : html.index('data-country="FR"')]
    france = html[html.index('data-country="FR"') :]
    assert "2 contacts" in france and "1 contact" in belgium

    def row(section: str, step: int) -> str:
        match = re.search(rf'<tr data-step="{step}"[^>]*>(.*?)</tr>', section, re.S)
        return match.group(1)

    # Winter time: 09:00 in Paris is 08:00 UTC.
    assert "Thu 2031-03-27 09:00 CET" in row(france, 1)
    assert "UTC+01:00" in row(france, 1) and "2031-03-27 08:00 UTC" in row(france, 1)
    # Summer time: the wall clock stays at 09:00, UTC moves to 07:00.
    assert "Mon 2031-03-31 09:00 CEST" in row(france, 2)
    assert "UTC+02:00" in row(france, 2) and "2031-03-31 07:00 UTC" in row(france, 2)
    # 8 May is a public holiday in France, not in Belgium.
    assert "Fri 2031-05-09 09:00 CEST" in row(france, 3) and "Victory Day" in row(france, 3)
    assert "Thu 2031-05-08 09:00 CEST" in row(belgium, 3)
    assert not Touch.objects.filter(campaign=campaign).exists()  # nothing planned


def test_the_preview_warns_about_a_mix_the_launch_would_refuse(tenants, playbook, fr_accounts):
    from campaigns import mix

    mix.set_rule(tenants.user("fr-admin"), tenants.unit("fr"), "campaigns.share.max.linkedin", 0.2)
    campaign = make_campaign(tenants, "fr", playbook, [fr_accounts["paris"]])
    html = login(tenants, "fr-marketer").get(f"/campaigns/{campaign.pk}/preview/").content
    assert "Launch would be refused by the channel mix" in html.decode()
    assert campaign.status == CampaignStatus.DRAFT


def test_an_account_that_left_the_selection_is_flagged_on_the_draft(tenants, playbook, fr_accounts):
    campaign = make_campaign(tenants, "fr", playbook, [fr_accounts["paris"]])
    fr_accounts["paris"].lifecycle = "deselected"
    fr_accounts["paris"].save(update_fields=["lifecycle"])
    html = login(tenants, "fr-marketer").get(f"/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'id="dropped-accounts"' in html
    assert f'data-id="account-{fr_accounts["paris"].pk}"' not in html
