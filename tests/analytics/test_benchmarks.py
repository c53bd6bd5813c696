"""Contextual benchmarks, hand-computed: blend, fallbacks, index, ranking, median.

Pipeline of 2031-Q2 (rollups entered directly) against the four quarters before it:

* fr: 1000, 2000, 3000 in 2030-Q3..2031-Q1 (nothing before: 2030-Q2 is not history),
  4000 now; emea's standard for fr 3000 → benchmark 0.5 x 2000 + 0.5 x 3000 = 2500,
  index 1.6;
* de: 1500 now, no history; standard 3000 → benchmark 3000, index 0.5;
* uk: 1000 in 2031-Q1, 2000 now, no standard → benchmark 1000, index 2;
* pl: nothing → value 0, no benchmark, no index.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from analytics import benchmarks
from analytics.models import DailyFact, MarketStandard
from analytics.reports import Period
from tests.analytics.conftest import D

Q2 = Period(dt.date(2031, 4, 1), dt.date(2031, 6, 30))
TODAY = dt.date(2031, 7, 15)


def fact(unit, day, value, name="pipeline_created"):
    DailyFact.objects.create(owner_unit=unit, day=day, name=name, value=D(value))


@pytest.fixture
def emea_data(tenants):
    u = tenants.unit
    fr, de, uk = u("fr"), u("de"), u("uk")
    for day, value in [
        (dt.date(2030, 8, 1), 1000),
        (dt.date(2030, 11, 1), 2000),
        (dt.date(2031, 2, 1), 3000),
        (dt.date(2031, 5, 1), 4000),
    ]:
        fact(fr, day, value)
    fact(de, dt.date(2031, 5, 2), 1500)
    fact(uk, dt.date(2031, 3, 1), 1000)
    fact(uk, dt.date(2031, 6, 30), 2000)
    for code, value in [("us", 500), ("br", 700), ("cn", 800), ("jp", 900)]:
        fact(u(code), dt.date(2031, 4, 15), value)
    for target in (fr, de):
        MarketStandard.objects.create(
            owner_unit=u("emea"),
            target_unit=target,
            kpi="pipeline_generated",
            value=D(3000),
            valid_from=dt.date(2031, 1, 1),
        )
    return tenants


def table(tenants, codes, **kwargs):
    units = [tenants.unit(c) for c in codes]
    result = benchmarks.benchmarks(
        DailyFact.objects.unrestricted(), units, Q2, ["pipeline_generated"], TODAY, **kwargs
    )
    return {u.code: result[u.pk]["pipeline_generated"] for u in units}


def test_blend_and_fallbacks_are_pure():
    half = Decimal("0.5")
    assert benchmarks.blend(D(2000), D(3000), half) == (D(2500), "history+standard")
    assert benchmarks.blend(D("0.1"), D("0.2"), D("0.25")) == (D("0.175"), "history+standard")
    assert benchmarks.blend(D(2000), None, half) == (D(2000), "history")
    assert benchmarks.blend(None, D(3000), half) == (D(3000), "standard")
    assert benchmarks.blend(None, None, half) == (None, "none")


def test_the_index_is_the_kpi_over_its_benchmark_when_defined():
    assert benchmarks.performance_index(D(4000), D(2500)) == D("1.6000")
    assert benchmarks.performance_index(D("0.1"), D("0.3")) == D("0.3333")
    assert benchmarks.performance_index(None, D(1)) is None
    assert benchmarks.performance_index(D(1), None) is None
    # A negative ROI history makes a meaningless yardstick: no index.
    assert benchmarks.performance_index(D("0.2"), D("-0.1")) is None
    assert benchmarks.performance_index(D("0.2"), D(0)) is None


def test_trailing_periods_follow_the_kind_of_period():
    quarters = benchmarks.trailing_periods(Q2, 4)
    assert [(p.start, p.end) for p in quarters] == [
        (dt.date(2030, 4, 1), dt.date(2030, 6, 30)),
        (dt.date(2030, 7, 1), dt.date(2030, 9, 30)),
        (dt.date(2030, 10, 1), dt.date(2030, 12, 31)),
        (dt.date(2031, 1, 1), dt.date(2031, 3, 31)),
    ]
    months = benchmarks.trailing_periods(Period(dt.date(2031, 3, 1), dt.date(2031, 3, 31)), 2)
    assert [(p.start, p.end) for p in months] == [
        (dt.date(2031, 1, 1), dt.date(2031, 1, 31)),
        (dt.date(2031, 2, 1), dt.date(2031, 2, 28)),
    ]
    days = benchmarks.trailing_periods(Period(dt.date(2031, 3, 11), dt.date(2031, 3, 20)), 1)
    assert [(p.start, p.end) for p in days] == [(dt.date(2031, 3, 1), dt.date(2031, 3, 10))]


def test_it_blends_history_with_the_standard_and_falls_back(emea_data):
    rows = table(emea_data, ["fr", "de", "uk", "pl"])
    fr = rows["fr"]
    assert (fr.value, fr.history, fr.history_periods, fr.standard) == (
        D(4000),
        D(2000),
        3,
        D(3000),
    )
    assert (fr.benchmark, fr.source, fr.index) == (D(2500), "history+standard", D("1.6"))
    de = rows["de"]
    assert (de.history, de.benchmark, de.source, de.index) == (None, D(3000), "standard", D("0.5"))
    uk = rows["uk"]
    assert (uk.history, uk.standard, uk.benchmark, uk.source, uk.index) == (
        D(1000),
        None,
        D(1000),
        "history",
        D(2),
    )
    pl = rows["pl"]
    assert (pl.value, pl.benchmark, pl.source, pl.index) == (D(0), None, "none", None)


@override_settings(ANALYTICS_BENCHMARK_HISTORY_WEIGHT=75, ANALYTICS_BENCHMARK_TRAILING_PERIODS=1)
def test_weight_and_trailing_length_are_settings(emea_data):
    fr = table(emea_data, ["fr"])["fr"]
    # Only 2031-Q1 (3000) is history: 0.75 x 3000 + 0.25 x 3000.
    assert (fr.history, fr.history_periods, fr.benchmark) == (D(3000), 1, D(3000))


def test_a_region_is_compared_with_its_own_history_only(emea_data):
    emea = table(emea_data, ["emea"])["emea"]
    # Trailing quarters 2030-Q3..2031-Q1: 1000, 2000, 3000 + 1000 (uk); now 7500.
    assert (emea.value, emea.history, emea.standard) == (D(7500), D(2333.33), None)
    assert (emea.source, emea.index) == ("history", D("3.2143"))


def test_ranking_by_index_shares_ties_and_skips_undefined():
    ranks = benchmarks.rank({1: D("1.6"), 2: D("0.5"), 3: D(2), 4: None, 5: D("1.6")})
    assert ranks == {3: 1, 1: 2, 5: 2, 2: 4, 4: None}


def test_the_global_median_covers_every_local_unit(emea_data):
    org = emea_data.unit("fr").organization_id
    median = benchmarks.global_medians(org, Q2, ["pipeline_generated"], TODAY)
    # 0 (pl), 500, 700, 800, 900, 1500, 2000, 4000 → (800 + 900) / 2
    assert median["pipeline_generated"] == benchmarks.Median(D(850), 8)
    assert benchmarks.position(D(4000), D(850)) == "above"
    assert benchmarks.position(D(0), D(850)) == "below"
    assert benchmarks.position(D(850), D(850)) == "at"
    assert benchmarks.position(None, D(850)) is None


@override_settings(ANALYTICS_MEDIAN_MIN_UNITS=9)
def test_no_median_over_too_few_units(emea_data):
    org = emea_data.unit("fr").organization_id
    median = benchmarks.global_medians(org, Q2, ["pipeline_generated"], TODAY)
    assert median["pipeline_generated"] == benchmarks.Median(None, 8)
