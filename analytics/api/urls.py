"""Routes of the analytics API (``/api/v1/opportunities/``, ``/api/v1/kpis/``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api.kpis import KpiView
from analytics.api.views import OpportunityViewSet

router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="opportunity")

urlpatterns = [
    path("kpis/", KpiView.as_view(), name="kpis"),
    *router.urls,
]
