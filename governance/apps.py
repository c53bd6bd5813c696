from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from glocal import seeding
        from glocal.models import Membership, OrgUnit
        from governance import audit, bounds  # noqa: F401  (declares governance bounds)
        from governance.models import Directive
        from governance.seed import seed_directives

        seeding.register(seed_directives)
        audit.audit_model(OrgUnit, unit="id")
        audit.audit_model(Membership, unit="unit_id")
        audit.audit_model(Directive)
