from rest_framework.routers import SimpleRouter

from accounts.api.dedup import (
    AccountPlanViewSet,
    DuplicateCandidateViewSet,
    FamilyConflictViewSet,
)

router = SimpleRouter()
router.register("duplicates", DuplicateCandidateViewSet, basename="duplicate")
router.register("account-plans", AccountPlanViewSet, basename="accountplan")
router.register("family-conflicts", FamilyConflictViewSet, basename="familyconflict")

urlpatterns = router.urls
