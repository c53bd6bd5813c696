"""Routes of the budgets API (``/api/v1/budgets/``, ``spend/``, ``fx-rates/``)."""

from rest_framework.routers import SimpleRouter

from campaigns.api.budgets import BudgetViewSet, FxRateViewSet, SpendViewSet

router = SimpleRouter()
router.register("budgets", BudgetViewSet, basename="budget")
router.register("spend", SpendViewSet, basename="spend")
router.register("fx-rates", FxRateViewSet, basename="fxrate")

urlpatterns = router.urls
