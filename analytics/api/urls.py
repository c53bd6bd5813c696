"""Routes of the analytics API (``/api/v1/opportunities/``, ``/api/v1/kpis/``,
``/api/v1/insights/``, ``/api/v1/replications/``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api.insights import InsightViewSet
from analytics.api.kpis import KpiView
from analytics.api.replications import ReplicationViewSet
from analytics.api.views import OpportunityViewSet

router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("insights", InsightViewSet, basename="insight")
router.register("replications", ReplicationViewSet, basename="replication")

urlpatterns = [
    path("kpis/", KpiView.as_view(), name="kpis"),
    *router.urls,
]
