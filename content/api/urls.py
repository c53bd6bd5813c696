from django.urls import path
from rest_framework.routers import SimpleRouter

from content.api.views import AssetViewSet, LocaleChainViewSet, ResolveView

router = SimpleRouter()
router.register("content/assets", AssetViewSet, basename="content-asset")
router.register("content/locale-chains", LocaleChainViewSet, basename="content-localechain")

urlpatterns = [
    path("content/resolve/", ResolveView.as_view(), name="content-resolve"),
    *router.urls,
]
