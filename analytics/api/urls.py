"""Routes of the analytics API (``/api/v1/opportunities/``, ``/api/v1/kpis/``,
``/api/v1/insights/``, ``/api/v1/replications/``, ``/api/v1/benchmarks/``,
``/api/v1/market-standards/``, ``/api/v1/forecasts/`` with its ``allocation/`` suggestion)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api.benchmarks import BenchmarkView, MarketStandardViewSet
from analytics.api.forecasts import AllocationApplyView, AllocationView, ForecastView
from analytics.api.insights import InsightViewSet
from analytics.api.kpis import KpiView
from analytics.api.replications import ReplicationViewSet
from analytics.api.views import OpportunityViewSet

router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("insights", InsightViewSet, basename="insight")
router.register("replications", ReplicationViewSet, basename="replication")
router.register("market-standards", MarketStandardViewSet, basename="market-standard")

urlpatterns = [
    path("kpis/", KpiView.as_view(), name="kpis"),
    path("benchmarks/", BenchmarkView.as_view(), name="benchmarks"),
    path("forecasts/", ForecastView.as_view(), name="forecasts"),
    path("forecasts/allocation/", AllocationView.as_view(), name="forecast-allocation"),
    path(
        "forecasts/allocation/apply/",
        AllocationApplyView.as_view(),
        name="forecast-allocation-apply",
    ),
    *router.urls,
]
