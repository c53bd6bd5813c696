"""Dashboard routes of analytics (``/analytics/``); each page module adds its own."""

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns: list = [
    path("", views.home, name="dashboard"),
    path("unit/<int:pk>/", views.unit_detail, name="unit"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
]
