from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from campaigns import budgets, launch, mix  # noqa: F401  (mix declares the bounds)
        from campaigns.models import Campaign, FxRate, Playbook
        from governance import audit

        launch.register_handlers()
        budgets.register_handlers()
        # Touches are too many to audit row by row; their status and reason are the record.
        audit.audit_model(Playbook)
        audit.audit_model(Campaign)
        # Budget amounts are audited by the allocation service; spend rows are their own
        # record (tracking Budget would add a read to every concurrent charge).
        audit.audit_model(FxRate)
        # Demo data, after the accounts and content steps (apps install in that order).
        from campaigns.seed import seed_campaigns
        from glocal import seeding

        seeding.register(seed_campaigns)
