from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("Content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from content import publishing, versions
        from content.models import Asset, LocaleChain
        from content.seed import seed_content
        from glocal import seeding
        from governance import audit

        # Versions keep the effective content per change; the audit trail says who
        # changed which node's own fields (and rights, locks, status) and when.
        versions.install()
        publishing.register_handlers()
        audit.audit_model(Asset)
        audit.audit_model(LocaleChain)
        seeding.register(seed_content)
