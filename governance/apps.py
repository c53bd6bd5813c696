from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from glocal import seeding
        from glocal.models import Bound, Membership, OrgUnit, OverridePolicy
        from governance import audit, bounds  # noqa: F401  (declares governance bounds)
        from governance.models import Directive
        from governance.seed import seed_directives
        from governance.seed_layering import seed_layering

        seeding.register(seed_directives)
        seeding.register(seed_layering)
        audit.audit_model(OrgUnit, unit="id")
        audit.audit_model(Membership, unit="unit_id")
        audit.audit_model(Directive)
        audit.audit_model(OverridePolicy)
        audit.audit_model(Bound)
        # Coordination rituals
        from governance import agenda
        from governance.models import ActionItem, Ritual, RitualOccurrence, RitualReminder
        from governance.seed import seed_rituals

        agenda.register_builtin_providers()
        seeding.register(seed_rituals)
        audit.audit_model(Ritual)
        audit.audit_model(RitualOccurrence, unit=lambda o: o.ritual.owner_unit_id)
        audit.audit_model(RitualReminder, unit="unit_id")
        audit.audit_model(ActionItem)
        # RACI, approvals, consultations, notifications
        from governance import publishing
        from governance.models import ApprovalRequest, Consultation, Notification, RaciRule
        from governance.seed import seed_raci

        publishing.register_handlers()
        seeding.register(seed_raci)
        audit.audit_model(RaciRule)
        audit.audit_model(ApprovalRequest)
        audit.audit_model(Consultation)
        audit.audit_model(Notification)
