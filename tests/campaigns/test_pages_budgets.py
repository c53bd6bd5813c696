"""The budget pages: the tree of a period with its bars, one budget's children, guideline
report, spend and campaigns; recording a spend and allocating through the services."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client

from campaigns import budgets, views_budgets
from campaigns.models import Budget, Spend
from governance.models import ApprovalRequest

from .budget_helpers import D, fresh, rate, tree
from .conftest import make_account, make_campaign

DAY = dt.date(2031, 3, 10)


def login(tenants, username: str, **headers) -> Client:
    client = Client(**headers)
    client.force_login(tenants.user(username))
    return client


def row(html: str, marker: str) -> str:
    """The table row carrying ``marker`` (e.g. ``data-id="budget-3"``)."""
    found = re.search(rf"<tr {re.escape(marker)}[^>]*>(.*?)</tr>", html, re.S)
    assert found, f"no row {marker}"
    return found.group(0)


def widths(html: str) -> dict[str, str]:
    """The segments of a row's allocation bar: part → CSS width."""
    return {
        part: width
        for width, part in re.findall(r'style="width:([\d.]+%)" data-part="(\w+)"', html)
    }


@pytest.fixture
def fy(tenants, playbook):
    """FY2031: global 100,000 → EMEA 40,000 → France 10,000 and Germany 5,000 (EUR);
    guidelines on the global budget; France spent 1,000 EUR on events and 500 USD (at
    0.9) on ads for a campaign it funds."""
    b = tree(tenants)
    manager = tenants.user("global-manager")
    b["de"] = budgets.allocate(
        manager, b["emea"], tenants.unit("de"), D(5000), name="FY2031 Germany"
    )
    budgets.configure(
        manager,
        b["global"],
        guidelines={"events": 0.7, "ads": 0.2, "email": 0.1},
        tolerance=D("0.05"),
    )
    rate(tenants, "USD", dt.date(2031, 3, 1), "0.9")
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")]
    )
    campaign.budget = b["fr"]
    campaign.full_clean()
    campaign.save()
    b["campaign"] = campaign
    marketer = tenants.user("fr-marketer")
    b["events"] = budgets.record_spend(
        marketer, b["fr"], kind="event", spent_on=DAY, amount_local=D(1000), channel="events"
    ).spend
    b["ads"] = budgets.record_spend(
        marketer,
        b["fr"],
        kind="cpc",
        spent_on=DAY,
        quantity=1000,
        unit_price=D("0.5"),
        currency="USD",
        channel="ads",
        campaign=campaign,
    ).spend
    return b


def list_page(client: Client, query: str = "") -> str:
    response = client.get(f"/campaigns/budgets/{query}")
    assert response.status_code == 200
    return response.content.decode()


