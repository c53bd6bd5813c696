from django.urls import path

from campaigns.webhook_views import EngagementWebhook

urlpatterns = [
    path(
        "events/webhook/<slug:provider>/",
        EngagementWebhook.as_view(),
        name="events-webhook",
    ),
]
