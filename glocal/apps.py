from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GlocalConfig(AppConfig):
    name = "glocal"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from glocal import lookups, ownership, signals  # noqa: F401  (any_of lookup; unit groups)
        from glocal.api import schema  # noqa: F401  (OpenAPI token scheme)

        ownership.register()  # rows owned through another row follow its owner
