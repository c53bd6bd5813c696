"""Target accounts, contacts and consents; one module per concern."""

from accounts.models.accounts import Account, BuyingRole, EmployeeBand, Lifecycle, Tier
from accounts.models.contacts import Channel, Consent, Contact

__all__ = [
    "Account",
    "BuyingRole",
    "Channel",
    "Consent",
    "Contact",
    "EmployeeBand",
    "Lifecycle",
    "Tier",
]
