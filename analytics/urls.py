"""Dashboard routes of analytics (``/analytics/``); each page module adds its own."""

from django.urls import path

from analytics import views, views_benchmarks, views_insights, views_opportunities

app_name = "analytics"

urlpatterns: list = [
    path("", views.home, name="dashboard"),
    path("unit/<int:pk>/", views.unit_detail, name="unit"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path(
        "opportunities/import/",
        views_opportunities.import_opportunities,
        name="opportunity-import",
    ),
    # Insights, best practices and replication
    path("insights/", views_insights.insight_list, name="insights"),
    path("insights/new/", views_insights.insight_new, name="insight-new"),
    path("insights/<int:pk>/", views_insights.insight_detail, name="insight"),
    path("insights/<int:pk>/action/", views_insights.insight_action, name="insight-action"),
    path("best-practices/", views_insights.best_practices, name="best-practices"),
    path("replication/", views_insights.replication_suggestions, name="replication"),
    path("replication/replicate/", views_insights.replicate, name="replicate"),
    path("benchmarks/", views_benchmarks.benchmarks_page, name="benchmarks"),
    path("forecasts/", views_benchmarks.forecasts_page, name="forecasts"),
    path(
        "forecasts/allocation/<int:pk>/apply/",
        views_benchmarks.apply_allocation,
        name="allocation-apply",
    ),
]
