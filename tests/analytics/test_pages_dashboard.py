"""The analytics dashboard: consolidated KPIs with drill-down, the tree rule (never a
sibling's figures), charts, the heatmap, exports safe against formula injection, and
the French rendering."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import dashboard, reports
from analytics.models import DailyFact
from glocal.models import Membership

from .conftest import D


def login(tenants, username: str, **headers) -> Client:
    client = Client(**headers)
    client.force_login(tenants.user(username))
    return client


def page(client: Client, path: str = "/analytics/", status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def row(html: str, unit) -> str:
    """The drill-down row of a unit."""
    found = re.search(
        rf'<table class="list kpi-table".*?(<tr data-unit="{unit.pk}">.*?</tr>)', html, re.S
    )
    assert found, f"no drill-down row for {unit.code}"
    return found.group(1)


def cell(html: str, kpi: str) -> str:
    found = re.search(
        rf'data-kpi="{kpi}"[^>]*>(?:<span[^>]*>[^<]*</span> <strong[^>]*>)?([^<]*)<', html
    )
    assert found, f"no {kpi} cell"
    return found.group(1)


@pytest.fixture
def january(tenants):
    """Hand-made rollups: fr and de in January 2025 (and selections before it), and a
    December month for the trend charts."""
    fr, de, emea = tenants.unit("fr"), tenants.unit("de"), tenants.unit("emea")
    for unit, day, name, value in [
        (fr, dt.date(2024, 12, 15), "selected_net", 4),
        (de, dt.date(2024, 12, 15), "selected_net", 6),
        (fr, dt.date(2024, 12, 3), "pipeline_created", "250"),
        (fr, dt.date(2024, 12, 3), "spend", "100"),
        (fr, dt.date(2025, 1, 10), "pipeline_created", "1000"),
        (de, dt.date(2025, 1, 12), "pipeline_created", "500.50"),
        (fr, dt.date(2025, 1, 10), "opportunities_created", 3),
        (de, dt.date(2025, 1, 12), "opportunities_created", 2),
        (fr, dt.date(2025, 1, 10), "first_opportunity_accounts", 1),
        (de, dt.date(2025, 1, 12), "first_opportunity_accounts", 2),
        (fr, dt.date(2025, 1, 20), "closed_count", 1),
        (fr, dt.date(2025, 1, 20), "won_count", 1),
        (fr, dt.date(2025, 1, 20), "won_amount", "600"),
        (fr, dt.date(2025, 1, 20), "cycle_days_sum", 10),
        (de, dt.date(2025, 1, 25), "closed_count", 1),
        (de, dt.date(2025, 1, 25), "cycle_days_sum", 30),
        (fr, dt.date(2025, 1, 5), "spend", "200"),
        (emea, dt.date(2025, 1, 5), "spend", "100"),
        (fr, dt.date(2025, 1, 31), "engaged_accounts", 2),
        (de, dt.date(2025, 1, 31), "engaged_accounts", 1),
    ]:
        DailyFact.objects.create(owner_unit=unit, day=day, name=name, value=D(value))


# --- the page -------------------------------------------------------------------------


def test_a_region_sees_its_consolidated_kpis_and_drills_down(tenants, january):
    emea, fr, de = tenants.unit("emea"), tenants.unit("fr"), tenants.unit("de")
    html = page(login(tenants, "emea-viewer"), "/analytics/?month=2025-01")
    assert f'<h1 data-unit="{emea.pk}">' in html
    kpis = html[html.index('id="kpis"') : html.index('id="exports"')]
    # The same figures as the API's (3 open x 1/2 won x 600 / 20 days; 3/10; (600-300)/300).
    assert cell(kpis, "pipeline_generated") == "1,500.50 EUR"
    assert cell(kpis, "conversion_rate") == "30.0 %"
    assert cell(kpis, "sales_velocity") == "45.00 EUR / day"
    assert cell(kpis, "roi") == "100.0 %"
    assert cell(kpis, "engaged_accounts") == "3"
    fr_row, de_row = row(html, fr), row(html, de)
    assert f'href="/analytics/unit/{fr.pk}/?period=month&amp;month=2025-01"' in fr_row
    assert cell(fr_row, "pipeline_generated") == "1,000.00 EUR"
    assert cell(fr_row, "sales_velocity") == "120.00 EUR / day"
    assert cell(de_row, "roi") == "—"  # no spend: not defined
    assert cell(de_row, "sales_velocity") == "0.00 EUR / day"


def test_the_page_reads_the_same_report_as_the_api(tenants, january, monkeypatch):
    calls = []
    original = reports.kpi_report

    def spy(user, unit, period, only=None):
        calls.append((unit.code, period))
        return original(user, unit, period, only)

    monkeypatch.setattr(reports, "kpi_report", spy)
    page(login(tenants, "emea-viewer"), "/analytics/?month=2025-01")
    assert calls == [("emea", reports.Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31)))]


def test_a_local_user_sees_only_its_own_unit(tenants, january):
    fr, de, emea = tenants.unit("fr"), tenants.unit("de"), tenants.unit("emea")
    html = page(login(tenants, "fr-viewer"), "/analytics/?month=2025-01")
    assert f'<h1 data-unit="{fr.pk}">' in html
    assert f'data-unit="{de.pk}"' not in html and "Germany" not in html
    assert "500.50" not in html and "1,500.50" not in html  # neither de's nor EMEA's sum
    assert cell(html, "pipeline_generated") == "1,000.00 EUR"
    # The breadcrumb names the ancestors but links none (their figures include others).
    crumbs = html[html.index('class="breadcrumb"') : html.index("</nav>", html.index("breadcrumb"))]
    assert f'data-crumb="{emea.pk}"' in crumbs and "href" not in crumbs


def test_the_dashboard_follows_the_unit_switcher(tenants, january):
    fr, uk = tenants.unit("fr"), tenants.unit("uk")
    user = tenants.user("fr-viewer")
    Membership.objects.create(user=user, unit=uk, role="viewer")
    client = login(tenants, "fr-viewer")
    assert f'<h1 data-unit="{fr.pk}">' in page(client, "/analytics/?month=2025-01")
    client.post("/unit/switch/", {"unit": uk.pk, "next": "/analytics/"})
    html = page(client, "/analytics/?month=2025-01")
    assert f'<h1 data-unit="{uk.pk}">' in html
    assert cell(html, "pipeline_generated") == "0.00 EUR"


def test_a_sibling_or_another_organisation_gets_404_an_ancestor_403(tenants, january):
    fr, de, emea = tenants.unit("fr"), tenants.unit("de"), tenants.unit("emea")
    client = login(tenants, "fr-admin")
    page(client, f"/analytics/unit/{fr.pk}/", 200)
    page(client, f"/analytics/unit/{de.pk}/", 404)
    html = page(client, f"/analytics/unit/{emea.pk}/", 403)
    assert "500.50" not in html
    page(client, f"/analytics/unit/{tenants.unit('fr', org='globex').pk}/", 404)
    page(client, "/analytics/unit/99999999/", 404)
    page(login(tenants, "globex-fr-admin"), f"/analytics/unit/{fr.pk}/", 404)
    anonymous = Client().get(f"/analytics/unit/{fr.pk}/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_a_region_opens_a_team_and_goes_back_up(tenants, january):
    fr, emea = tenants.unit("fr"), tenants.unit("emea")
    client = login(tenants, "emea-viewer")
    html = page(client, f"/analytics/unit/{fr.pk}/?month=2025-01")
    assert f'<h1 data-unit="{fr.pk}">' in html
    assert cell(html, "pipeline_generated") == "1,000.00 EUR"
    assert f'<a href="/analytics/unit/{emea.pk}/?period=month&amp;month=2025-01"' in html
    root = emea.parent
    assert f'<span data-crumb="{root.pk}"' in html  # the root: named, not linked


def test_the_default_period_is_the_current_quarter(tenants):
    today = timezone.localdate()
    html = page(login(tenants, "fr-viewer"))
    quarter = dashboard.current_quarter(today)
    assert f'name="quarter" value="{quarter}"' in html
    period = reports.check_period(quarter=quarter)
    assert f"from {period.start.isoformat()} to {period.end.isoformat()}" in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("quarter=2031-Q5", "quarter"),
        ("month=march", "month"),
        ("period=custom&start=2031-02-01&end=2031-01-01", "end"),
        ("period=custom&start=2031-02-30&end=2031-03-01", "start"),
        ("period=custom", "start"),
        ("period=weekly", "period"),
        ("month=2031-01&quarter=2031-Q1", "period"),
        ("metric=size", "metric"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_field(tenants, query, field):
    html = page(login(tenants, "fr-viewer"), f"/analytics/?{query}", 400)
    assert f'<li class="error" data-field="{field}">' in html


def test_the_form_picks_one_way_of_naming_the_period(tenants, january):
    # The form sends every field; the chosen kind decides which ones count.
    html = page(
        login(tenants, "fr-viewer"),
        "/analytics/?period=custom&quarter=2031-Q1&month=2031-02&start=2025-01-01&end=2025-01-15",
    )
    assert "from 2025-01-01 to 2025-01-15" in html
    assert cell(html, "pipeline_generated") == "1,000.00 EUR"


def test_the_first_months_of_the_calendar_do_not_break_the_charts(tenants):
    html = page(login(tenants, "fr-viewer"), "/analytics/?month=0001-03")
    assert html.count("<rect ") == 3


def test_a_user_acting_for_no_unit_is_told_so(tenants):
    html = page(login(tenants, "ops"))
    assert 'id="no-unit"' in html


def test_the_navigation_links_to_the_dashboard(tenants):
    html = page(login(tenants, "fr-viewer"), "/campaigns/")
    assert '<a href="/analytics/">Analytics</a>' in html


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_units_below(tenants, january):
    """Rollups only, grouped: four queries per period read (the period and twelve
    months), none per child unit."""
    counts = {}
    for username in ("fr-viewer", "emea-viewer", "global-viewer"):
        client = login(tenants, username)
        page(client, "/analytics/?month=2025-01")  # session and caches warm
        with CaptureQueriesContext(connection) as queries:
            page(client, "/analytics/?month=2025-01")
        counts[username] = len(queries.captured_queries)
    assert len(set(counts.values())) == 1, counts
    assert counts["global-viewer"] <= 4 * 13 + 15, counts


# --- charts and heatmap ---------------------------------------------------------------


def test_trend_charts_cover_twelve_months_with_a_table_of_the_figures(tenants, january):
    html = page(login(tenants, "fr-viewer"), "/analytics/?month=2025-01")
    chart = html[html.index('id="chart-pipeline_generated"') : html.index("</figure>")]
    assert '<svg viewBox="0 0 600 176" role="img"' in chart and "<title id=" in chart
    assert chart.count("<rect ") == 12  # February 2024 … January 2025
    assert "<title>December 2024: 250.00 EUR</title>" in chart
    assert "<title>January 2025: 1,000.00 EUR</title>" in chart
    # January's bar is four times December's, both standing on the zero line.
    heights = dict(re.findall(r'height="([\d.]+)" class="positive"><title>(\w+ \d{4})', chart))
    by_month = {month: float(h) for h, month in heights.items()}
    assert by_month["January 2025"] == pytest.approx(4 * by_month["December 2024"])
    assert '<th scope="row">December 2024</th><td class="num">250.00 EUR</td>' in chart
    # December's ROI is -100 %: a bar below the zero line; an undefined month draws none.
    roi = html[html.index('id="chart-roi"') :]
    roi = roi[: roi.index("</figure>")]
    assert '<rect x="' in roi and 'class="negative"><title>December 2024: -100.0 %' in roi
    assert roi.count("<rect ") == 2


def test_the_heatmap_shades_each_column_from_low_to_high(tenants, january):
    fr, de = tenants.unit("fr"), tenants.unit("de")
    html = page(login(tenants, "emea-viewer"), "/analytics/?month=2025-01")
    heat = html[html.index('id="heatmap"') :]
    fr_row = re.search(rf'<tr data-unit="{fr.pk}">.*?</tr>', heat, re.S).group(0)
    de_row = re.search(rf'<tr data-unit="{de.pk}">.*?</tr>', heat, re.S).group(0)

    def shade(html: str, kpi: str) -> str:
        return re.search(rf'data-kpi="{kpi}" style="background:([^"]+)"', html).group(1)

    # Pipeline: fr has the column's highest value, the empty units the lowest.
    assert shade(fr_row, "pipeline_generated") == "rgba(31,95,191,0.70)"
    assert shade(de_row, "pipeline_generated") > "rgba(31,95,191,0.08)"
    # Conversion: de (2/6) above fr (1/4).
    assert shade(de_row, "conversion_rate") == "rgba(31,95,191,0.70)"
    assert shade(fr_row, "conversion_rate") == "rgba(31,95,191,0.08)"
    # An undefined value is not shaded.
    assert 'data-kpi="roi">—</td>' in de_row


def test_the_heatmap_takes_another_metric(tenants, january, monkeypatch):
    """Where the performance index plugs in: any metric with values per unit and KPI."""
    fr = tenants.unit("fr")
    monkeypatch.setitem(
        dashboard.HEATMAP_METRICS,
        "index",
        dashboard.HeatmapMetric(
            "index",
            "Performance index",
            lambda source: {
                c["unit"]["id"]: {"roi": D("1.25") if c["unit"]["code"] == "fr" else D("0.5")}
                for c in source.report["children"]
            },
            display="index",
        ),
    )
    html = page(login(tenants, "emea-viewer"), "/analytics/?month=2025-01&metric=index")
    heat = html[html.index("Heatmap of the units below") :]
    assert 'data-metric="index"' in heat and "Performance index" in heat
    fr_row = re.search(rf'<tr data-unit="{fr.pk}">.*?</tr>', heat, re.S).group(0)
    assert 'data-kpi="roi" style="background:rgba(31,95,191,0.70)">1.25</td>' in fr_row
    assert "&amp;metric=index" in html  # drill-down links keep the metric


def test_the_heatmap_shades_the_performance_index(tenants, january):
    """The built-in index metric: fr's January pipeline (1,000) against its own history
    (December: 250) is 4x its benchmark; de has no history to compare with."""
    fr, de = tenants.unit("fr"), tenants.unit("de")
    html = page(login(tenants, "emea-viewer"), "/analytics/?month=2025-01&metric=index")
    heat = html[html.index("Heatmap of the units below") :]
    assert 'data-metric="index"' in heat
    fr_row = re.search(rf'<tr data-unit="{fr.pk}">.*?</tr>', heat, re.S).group(0)
    de_row = re.search(rf'<tr data-unit="{de.pk}">.*?</tr>', heat, re.S).group(0)
    assert re.search(r'data-kpi="pipeline_generated"[^>]*>4(\.0+)?</td>', fr_row), fr_row
    assert 'data-kpi="pipeline_generated">—</td>' in de_row


# --- exports --------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def _xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_exports_hold_the_unit_and_its_children(tenants, january):
    emea = tenants.unit("emea")
    client = login(tenants, "emea-viewer")
    response = client.get(f"/analytics/export.csv?unit={emea.pk}&month=2025-01")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="kpis-emea-2025-01-01-2025-01-31.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:4] == ["Unit code", "Unit", "Tier", "Row"]
    by_code = {r[0]: r for r in rows[1:]}
    assert rows[1][0] == "emea" and rows[1][3] == "consolidated"
    assert rows[1][7:] == ["1500.50", "0.3000", "45.00", "1.0000", "3"]
    assert by_code["fr"][3] == "drill-down" and by_code["fr"][7] == "1000.00"
    assert by_code["de"][10] == ""  # ROI not defined

    response = client.get(f"/analytics/export.xlsx?unit={emea.pk}&month=2025-01")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = _xlsx(response)
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    assert cells[0][7] == "Pipeline generated"
    assert cells[1][:4] == ["emea", "EMEA", "REGION", "consolidated"]
    assert cells[1][7] == pytest.approx(1500.50) and cells[1][11] == 3
    assert len(cells) == len(rows)


def test_exports_default_to_the_current_unit_and_follow_the_tree_rule(tenants, january):
    client = login(tenants, "fr-viewer")
    rows = _csv(client.get("/analytics/export.csv?month=2025-01"))
    assert [r[0] for r in rows[1:]] == ["fr"]
    for suffix in ("csv", "xlsx"):
        path = f"/analytics/export.{suffix}?month=2025-01&unit="
        assert client.get(path + str(tenants.unit("de").pk)).status_code == 404
        assert client.get(path + str(tenants.unit("emea").pk)).status_code == 403
        assert client.get(path + str(tenants.unit("fr", org="globex").pk)).status_code == 404
        for bad in ("abc", "0", "²", "99999999999999999999"):
            assert client.get(path + bad).status_code == 400, bad
        bad = client.get(f"/analytics/export.{suffix}?quarter=2031-Q9")
        assert bad.status_code == 400 and b"quarter" in bad.content
        assert Client().get(path).status_code == 302


def test_exports_neutralise_formula_injection(tenants, january):
    fr = tenants.unit("fr")
    fr.name = '=HYPERLINK("http://evil.example","click")'
    fr.save(update_fields=["name"])
    client = login(tenants, "emea-viewer")
    query = f"?unit={tenants.unit('emea').pk}&month=2025-01"
    rows = _csv(client.get(f"/analytics/export.csv{query}"))
    names = {r[0]: r[1] for r in rows[1:]}
    assert names["fr"] == "'" + fr.name
    # A negative figure is escaped too in CSV (a leading "-" may start a formula).
    assert all(not value.startswith(("=", "+", "-", "@")) for r in rows for value in r)

    sheet = _xlsx(client.get(f"/analytics/export.xlsx{query}"))
    for sheet_row in sheet.iter_rows(min_row=2):
        assert all(c.data_type != "f" for c in sheet_row)
    fr_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "fr")
    assert fr_row[1].value == "'" + fr.name and fr_row[1].data_type == "s"


def test_exports_are_linked_from_the_page(tenants, january):
    emea = tenants.unit("emea")
    html = page(login(tenants, "emea-viewer"), "/analytics/?month=2025-01")
    query = f"period=month&amp;month=2025-01&amp;unit={emea.pk}"
    assert f'href="/analytics/export.csv?{query}"' in html
    assert f'href="/analytics/export.xlsx?{query}"' in html


# --- French ---------------------------------------------------------------------------


def test_the_dashboard_renders_in_french(tenants, january):
    client = login(tenants, "emea-viewer", HTTP_ACCEPT_LANGUAGE="fr")
    html = page(client, "/analytics/?month=2025-01")
    assert '<html lang="fr">' in html
    assert '<a href="/analytics/">Analyses</a>' in html
    assert "Unité" in html and "Période" in html
    assert cell(html, "pipeline_generated") == "1\xa0500,50 EUR"
    assert cell(html, "conversion_rate") == "30,0 %"
    # Chart coordinates and heatmap shades stay CSS/SVG numbers whatever the language.
    assert re.search(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"', html)
    assert "rgba(31,95,191,0.70)" in html

    cookie = login(tenants, "fr-viewer")
    cookie.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = page(cookie, "/analytics/?month=2025-01")
    assert '<html lang="fr">' in html and "1\xa0000,00 EUR" in html
