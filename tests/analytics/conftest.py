"""Helpers of the analytics tests: accounts and opportunities on Acme's units."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

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