def detail_page(client: Client, budget: Budget) -> str:
    response = client.get(f"/campaigns/budgets/{budget.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# --- the list -------------------------------------------------------------------------


def test_a_french_viewer_sees_france_but_not_germany_or_what_is_above(tenants, fy):
    html = list_page(login(tenants, "fr-viewer"))
    assert f'data-id="budget-{fy["fr"].pk}"' in html
    for hidden in ("de", "emea", "global"):
        assert f'data-id="budget-{fy[hidden].pk}"' not in html, hidden
    # The period defaults to FY2031 (the next to start) and France is the top of its tree.
    assert 'value="2031-01-01..2031-12-31" selected' in html
    assert 'data-depth="0"' in row(html, f'data-id="budget-{fy["fr"].pk}"')


def test_the_tree_goes_global_regional_local(tenants, fy):
    html = list_page(login(tenants, "global-viewer"))
    order = [int(pk) for pk in re.findall(r'<tr data-id="budget-(\d+)"', html)]
    assert order == [fy[k].pk for k in ("global", "emea", "fr", "de")]  # France < Germany
    depths = re.findall(r'<tr data-id="budget-\d+" data-depth="(\d)"', html)
    assert depths == ["0", "1", "2", "2"]

    regional = list_page(login(tenants, "emea-viewer"))
    assert f'data-id="budget-{fy["global"].pk}"' not in regional
    assert 'data-depth="0"' in row(regional, f'data-id="budget-{fy["emea"].pk}"')
    assert 'data-depth="1"' in row(regional, f'data-id="budget-{fy["de"].pk}"')


def test_figures_and_bars_match_the_model(tenants, fy):
    france, emea = fresh(fy["fr"]), fresh(fy["emea"])
    assert (france.spent, emea.allocated) == (D(1450), D(15000))  # 1,000 + 500 USD at 0.9
    html = list_page(login(tenants, "emea-viewer"))
    fr_row = row(html, f'data-id="budget-{france.pk}"')
    assert '<td class="num amount">10,000.00 EUR</td>' in fr_row
    assert '<td class="num allocated">0.00 EUR</td>' in fr_row
    assert '<td class="num spent">1,450.00 EUR</td>' in fr_row
    assert '<td class="num remaining">8,550.00 EUR</td>' in fr_row
    assert widths(fr_row) == {"allocated": "0.00%", "spent": "14.50%", "remaining": "85.50%"}
    assert "0.0% allocated · 14.5% spent · 85.5% left" in fr_row

    emea_row = row(html, f'data-id="budget-{emea.pk}"')
    assert '<td class="num allocated">15,000.00 EUR</td>' in emea_row
    assert '<td class="num remaining">25,000.00 EUR</td>' in emea_row
    assert widths(emea_row) == {"allocated": "37.50%", "spent": "0.00%", "remaining": "62.50%"}


def test_the_period_filter(tenants, fy):
    client = login(tenants, "fr-viewer")
    html = list_page(client, "?period=2032-01-01..2032-12-31")
    assert f'data-id="budget-{fy["fr"].pk}"' not in html
    assert "No budget of your units for this period." in html
    # A malformed period falls back to the default one.
    assert f'data-id="budget-{fy["fr"].pk}"' in list_page(client, "?period=nonsense")


def test_the_default_period_covers_today_else_comes_next_else_last():
    def option(start: str, end: str) -> dict:
        return {"period": (dt.date.fromisoformat(start), dt.date.fromisoformat(end))}

    fy30, fy31, fy32 = (option(f"{y}-01-01", f"{y}-12-31") for y in (2030, 2031, 2032))
    options = [fy32, fy31, fy30]
    assert views_budgets.default_period(options, dt.date(2031, 6, 1)) == fy31["period"]
    assert views_budgets.default_period(options, dt.date(2029, 6, 1)) == fy30["period"]
    assert views_budgets.default_period(options, dt.date(2033, 6, 1)) == fy32["period"]
    assert views_budgets.default_period([], dt.date(2031, 6, 1)) is None


def test_the_campaign_pages_link_to_the_budgets(tenants, fy):
    html = login(tenants, "fr-viewer").get("/campaigns/").content.decode()
    assert 'href="/campaigns/budgets/"' in html


# --- one budget -----------------------------------------------------------------------


def test_the_detail_shows_children_as_bars(tenants, fy):
    html = detail_page(login(tenants, "emea-viewer"), fy["emea"])
    children = html[html.index('id="children"') :]
    fr_row = row(children, f'data-id="budget-{fy["fr"].pk}"')
    assert "25.0% of this budget" in fr_row and 'style="width:25.00%"' in fr_row
    assert '<td class="num spent">1,450.00 EUR</td>' in fr_row
    assert "12.5% of this budget" in row(children, f'data-id="budget-{fy["de"].pk}"')
    figures = html[html.index('id="budget-figures"') :]
    assert '<td class="allocated">15,000.00 EUR</td>' in figures
    # EMEA sees nothing above it: no link to the global budget.
    assert f"/campaigns/budgets/{fy['global'].pk}/" not in html
    assert "The guidelines are set on a budget above." in html


def test_the_guideline_report_flags_channels_outside_the_tolerance(tenants, fy):
    html = detail_page(login(tenants, "fr-viewer"), fy["fr"])
    report = html[html.index('id="guidelines"') :]
    events = row(report, 'data-channel="events"')  # 1,000 of 1,450: 69.0% against 70 ± 5
    assert "outside" not in events
    assert "69.0%" in events and "70.0% (65.0\u201375.0%)" in events
    assert 'style="left:65.00%;width:10.00%"' in events and 'style="left:70.00%"' in events
    ads = row(report, 'data-channel="ads"')  # 31.0% against 20 ± 5
    assert 'data-outside="1"' in ads and "outside the guideline" in ads
    email = row(report, 'data-channel="email"')  # nothing spent against 10 ± 5
    assert 'data-outside="1"' in email and "0.0%" in email
    assert 'id="guidelines-outside"' in html
    assert "Spend with a channel: 1,450.00 EUR." in html


def test_the_detail_lists_spend_and_funded_campaigns(tenants, fy):
    html = detail_page(login(tenants, "fr-viewer"), fy["fr"])
    ads = row(html, f'data-id="spend-{fy["ads"].pk}"')
    assert "2031-03-10" in ads and "Ads by clicks (CPC)" in ads and "Ads" in ads
    assert "500.00 USD" in ads and '<td class="num">0.9</td>' in ads and "450.00 EUR" in ads
    assert f'href="/campaigns/{fy["campaign"].pk}/"' in ads
    events = row(html, f'data-id="spend-{fy["events"].pk}"')
    assert "1,000.00 EUR" in events and "<td>—</td>" in events  # no campaign
    funded = html[html.index('id="funded"') :]
    assert f'data-id="campaign-{fy["campaign"].pk}"' in funded
    assert "2 spend entries on this budget" in html


def test_a_sibling_or_another_organisation_gets_404(tenants, fy):
    for username in ("de-viewer", "de-admin", "globex-fr-admin"):
        client = login(tenants, username)
        assert client.get(f"/campaigns/budgets/{fy['fr'].pk}/").status_code == 404, username
        post = {"kind": "event", "spent_on": "2031-03-10", "amount_local": "1"}
        assert client.post(f"/campaigns/budgets/{fy['fr'].pk}/spend/", post).status_code == 404
        allocate = {"owner_unit": tenants.unit("fr").pk, "amount": "1"}
        response = client.post(f"/campaigns/budgets/{fy['emea'].pk}/allocate/", allocate)
        assert response.status_code == 404, username
    assert fresh(fy["fr"]).spent == D(1450)
    # France cannot open what is above it either.
    client = login(tenants, "fr-admin")
    assert client.get(f"/campaigns/budgets/{fy['emea'].pk}/").status_code == 404


# --- forms ----------------------------------------------------------------------------


def test_a_marketer_records_a_spend(tenants, fy):
    client = login(tenants, "fr-marketer")
    assert 'id="spend-form"' in detail_page(client, fy["fr"])
    response = client.post(
        f"/campaigns/budgets/{fy['fr'].pk}/spend/",
        {
            "kind": "event",
            "spent_on": "2031-04-02",
            "amount_local": "250",
            "currency": "usd",
            "channel": "events",
            "description": "Booth",
        },
    )
    assert response.status_code == 303
    assert response["Location"] == f"/campaigns/budgets/{fy['fr'].pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "Recorded: 250.00 USD on 2031-04-02, 225.00 EUR charged to “FY2031 France”." in html
    spend = Spend.objects.get(description="Booth")
    assert (spend.amount, spend.currency, spend.created_by) == (
        D(225),
        "USD",
        tenants.user("fr-marketer"),
    )
    assert fresh(fy["fr"]).spent == D(1675)
    assert f'data-id="spend-{spend.pk}"' in html


def test_a_spend_over_the_cap_is_refused_naming_it(tenants, fy):
    client = login(tenants, "fr-marketer")
    response = client.post(
        f"/campaigns/budgets/{fy['fr'].pk}/spend/",
        {"kind": "event", "spent_on": "2031-04-02", "amount_local": "9000"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Over budget: “FY2031 France” (France) is capped at 10,000.00 EUR and has "
        "8,550.00 EUR left; this spend of 9,000.00 EUR would exceed it." in html
    )
    assert 'value="9000"' in html  # the form keeps what was typed
    assert fresh(fy["fr"]).spent == D(1450)


def test_spend_refusals_are_form_errors_not_500(tenants, fy):
    client = login(tenants, "fr-marketer")
    path = f"/campaigns/budgets/{fy['fr'].pk}/spend/"
    outside = client.post(path, {"kind": "event", "spent_on": "2032-01-05", "amount_local": "1"})
    assert outside.status_code == 400
    assert "“FY2031 France” covers 2031-01-01 to 2031-12-31." in outside.content.decode()
    no_rate = client.post(
        path, {"kind": "event", "spent_on": "2031-01-05", "amount_local": "1", "currency": "JPY"}
    )
    assert no_rate.status_code == 400
    assert "No exchange rate from JPY to EUR" in no_rate.content.decode()
    cpm = client.post(path, {"kind": "cpm", "spent_on": "2031-04-02"})
    assert cpm.status_code == 400
    assert "Say how many impressions were bought." in cpm.content.decode()
    assert fresh(fy["fr"]).spent == D(1450)


def test_a_viewer_has_no_spend_form_and_may_not_post(tenants, fy):
    client = login(tenants, "fr-viewer")
    assert 'id="spend-form"' not in detail_page(client, fy["fr"])
    response = client.post(
        f"/campaigns/budgets/{fy['fr'].pk}/spend/",
        {"kind": "event", "spent_on": "2031-04-02", "amount_local": "1"},
    )
    assert response.status_code == 403
    assert "You may see the budget “FY2031 France” but not spend from it." in (
        response.content.decode()
    )
    assert fresh(fy["fr"]).spent == D(1450)


def test_a_regional_allocation_is_sent_for_approval(tenants, fy):
    client = login(tenants, "emea-manager")
    html = detail_page(client, fy["emea"])
    assert 'id="allocate-form"' in html and "sent for approval" in html
    poland = tenants.unit("pl")
    response = client.post(
        f"/campaigns/budgets/{fy['emea'].pk}/allocate/",
        {"owner_unit": poland.pk, "amount": "2000", "name": "FY2031 Poland"},
        follow=True,
    )
    html = response.content.decode()
    assert "Sent for approval: 2,000.00 EUR for Poland waits for the managers of Acme Global." in (
        html
    )
    child = Budget.objects.get(owner_unit=poland, name="FY2031 Poland")
    assert child.amount == 0 and fresh(fy["emea"]).allocated == D(15000)
    request = ApprovalRequest.objects.get(target_id=str(child.pk), status="pending")
    assert f'data-id="pending-{request.pk}"' in row(html, f'data-id="budget-{child.pk}"')


def test_the_global_manager_allocates_at_once_within_what_is_left(tenants, fy):
    client = login(tenants, "global-manager")
    path = f"/campaigns/budgets/{fy['emea'].pk}/allocate/"
    poland = tenants.unit("pl")
    html = client.post(
        path, {"owner_unit": poland.pk, "amount": "2000", "name": "FY2031 Poland"}, follow=True
    ).content.decode()
    assert "Allocated 2,000.00 EUR to Poland." in html
    assert fresh(fy["emea"]).allocated == D(17000)
    too_much = client.post(path, {"owner_unit": tenants.unit("uk").pk, "amount": "30000"})
    assert too_much.status_code == 400
    assert "“FY2031 EMEA” (EMEA) has 23,000.00 EUR left" in too_much.content.decode()
    assert not Budget.objects.filter(owner_unit=tenants.unit("uk")).exists()


def test_a_local_unit_has_nothing_to_allocate(tenants, fy):
    client = login(tenants, "fr-admin")
    html = detail_page(client, fy["fr"])
    assert 'id="allocate-form"' not in html and 'id="children"' not in html
    response = client.post(
        f"/campaigns/budgets/{fy['fr'].pk}/allocate/",
        {"owner_unit": tenants.unit("de").pk, "amount": "1"},
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


# --- French ---------------------------------------------------------------------------


def test_the_pages_render_in_french(tenants, fy):
    client = login(tenants, "emea-viewer", HTTP_ACCEPT_LANGUAGE="fr")
    html = list_page(client)
    assert '<html lang="fr">' in html
    assert ">Campagnes</a>" in html  # the campaigns navigation, already translated
    fr_row = row(html, f'data-id="budget-{fy["fr"].pk}"')
    assert "10\xa0000,00 EUR" in fr_row and "1\xa0450,00 EUR" in fr_row
    # Bar widths stay CSS numbers whatever the language.
    assert widths(fr_row) == {"allocated": "0.00%", "spent": "14.50%", "remaining": "85.50%"}

    cookie = login(tenants, "fr-viewer")
    cookie.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = detail_page(cookie, fy["fr"])
    assert '<html lang="fr">' in html
    assert "500,00 USD" in html and '<td class="num">0,9</td>' in html
    assert 'style="left:65.00%;width:10.00%"' in html
