from rest_framework.routers import SimpleRouter

from accounts.api.dedup import (
    AccountPlanViewSet,
    DuplicateCandidateViewSet,
    FamilyConflictViewSet,
)
from accounts.api.handoffs import EngagementEventViewSet, HandoffViewSet

router = SimpleRouter()
router.register("engagement-events", EngagementEventViewSet, basename="engagement-event")
router.register("handoffs", HandoffViewSet, basename="handoff")
router.register("duplicates", DuplicateCandidateViewSet, basename="duplicate")
router.register("account-plans", AccountPlanViewSet, basename="accountplan")
router.register("family-conflicts", FamilyConflictViewSet, basename="familyconflict")

urlpatterns = router.urls
