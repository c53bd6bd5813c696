from rest_framework.routers import SimpleRouter

from governance.api.views import DirectiveViewSet

router = SimpleRouter()
router.register("directives", DirectiveViewSet, basename="directive")

urlpatterns = router.urls
