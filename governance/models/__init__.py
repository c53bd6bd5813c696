"""Governance models, one module per concern; import them from here."""

from governance.models.directives import Directive

__all__ = ["Directive"]
