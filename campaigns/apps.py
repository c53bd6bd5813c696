from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from campaigns import launch, mix  # noqa: F401  (mix declares the channel-mix bounds)
        from campaigns.models import Campaign, Playbook
        from governance import audit

        launch.register_handlers()
        # Touches are too many to audit row by row; their status and reason are the record.
        audit.audit_model(Playbook)
        audit.audit_model(Campaign)
