"""Dashboard routes of analytics (``/analytics/``); each page module adds its own."""

from django.urls import path

from analytics import views_benchmarks

app_name = "analytics"

urlpatterns: list = [
    path("benchmarks/", views_benchmarks.benchmarks_page, name="benchmarks"),
    path("forecasts/", views_benchmarks.forecasts_page, name="forecasts"),
    path(
        "forecasts/allocation/<int:pk>/apply/",
        views_benchmarks.apply_allocation,
        name="allocation-apply",
    ),
]
