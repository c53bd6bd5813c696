"""Governance models, one module per concern; import them from here."""

from governance.models.audit import AuditEntry
from governance.models.directives import Directive
from governance.models.rituals import ActionItem, Ritual, RitualOccurrence, RitualReminder

__all__ = [
    "ActionItem",
    "AuditEntry",
    "Directive",
    "Ritual",
    "RitualOccurrence",
    "RitualReminder",
]
