"""Governance models, one module per concern; import them from here."""

from governance.models.audit import AuditEntry
from governance.models.directives import Directive

__all__ = ["AuditEntry", "Directive"]
