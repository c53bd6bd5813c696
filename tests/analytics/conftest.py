"""Helpers of the analytics tests: accounts and opportunities on Acme's units."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from accounts.models import Account, Lifecycle
from analytics.models import Opportunity, OpportunityStatus

_names = itertools.count(1)


def D(value) -> Decimal:
    return Decimal(str(value))


def make_account(unit, lifecycle: str = Lifecycle.SELECTED, **fields) -> Account:
    n = next(_names)
    return Account.objects.create(
        owner_unit=unit, name=f"Analytics account {n}", lifecycle=lifecycle, **fields
    )


def make_opportunity(
    account: Account,
    amount,
    created_on: dt.date,
    *,
    currency: str = "EUR",
    status: str = OpportunityStatus.OPEN,
    closed_on: dt.date | None = None,
    crm_id: str | None = None,
) -> Opportunity:
    """Stored through the service, as the API and the import do."""
    from analytics import services

    return services.store_opportunity(
        Opportunity(
            account=account,
            crm_id=crm_id or f"OPP-{next(_names)}",
            name="Deal",
            amount=D(amount),
            currency=currency,
            created_on=created_on,
            closed_on=closed_on,
            status=status,
        )
    )


@pytest.fixture
def fresh_stamps(monkeypatch):
    """Computation stamps of this test only: the cache outlives each test's rolled-back
    database, and a test that replays a burst "seconds later" must not meet an earlier
    test's stamps of the same unit-days."""
    from uuid import uuid4

    from analytics import rollups

    prefix, real = uuid4().hex, rollups._stamp_key
    monkeypatch.setattr(
        rollups, "_stamp_key", lambda unit_id, day: f"{prefix}:{real(unit_id, day)}"
    )


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """``with worker():`` — commit callbacks run at the end of the block and the rollup
    tasks they queue run at once (the task functions themselves, as a worker would)."""
    from analytics import tasks

    queued: list = []

    def refresh(pairs, queued_at=None):
        queued.append(("refresh", pairs))
        return tasks.refresh_rollups(pairs, queued_at)

    def rebuild(organization_id, since=None):
        queued.append(("rebuild", organization_id, since))
        return tasks.rebuild_rollups(organization_id, since)

    monkeypatch.setattr(tasks.refresh_rollups, "delay", refresh)
    monkeypatch.setattr(tasks.rebuild_rollups, "delay", rebuild)

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    run.queued = queued
    return run


def facts(unit=None, **filters) -> dict[tuple, Decimal]:
    """Stored rollups as {(unit code, day, input): value}."""
    from analytics.models import DailyFact

    rows = DailyFact.objects.unrestricted().filter(**filters)
    if unit is not None:
        rows = rows.filter(owner_unit=unit)
    return {
        (code, day, name): value
        for code, day, name, value in rows.values_list("owner_unit__code", "day", "name", "value")
    }
