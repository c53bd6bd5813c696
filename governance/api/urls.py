from rest_framework.routers import SimpleRouter

from governance.api.layering import (
    AuditEntryViewSet,
    BoundViewSet,
    OverridePolicyViewSet,
    StaleOverrideViewSet,
)
from governance.api.views import DirectiveViewSet

router = SimpleRouter()
router.register("directives", DirectiveViewSet, basename="directive")
router.register("override-policies", OverridePolicyViewSet, basename="overridepolicy")
router.register("stale-overrides", StaleOverrideViewSet, basename="staleoverride")
router.register("bounds", BoundViewSet, basename="bound")
router.register("audit", AuditEntryViewSet, basename="audit")

urlpatterns = router.urls
