"""Governance models, one module per concern; import them from here."""

from governance.models.approvals import ApprovalRequest, Consultation
from governance.models.audit import AuditEntry
from governance.models.directives import Directive
from governance.models.notifications import Notification
from governance.models.raci import Activity, RaciRule
from governance.models.rituals import ActionItem, Ritual, RitualOccurrence, RitualReminder

__all__ = [
    "ActionItem",
    "Activity",
    "ApprovalRequest",
    "AuditEntry",
    "Consultation",
    "Directive",
    "Notification",
    "RaciRule",
    "Ritual",
    "RitualOccurrence",
    "RitualReminder",
]
