"""Admin for the accounts app; each concern registers its models from its own module."""

from accounts import (
    admin_accounts,  # noqa: F401  (registers the account, contact and consent admins)
    admin_handoffs,  # noqa: F401  (registers the hand-off admins)
    admin_privacy,  # noqa: F401  (registers the erasure log admin)
)
