"""Admin for the campaigns app; each concern registers its models from its own module."""

from campaigns import (
    admin_budgets,  # noqa: F401  (registers the budget, spend and FX admins)
    admin_engine,  # noqa: F401  (playbooks, campaigns, touches, ledger)
)
