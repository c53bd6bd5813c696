from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Target accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.models import Account, Consent, Contact
        from governance import audit

        audit.audit_model(Account)
        audit.audit_model(Contact)
        audit.audit_model(Consent)
        # De-duplication and global account families (importing registers the admin pages)
        from accounts import admin_dedup  # noqa: F401
        from accounts.models import AccountPlan, FamilyConflict
        from accounts.seed import seed_accounts
        from glocal import seeding

        seeding.register(seed_accounts)
        audit.audit_model(AccountPlan)
        audit.audit_model(FamilyConflict)
        # Engagement and hand-offs: importing declares the MQA threshold and SLA bounds.
        from accounts import handoffs  # noqa: F401
        from accounts.models.handoffs import Handoff

        audit.audit_model(Handoff)
        # ICP, fit scores and selection
        from django.db.models.signals import post_delete, post_save

        from accounts import scoring, selection
        from glocal.layering.models import Bound

        selection.register_handlers()
        post_save.connect(scoring.on_bound_change, sender=Bound, dispatch_uid="accounts-icp-save")
        post_delete.connect(scoring.on_bound_change, sender=Bound, dispatch_uid="accounts-icp-del")
