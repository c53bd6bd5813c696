"""Routes of the analytics API (``/api/v1/opportunities/``)."""

from rest_framework.routers import SimpleRouter

from analytics.api.views import OpportunityViewSet

router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="opportunity")

urlpatterns = router.urls
