from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("Content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from content import publishing, versions
        from content.models import LocaleChain
        from governance import audit

        # Asset history is the version log (content.versions); the audit trail cannot
        # serialise the file field yet, so assets are not audited row by row.
        versions.install()
        publishing.register_handlers()
        audit.audit_model(LocaleChain)
