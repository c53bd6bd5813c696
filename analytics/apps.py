from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Spend, engagement, lifecycle moves and FX rates live in lower apps, which
        # cannot call analytics: it listens through the kernel's change registry.
        from analytics import rollups

        rollups.register()
        # Demo data, after the campaigns step (budgets to spend from).
        from analytics.seed import seed_analytics
        from glocal import seeding

        seeding.register(seed_analytics)

        # Insights and replications are audited like every governed row, and new
        # insights reach the ritual agendas through governance's provider registry.
        from analytics import agenda as insight_agenda
        from analytics.models import Insight, InsightComment, Replication
        from governance import agenda, audit

        audit.audit_model(Insight)
        audit.audit_model(InsightComment, unit=lambda c: c.insight.owner_unit_id)
        audit.audit_model(Replication)
        agenda.register(insight_agenda.new_insights)
