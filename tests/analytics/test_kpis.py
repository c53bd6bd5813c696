"""The KPI formulas against hand-computed figures, empty periods, and FX conversion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from analytics import kpis
from analytics.kpis import Inputs
from campaigns.models import FxRate

from .conftest import D


def test_pipeline_generated_is_the_sum_created():
    assert kpis.pipeline_generated(Inputs(pipeline_created=D("1234.567"))) == D("1234.57")
    assert kpis.pipeline_generated(Inputs()) == D("0.00")  # a sum: 0 in an empty period


def test_conversion_rate_divides_first_opportunities_by_the_selected_at_start():
    # 3 of 12 selected accounts got their first opportunity: 0.25
    assert kpis.conversion_rate(Inputs(first_opportunity_accounts=3, selected_at_start=12)) == D(
        "0.2500"
    )
    # 2 of 3: 0.6667 (rounded to 4 places)
    assert kpis.conversion_rate(Inputs(first_opportunity_accounts=2, selected_at_start=3)) == D(
        "0.6667"
    )


def test_conversion_rate_without_selected_accounts_is_undefined():
    assert kpis.conversion_rate(Inputs(first_opportunity_accounts=2, selected_at_start=0)) is None
    assert kpis.conversion_rate(Inputs()) is None


def test_sales_velocity_by_hand():
    # 10 open; 4 closed in P, 2 of them won for 30,000 and 10,000; cycles 30+60+90+60 days.
    # win rate 0.5, average won deal 20,000, average cycle 60 days:
    # 10 * 0.5 * 20,000 / 60 = 1,666.67 per day.
    inputs = Inputs(
        open_count=10, closed_count=4, won_count=2, won_amount=D(40_000), cycle_days_sum=240
    )
    assert kpis.sales_velocity(inputs) == D("1666.67")


def test_sales_velocity_with_closures_but_no_win_is_zero():
    inputs = Inputs(open_count=10, closed_count=3, won_count=0, cycle_days_sum=90)
    assert kpis.sales_velocity(inputs) == D("0.00")


@pytest.mark.parametrize(
    "inputs",
    [
        Inputs(open_count=10),  # nothing closed: no win rate, no cycle
        Inputs(open_count=5, closed_count=2, won_count=1, won_amount=D(100), cycle_days_sum=0),
        Inputs(),
    ],
)
def test_sales_velocity_is_undefined_without_a_cycle(inputs):
    assert kpis.sales_velocity(inputs) is None


def test_roi_by_hand():
    # won 15,000 for 5,000 spent: (15,000 - 5,000) / 5,000 = 2
    assert kpis.roi(Inputs(won_amount=D(15_000), spend=D(5_000))) == D("2.0000")
    # nothing won: -1 (all the spend lost)
    assert kpis.roi(Inputs(spend=D(300))) == D("-1.0000")
    # 1,000 won for 3,000 spent: -0.6667
    assert kpis.roi(Inputs(won_amount=D(1_000), spend=D(3_000))) == D("-0.6667")


def test_roi_without_spend_is_undefined():
    assert kpis.roi(Inputs(won_amount=D(15_000))) is None
    assert kpis.roi(Inputs()) is None


def test_engaged_accounts_is_the_count():
    assert kpis.engaged_accounts(Inputs(engaged_accounts=7)) == 7


def test_compute_returns_every_kpi_or_the_chosen_ones_and_never_raises_on_empty():
    assert kpis.compute(Inputs()) == {
        "pipeline_generated": D("0.00"),
        "conversion_rate": None,
        "sales_velocity": None,
        "roi": None,
        "engaged_accounts": 0,
    }
    assert list(kpis.compute(Inputs(), only=["roi", "engaged_accounts"])) == [
        "roi",
        "engaged_accounts",
    ]


def test_inputs_from_a_mapping_of_rollup_sums():
    inputs = Inputs.from_mapping(
        {"won_amount": "10.5", "won_count": D(2), "spend": None, "unknown": 3}
    )
    assert inputs == Inputs(won_amount=D("10.5"), won_count=2)


def test_a_region_ratio_comes_from_summed_inputs_not_averaged_ratios():
    # Team A: 1 of 2 converted (0.5); team B: 1 of 8 (0.125). Averaged: 0.3125. Right: 2/10.
    team_a = {"first_opportunity_accounts": 1, "selected_at_start": 2}
    team_b = {"first_opportunity_accounts": 1, "selected_at_start": 8}
    region = Inputs.from_mapping({k: team_a[k] + team_b[k] for k in team_a})
    assert kpis.conversion_rate(region) == D("0.2000")


# --- conversion ------------------------------------------------------------------------


def test_the_converter_uses_the_rate_of_each_amounts_day(tenants):
    root = tenants.unit("global")
    FxRate.objects.create(owner_unit=root, currency="USD", day=dt.date(2031, 1, 1), rate=D("0.9"))
    FxRate.objects.create(owner_unit=root, currency="USD", day=dt.date(2031, 2, 1), rate=D("0.8"))
    convert = kpis.Converter(tenants.unit("fr"))
    assert convert.currency == "EUR"
    assert convert(D(100), "USD", dt.date(2031, 1, 15)) == D("90.0000")
    assert convert(D(100), "USD", dt.date(2031, 2, 1)) == D("80.0000")
    assert convert(D(100), "EUR", dt.date(2031, 2, 1)) == D("100.0000")


def test_the_converter_refuses_a_currency_without_a_rate(tenants):
    convert = kpis.Converter(tenants.unit("fr"))
    with pytest.raises(ValidationError, match="No exchange rate from JPY to EUR"):
        convert(D(100), "JPY", dt.date(2031, 1, 15))
