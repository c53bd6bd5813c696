"""Dashboard routes of analytics (``/analytics/``); each page module adds its own."""

app_name = "analytics"

urlpatterns: list = []
