from rest_framework.routers import SimpleRouter

from governance.api.approvals import (
    ApprovalRequestViewSet,
    ConsultationViewSet,
    NotificationViewSet,
)
from governance.api.layering import (
    AuditEntryViewSet,
    BoundViewSet,
    OverridePolicyViewSet,
    StaleOverrideViewSet,
)
from governance.api.raci import RaciRuleViewSet
from governance.api.rituals import ActionItemViewSet, RitualOccurrenceViewSet, RitualViewSet
from governance.api.views import DirectiveViewSet

router = SimpleRouter()
router.register("directives", DirectiveViewSet, basename="directive")
router.register("override-policies", OverridePolicyViewSet, basename="overridepolicy")
router.register("stale-overrides", StaleOverrideViewSet, basename="staleoverride")
router.register("bounds", BoundViewSet, basename="bound")
router.register("audit", AuditEntryViewSet, basename="audit")
router.register("raci", RaciRuleViewSet, basename="raci")
router.register("approvals", ApprovalRequestViewSet, basename="approval")
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("rituals", RitualViewSet, basename="ritual")
router.register("ritual-occurrences", RitualOccurrenceViewSet, basename="ritualoccurrence")
router.register("action-items", ActionItemViewSet, basename="actionitem")

urlpatterns = router.urls
