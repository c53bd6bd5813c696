"""Target accounts, contacts and consents; one module per concern."""

from accounts.models.accounts import Account, BuyingRole, EmployeeBand, Lifecycle, Tier
from accounts.models.contacts import Channel, Consent, Contact
from accounts.models.dedup import DuplicateCandidate
from accounts.models.engagement import EngagementEvent, EventKind
from accounts.models.families import AccountPlan, FamilyConflict
from accounts.models.handoffs import Handoff, HandoffStatus, SalesOwner
from accounts.models.imports import ImportJob
from accounts.models.privacy import ErasureLog

__all__ = [
    "Account",
    "AccountPlan",
    "BuyingRole",
    "Channel",
    "Consent",
    "Contact",
    "DuplicateCandidate",
    "EmployeeBand",
    "EngagementEvent",
    "ErasureLog",
    "EventKind",
    "FamilyConflict",
    "Handoff",
    "HandoffStatus",
    "ImportJob",
    "Lifecycle",
    "SalesOwner",
    "Tier",
]
