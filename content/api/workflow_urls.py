"""Routes of the translation workflow and the glossary (``/api/v1/content/…``)."""

from rest_framework.routers import SimpleRouter

from content.api.workflow import (
    GlossaryTermViewSet,
    TranslationRequestViewSet,
    TranslationTaskViewSet,
)

router = SimpleRouter()
router.register(
    "content/translation-requests", TranslationRequestViewSet, basename="translationrequest"
)
router.register("content/translation-tasks", TranslationTaskViewSet, basename="translationtask")
router.register("content/glossary", GlossaryTermViewSet, basename="glossaryterm")

urlpatterns = router.urls
