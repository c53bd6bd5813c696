from django.contrib import admin
from django.urls import include, path

from glocal import health
from glocal.dashboard_urls import auth_urlpatterns

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("glocal.api.urls", "api"), namespace="api")),
    path("api/v1/", include(("governance.api.urls", "governance-api"))),
    path("api/v1/", include(("accounts.api.urls", "accounts-api"))),
    path("api/v1/", include(("content.api.urls", "content-api"))),
    path("api/v1/", include(("content.api.workflow_urls", "content-workflow-api"))),
    path("api/v1/", include(("campaigns.webhook_urls", "campaigns-webhooks"))),
    path("api/v1/", include(("campaigns.api.budget_urls", "campaigns-budgets-api"))),
    path("api/v1/", include(("campaigns.api.urls", "campaigns-api"))),
    path("api/v1/", include(("analytics.api.urls", "analytics-api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("glocal.dashboard_urls")),
    *auth_urlpatterns,
    path("governance/", include("governance.urls")),
    path("accounts/", include("accounts.urls")),
    path("content/", include("content.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("analytics/", include("analytics.urls")),
]

handler404 = "glocal.errors.not_found"
handler500 = "glocal.errors.server_error"
