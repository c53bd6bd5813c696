"""Acceptance: concurrent spenders and allocators never push a budget past its cap.

Each thread has its own database connection (PostgreSQL only: SQLite serialises every
write, so it proves nothing here).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.models import Sum

from campaigns import budgets
from campaigns.budgets import OverBudget
from campaigns.models import Budget, Spend
from tests.services import require_postgres

from .budget_helpers import D, fresh, tree

DAY = dt.date(2031, 3, 10)


def race(jobs: list[Callable[[], str]]) -> list[str]:
    """Run every job at once, each in its own thread and connection; their outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def run(job: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(job())
        except OverBudget as exc:
            outcomes.append(f"refused: {exc.reason}")
        except Exception as exc:  # reported by the assertions below
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert connection.vendor == "postgresql"
    assert len(outcomes) == len(jobs), outcomes
    return outcomes


@pytest.mark.services
def test_fifty_concurrent_spends_never_exceed_the_cap(transactional_db, tenants):
    """A cap of 1,000 fits 33 spends of 30: exactly 33 of 50 simultaneous ones succeed."""
    require_postgres()
    budget = tree(tenants, fr=1000)["fr"]

    def spend(i: int) -> Callable[[], str]:
        def job() -> str:
            marketer = get_user_model().objects.get(username="fr-marketer")
            budgets.record_spend(
                marketer,
                Budget.objects.get(pk=budget.pk),
                kind="event",
                amount_local=D(30),
                spent_on=DAY,
                external_key=f"race-{i}",
            )
            return "spent"

        return job

    outcomes = race([spend(i) for i in range(50)])
    assert outcomes.count("spent") == 33, outcomes
    refused = [o for o in outcomes if o != "spent"]
    assert all(o.startswith("refused: Over budget: “FY2031 France”") for o in refused), refused
    stored = fresh(budget)
    assert stored.spent == D(990) and stored.spent <= stored.amount
    recorded = Spend.objects.filter(budget=budget)
    assert recorded.count() == 33
    assert recorded.aggregate(total=Sum("amount"))["total"] == stored.spent


@pytest.mark.services
def test_concurrent_allocations_never_exceed_the_parent(transactional_db, tenants):
    """Four local budgets raised to 400 at once from a region with 1,000: two fit."""
    require_postgres()
    tree_ = tree(tenants, emea=1000, fr=0)
    manager = tenants.user("global-manager")
    locals_ = [tree_["fr"]] + [
        budgets.allocate(manager, tree_["emea"], tenants.unit(code), Decimal(0))
        for code in ("de", "uk", "pl")
    ]

    def raise_(budget: Budget) -> Callable[[], str]:
        def job() -> str:
            user = get_user_model().objects.get(username="global-manager")
            budgets.set_amount(user, Budget.objects.get(pk=budget.pk), D(400))
            return "raised"

        return job

    outcomes = race([raise_(budget) for budget in locals_])
    assert outcomes.count("raised") == 2, outcomes
    region = fresh(tree_["emea"])
    amounts = Budget.objects.filter(parent=region).aggregate(total=Sum("amount"))["total"]
    assert region.allocated == amounts == D(800)


@pytest.mark.services
def test_the_same_external_key_sent_at_once_records_one_spend(transactional_db, tenants):
    """Ten redeliveries of one invoice at the same moment: one spend, charged once."""
    require_postgres()
    budget = tree(tenants, fr=1000)["fr"]

    def deliver() -> str:
        marketer = get_user_model().objects.get(username="fr-marketer")
        recorded = budgets.record_spend(
            marketer,
            Budget.objects.get(pk=budget.pk),
            kind="tool",
            amount_local=D(70),
            spent_on=DAY,
            external_key="invoice-7",
        )
        return "created" if recorded.created else f"existing {recorded.spend.pk}"

    outcomes = race([deliver for _ in range(10)])
    assert outcomes.count("created") == 1, outcomes
    spend = Spend.objects.get(budget=budget)
    assert sorted(set(outcomes)) == ["created", f"existing {spend.pk}"]
    assert fresh(budget).spent == D(70)
