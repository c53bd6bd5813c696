"""Budgets and spend: FX conversion, allocations within parents, the spend cap,
idempotent spend, touch charges, guideline report and the RACI on allocation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from campaigns import budgets
from campaigns.budgets import OverBudget
from campaigns.models import Budget, Spend
from governance import approvals
from governance.models import ApprovalRequest

from .budget_helpers import FY_END, FY_START, D, fresh, rate, tree
from .conftest import START, make_account, make_campaign

DAY = dt.date(2031, 3, 10)


def spend(user, budget, amount, **fields):
    fields.setdefault("kind", "event")
    fields.setdefault("spent_on", DAY)
    return budgets.record_spend(user, budget, amount_local=D(amount), **fields)


# --- FX ------------------------------------------------------------------------------


def test_it_converts_with_the_latest_rate_on_or_before_the_day(tenants):
    rate(tenants, "USD", dt.date(2031, 3, 1), "0.90")
    rate(tenants, "USD", dt.date(2031, 3, 8), "0.92")
    rate(tenants, "USD", dt.date(2031, 3, 20), "0.95")
    fr = tenants.unit("fr")
    assert budgets.convert(fr, D(100), "USD", dt.date(2031, 3, 1)) == D("90.0000")
    assert budgets.convert(fr, D(100), "USD", DAY) == D("92.0000")
    assert budgets.convert(fr, D(100), "USD", dt.date(2031, 12, 1)) == D("95.0000")


def test_the_organisation_currency_converts_at_1(tenants):
    assert budgets.convert(tenants.unit("fr"), D("12.34"), "EUR", DAY) == D("12.34")


def test_a_missing_rate_names_the_currency_and_the_day(tenants):
    rate(tenants, "USD", dt.date(2031, 3, 20), "0.95")  # only after the day
    with pytest.raises(ValidationError) as exc:
        budgets.convert(tenants.unit("fr"), D(100), "USD", DAY)
    assert exc.value.message_dict["currency"] == [
        "No exchange rate from USD to EUR on or before 2031-03-10; enter one first."
    ]


def test_rates_are_the_organisations_own(tenants):
    """Globex's rates never convert Acme's money."""
    from campaigns.models import FxRate

    FxRate.objects.create(
        owner_unit=tenants.unit("global", "globex"), currency="GBP", day=DAY, rate=D("1.2")
    )
    with pytest.raises(ValidationError):
        budgets.convert(tenants.unit("fr"), D(1), "GBP", DAY)
    assert budgets.convert(tenants.unit("fr", "globex"), D(1), "GBP", DAY) == D("1.2")


def test_only_the_roots_admins_keep_rates(tenants):
    row, created = budgets.set_fx_rate(
        tenants.user("global-admin"), tenants.unit("global"), "GBP", DAY, D("1.17")
    )
    assert created and row.owner_unit == tenants.unit("global")
    row, created = budgets.set_fx_rate(
        tenants.user("global-admin"), tenants.unit("fr"), "GBP", DAY, D("1.18")
    )
    assert not created and row.rate == D("1.18")
    with pytest.raises(PermissionDenied):
        budgets.set_fx_rate(tenants.user("emea-admin"), tenants.unit("global"), "GBP", DAY, 1)
    with pytest.raises(ValidationError) as exc:
        budgets.set_fx_rate(tenants.user("global-admin"), tenants.unit("global"), "EUR", DAY, 1)
    assert "always converts at 1" in exc.value.message_dict["currency"][0]
    with pytest.raises(ValidationError) as exc:
        budgets.set_fx_rate(tenants.user("global-admin"), tenants.unit("global"), "XXY", DAY, 1)
    assert "currency" in exc.value.message_dict


# --- allocation ----------------------------------------------------------------------


def test_allocations_fill_the_parent_and_never_exceed_it(tenants):
    b = tree(tenants, world=1000, emea=600, fr=200)
    assert fresh(b["global"]).allocated == D(600)
    assert fresh(b["emea"]).allocated == D(200)
    manager = tenants.user("global-manager")
    de = budgets.allocate(manager, b["emea"], tenants.unit("de"), D(400))
    assert fresh(b["emea"]).remaining == D(0) and de.amount == D(400)

    with pytest.raises(OverBudget) as exc:
        budgets.allocate(manager, b["emea"], tenants.unit("uk"), D("0.01"))
    assert exc.value.messages == [
        "“FY2031 EMEA” (EMEA) has 0.00 EUR left (amount 600.00 EUR, allocated 600.00 EUR, "
        "spent 0.00 EUR); 0.01 EUR cannot be allocated from it."
    ]
    assert not Budget.objects.filter(owner_unit=tenants.unit("uk")).exists()  # no partial write


def test_raising_a_child_takes_from_the_parent_and_lowering_gives_back(tenants):
    b = tree(tenants, world=1000, emea=600, fr=200)
    manager = tenants.user("global-manager")
    budgets.set_amount(manager, b["fr"], D(500))
    assert fresh(b["emea"]).allocated == D(500)
    with pytest.raises(OverBudget, match=r"100.00 EUR left"):
        budgets.set_amount(manager, b["fr"], D(601))
    budgets.set_amount(manager, b["fr"], D(50))
    assert (fresh(b["fr"]).amount, fresh(b["emea"]).allocated) == (D(50), D(50))


def test_a_budget_cannot_go_below_what_it_allocated_and_spent(tenants):
    b = tree(tenants, world=1000, emea=600, fr=200)
    spend(tenants.user("fr-marketer"), b["fr"], 150)
    manager = tenants.user("global-manager")
    with pytest.raises(ValidationError) as exc:
        budgets.set_amount(manager, b["fr"], D(149))
    assert exc.value.message_dict["amount"] == [
        "“FY2031 France” has already allocated 0.00 EUR and spent 150.00 EUR; its amount "
        "cannot go below 150.00 EUR."
    ]
    with pytest.raises(ValidationError, match=r"cannot go below 200.00"):
        budgets.set_amount(manager, b["emea"], D(199))
    budgets.set_amount(manager, b["fr"], D(150))
    assert fresh(b["fr"]).remaining == D(0)


def test_children_belong_to_child_units_within_the_parents_period(tenants):
    b = tree(tenants)
    manager = tenants.user("global-manager")
    with pytest.raises(ValidationError) as exc:
        budgets.allocate(manager, b["global"], tenants.unit("fr"), D(1))  # fr is not a region
    assert "owner_unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        budgets.allocate(manager, b["emea"], tenants.unit("de"), D(1), ends_on=dt.date(2032, 1, 31))
    assert exc.value.message_dict["starts_on"] == [
        "The period must lie within “FY2031 EMEA” (2031-01-01 to 2031-12-31)."
    ]
    with pytest.raises(ValidationError) as exc:
        budgets.allocate(manager, None, tenants.unit("emea"), D(1), name="x",
                         starts_on=FY_START, ends_on=FY_END)  # fmt: skip
    assert "parent" in exc.value.message_dict


def test_guidelines_are_checked(tenants):
    b = tree(tenants)
    manager = tenants.user("global-manager")
    for bad, message in [
        (["email"], "Guidelines map a channel"),
        ({"fax": 0.2}, "Unknown channels: fax."),
        ({"email": 1.2}, "A share is a number from 0 to 1."),
        ({"email": "lots"}, "A share is a number from 0 to 1."),
        ({"email": 0.7, "ads": 0.5}, "add up to more than 1"),
    ]:
        with pytest.raises(ValidationError) as exc:
            budgets.configure(manager, b["emea"], guidelines=bad)
        assert message in exc.value.message_dict["guidelines"][0], bad
    budgets.configure(manager, b["emea"], guidelines={"email": 0.5, "events": 0.5})
    assert fresh(b["fr"]).effective_guidelines()[2] == b["emea"]


# --- governance ----------------------------------------------------------------------


def test_a_regional_allocation_waits_for_the_global_managers(tenants):
    b = tree(tenants, world=1000, emea=600, fr=0)
    request = budgets.allocate(tenants.user("emea-manager"), b["emea"], tenants.unit("de"), D(300))
    assert isinstance(request, ApprovalRequest) and request.is_pending
    assert request.owner_unit == tenants.unit("global")
    assert request.title == "Set the budget “FY2031 EMEA” (Germany) to 300.00 EUR"
    de = Budget.objects.get(owner_unit=tenants.unit("de"))
    assert de.amount == D(0) and fresh(b["emea"]).allocated == D(0)

    approvals.decide(request, tenants.user("global-manager"), approve=True)
    assert fresh(de).amount == D(300) and fresh(b["emea"]).allocated == D(300)

    approvals.withdraw(request, tenants.user("global-manager"), comment="Too early")
    assert fresh(de).amount == D(0) and fresh(b["emea"]).allocated == D(0)


def test_an_approval_rechecks_what_the_parent_has_left(tenants):
    b = tree(tenants, world=1000, emea=600, fr=0)
    request = budgets.allocate(tenants.user("emea-manager"), b["emea"], tenants.unit("de"), D(500))
    budgets.set_amount(tenants.user("global-manager"), b["fr"], D(200))
    with pytest.raises(OverBudget, match=r"400.00 EUR left"):
        approvals.decide(request, tenants.user("global-manager"), approve=True)
    request.refresh_from_db()
    assert request.is_pending


@pytest.mark.parametrize("username", ["fr-manager", "de-admin", "emea-viewer", "globex-fr-admin"])
def test_consulted_sideways_viewers_and_outsiders_may_not_allocate(tenants, username):
    b = tree(tenants)
    with pytest.raises((PermissionDenied, ValidationError)):
        budgets.set_amount(tenants.user(username), b["fr"], D(1))
    with pytest.raises((PermissionDenied, ValidationError)):
        budgets.configure(tenants.user(username), b["fr"], name="Mine")
    assert fresh(b["fr"]).amount == D(10_000)


# --- spend ---------------------------------------------------------------------------


def test_spend_converts_local_currency_and_prices_ads(tenants):
    b = tree(tenants)
    rate(tenants, "GBP", dt.date(2031, 1, 1), "1.15")
    marketer = tenants.user("fr-marketer")
    cpm = budgets.record_spend(
        marketer, b["fr"], kind="cpm", quantity=250_000, unit_price=D("4.20"),
        currency="GBP", channel="ads", spent_on=DAY,
    ).spend  # fmt: skip
    assert (cpm.amount_local, cpm.fx_rate, cpm.amount) == (D(1050), D("1.15"), D("1207.5"))
    assert cpm.owner_unit == tenants.unit("fr") and cpm.created_by == marketer
    cpc = budgets.record_spend(
        marketer, b["fr"], kind="cpc", quantity=300, unit_price=D("1.10"), channel="ads",
        spent_on=DAY,
    ).spend  # fmt: skip
    assert (cpc.currency, cpc.amount) == ("EUR", D(330))
    assert fresh(b["fr"]).spent == D("1537.5")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "cpm", "unit_price": D(4)}, "quantity"),
        ({"kind": "cpc", "quantity": 10}, "unit_price"),
        (
            {"kind": "cpc", "quantity": 10, "unit_price": D(1), "amount_local": D(11)},
            "amount_local",
        ),
        ({"kind": "event"}, "amount_local"),
        ({"kind": "event", "amount_local": D(0)}, "amount_local"),
        ({"kind": "event", "amount_local": D(5), "currency": "EURO"}, "currency"),
        ({"kind": "event", "amount_local": D(5), "currency": "USD"}, "currency"),  # no rate
        ({"kind": "event", "amount_local": D(5), "spent_on": dt.date(2032, 1, 1)}, "spent_on"),
        ({"kind": "event", "amount_local": D(5), "channel": "fax"}, "channel"),
        ({"kind": "bribe", "amount_local": D(5)}, "kind"),
    ],
)
def test_bad_spend_is_refused_naming_the_field(tenants, fields, field):
    b = tree(tenants)
    fields.setdefault("spent_on", DAY)
    with pytest.raises(ValidationError) as exc:
        budgets.record_spend(tenants.user("fr-marketer"), b["fr"], **fields)
    assert field in exc.value.message_dict
    assert not Spend.objects.exists() and fresh(b["fr"]).spent == 0


def test_the_cap_is_never_exceeded(tenants):
    b = tree(tenants, fr=1000)
    marketer = tenants.user("fr-marketer")
    spend(marketer, b["fr"], 600)
    budgets.set_amount(tenants.user("global-manager"), b["emea"], D(30_000))
    with pytest.raises(OverBudget) as exc:
        spend(marketer, b["fr"], "400.01")
    assert exc.value.messages == [
        "Over budget: “FY2031 France” (France) is capped at 1,000.00 EUR and has 400.00 EUR "
        "left; this spend of 400.01 EUR would exceed it."
    ]
    assert exc.value.code == "budget_exhausted"
    spend(marketer, b["fr"], 400)
    assert fresh(b["fr"]).remaining == 0 and Spend.objects.count() == 2


def test_spend_on_a_parent_uses_what_it_has_not_allocated(tenants):
    b = tree(tenants, world=1000, emea=600, fr=200)
    with pytest.raises(OverBudget, match=r"400.00 EUR left"):
        spend(tenants.user("emea-marketer"), b["emea"], 401)
    spend(tenants.user("emea-marketer"), b["emea"], 400)
    with pytest.raises(OverBudget, match=r"has 0.00 EUR left"):
        budgets.allocate(tenants.user("global-manager"), b["emea"], tenants.unit("de"), D(1))


def test_the_database_refuses_an_overspent_budget(tenants):
    b = tree(tenants, fr=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=b["fr"].pk).update(spent=D(101))


def test_the_same_external_key_records_one_spend(tenants):
    b = tree(tenants)
    marketer = tenants.user("fr-marketer")
    first = spend(marketer, b["fr"], 100, external_key="invoice-42")
    again = spend(marketer, b["fr"], 100, external_key="invoice-42")
    assert first.created and not again.created and again.spend == first.spend
    assert fresh(b["fr"]).spent == D(100) and Spend.objects.count() == 1


def test_who_may_spend(tenants):
    b = tree(tenants)
    with pytest.raises(PermissionDenied):
        spend(tenants.user("fr-viewer"), b["fr"], 1)
    for outsider in ("de-admin", "globex-fr-admin"):
        with pytest.raises(ValidationError):
            spend(tenants.user(outsider), b["fr"], 1)
    spend(tenants.user("emea-marketer"), b["fr"], 1)  # from above is fine


def test_spend_for_a_campaign_must_be_on_its_unit_and_budget(tenants, playbook):
    b = tree(tenants)
    de = make_campaign(tenants, "de", playbook, [make_account(tenants.unit("de"), country="DE")])
    with pytest.raises(ValidationError) as exc:
        spend(tenants.user("global-marketer"), b["fr"], 5, campaign=de)
    assert "campaign" in exc.value.message_dict


# --- touches -------------------------------------------------------------------------


@pytest.fixture
def funded(tenants, playbook):
    b = tree(tenants, fr=10)
    account = make_account(tenants.unit("fr"), country="FR")
    campaign = make_campaign(tenants, "fr", playbook, [account])
    campaign.budget = b["fr"]
    campaign.touch_costs = {"linkedin": 4, "email": 0}
    campaign.full_clean()
    campaign.save()
    return campaign


def test_a_touch_is_charged_once_and_refused_over_the_cap(tenants, funded):
    when = dt.datetime(2031, 1, 6, 9, tzinfo=dt.UTC)
    first = budgets.charge_touch(funded, "linkedin", "c1-s1-p1", when)
    assert first.amount == D(4) and first.kind == "touch" and first.campaign == funded
    assert budgets.charge_touch(funded, "linkedin", "c1-s1-p1", when) == first
    assert budgets.charge_touch(funded, "email", "c1-s0-p1", when) is None  # costs nothing
    assert budgets.charge_touch(funded, "wechat", "c1-s2-p1", when) is None  # no price
    budgets.charge_touch(funded, "linkedin", "c1-s1-p2", when)
    with pytest.raises(OverBudget) as exc:
        budgets.charge_touch(funded, "linkedin", "c1-s1-p3", when)
    assert exc.value.code == "budget_exhausted"
    assert fresh(funded.budget).spent == D(8) and Spend.objects.count() == 2


def test_a_touch_outside_the_budget_period_is_refused(tenants, funded):
    with pytest.raises(OverBudget) as exc:
        budgets.charge_touch(funded, "linkedin", "k", dt.datetime(2032, 1, 2, tzinfo=dt.UTC))
    assert exc.value.code == "budget_period"


def test_a_touch_without_budget_costs_nothing(tenants, playbook):
    campaign = make_campaign(
        tenants, "fr", playbook, [make_account(tenants.unit("fr"), country="FR")]
    )
    assert budgets.charge_touch(campaign, "email", "k", dt.datetime.now(dt.UTC)) is None


def test_campaign_budget_and_touch_costs_are_validated(tenants, funded):
    b = {budget.owner_unit.code: budget for budget in Budget.objects.all()}
    funded.budget = b["global"]  # an ancestor's budget is allowed
    funded.full_clean()
    de = budgets.allocate(tenants.user("global-manager"), b["emea"], tenants.unit("de"), D(1))
    for budget, costs, field in [
        (de, {}, "budget"),  # a sibling's budget
        (b["fr"], {"fax": 1}, "touch_costs"),
        (b["fr"], {"ads": -1}, "touch_costs"),
        (b["fr"], {"ads": "free"}, "touch_costs"),
        (b["fr"], [1], "touch_costs"),
    ]:
        funded.budget, funded.touch_costs = budget, costs
        with pytest.raises(ValidationError) as exc:
            funded.full_clean()
        assert field in exc.value.message_dict, (budget, costs)
    funded.budget, funded.touch_costs = b["fr"], {}
    funded.ends_on = START.replace(year=2032)
    with pytest.raises(ValidationError, match="window must lie within"):
        funded.full_clean()


# --- guidelines ----------------------------------------------------------------------


def test_the_guideline_report_flags_channels_outside_the_tolerance(tenants):
    b = tree(tenants)
    manager = tenants.user("global-manager")
    budgets.configure(
        manager,
        b["emea"],
        guidelines={"events": 0.5, "ads": 0.3, "email": 0.2},
        tolerance=D("0.05"),
    )
    assert budgets.guideline_report(b["fr"])["channels"][0]["outside"] is False  # nothing spent
    marketer = tenants.user("fr-marketer")
    spend(marketer, b["fr"], 520, channel="events")
    spend(marketer, b["fr"], 380, channel="ads")
    spend(marketer, b["fr"], 100, channel="linkedin")
    spend(marketer, b["fr"], 999, kind="tool")  # no channel: reported apart
    spend(tenants.user("emea-marketer"), b["emea"], 0.5, channel="email")

    report = budgets.guideline_report(b["fr"])
    assert report["guidelines_from"] == b["emea"].pk and report["tolerance"] == 0.05
    assert (report["total"], report["unassigned"]) == (D(1000), D(999))
    lines = {line["channel"]: line for line in report["channels"]}
    assert lines["events"] == {
        "channel": "events", "spent": D(520), "share": 0.52, "guideline": 0.5,
        "low": 0.45, "high": 0.55, "outside": False,
    }  # fmt: skip
    assert lines["ads"]["outside"] is True  # 38% against 30% ± 5
    assert lines["email"]["share"] == 0 and lines["email"]["outside"] is True
    assert lines["linkedin"]["guideline"] == 0 and lines["linkedin"]["outside"] is True
    assert report["outside"] is True

    # EMEA's report covers its own spend and France's.
    emea = budgets.guideline_report(b["emea"])
    assert emea["total"] == D("1000.5")
