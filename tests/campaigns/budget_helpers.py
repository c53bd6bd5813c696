"""Budget fixtures shared by the budget tests: a FY2031 tree global → EMEA → France."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from campaigns import budgets
from campaigns.models import Budget, FxRate

FY_START = dt.date(2031, 1, 1)
FY_END = dt.date(2031, 12, 31)


def D(value) -> Decimal:
    return Decimal(str(value))


def tree(tenants, *, world=100_000, emea=40_000, fr=10_000) -> dict[str, Budget]:
    """Global, EMEA and France budgets, allocated by a global manager (accountable)."""
    manager = tenants.user("global-manager")
    root = budgets.allocate(
        manager,
        None,
        tenants.unit("global"),
        D(world),
        name="FY2031",
        starts_on=FY_START,
        ends_on=FY_END,
    )
    region = budgets.allocate(manager, root, tenants.unit("emea"), D(emea), name="FY2031 EMEA")
    local = budgets.allocate(manager, region, tenants.unit("fr"), D(fr), name="FY2031 France")
    for budget in (root, region, local):
        assert isinstance(budget, Budget), budget
    return {"global": root, "emea": region, "fr": local}


def rate(tenants, currency: str, day: dt.date, value) -> FxRate:
    return FxRate.objects.create(
        owner_unit=tenants.unit("global"), currency=currency, day=day, rate=D(value)
    )


def fresh(budget: Budget) -> Budget:
    return Budget.objects.get(pk=budget.pk)
