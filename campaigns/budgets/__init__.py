"""Budget use-cases: FX conversion, allocation down the tree, spend under a hard cap.

Every budget keeps ``allocated + spent <= amount``. Whatever consumes money does it with
ONE conditional ``UPDATE ... SET spent = spent + x WHERE id = ... AND amount >= allocated
+ spent + x`` and reads the row count: no read-then-write, so concurrent spenders cannot
overshoot (PostgreSQL re-evaluates the ``WHERE`` on the latest row version after waiting
for the row lock). Locks go from a budget towards its ancestors (the budget, then its
parent), never downwards, so allocations and spends cannot deadlock each other.

Allocation — creating a child budget or changing any budget's amount — is the RACI
activity "budget allocation" at the budget's unit, run through
``governance.approvals.request_action``: with the default matrix the global unit is
accountable and the region responsible, so a global manager allocates at once and a
regional manager's allocation waits for the global managers. A new child budget is
created at 0 and receives its amount when the request is approved.

Modules: ``fx`` (rates, conversion), ``allocation`` (the tree, governed), ``spend``
(record, charge a touch), ``report`` (guidelines), ``money`` (the refusal and helpers).
"""

from campaigns.budgets.allocation import (
    SET_AMOUNT,
    allocate,
    configure,
    register_handlers,
    set_amount,
)
from campaigns.budgets.fx import convert, organisation_currency, rate_for, set_fx_rate
from campaigns.budgets.money import OverBudget, check_amount, money
from campaigns.budgets.report import guideline_report
from campaigns.budgets.spend import Recorded, charge_touch, record_spend, touch_spend_key

__all__ = [
    "SET_AMOUNT",
    "OverBudget",
    "Recorded",
    "allocate",
    "charge_touch",
    "check_amount",
    "configure",
    "convert",
    "guideline_report",
    "money",
    "organisation_currency",
    "rate_for",
    "record_spend",
    "register_handlers",
    "set_amount",
    "set_fx_rate",
    "touch_spend_key",
]
