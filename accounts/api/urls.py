from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api.bulk import BulkAccountsView
from accounts.api.dedup import (
    AccountPlanViewSet,
    DuplicateCandidateViewSet,
    FamilyConflictViewSet,
)
from accounts.api.handoffs import EngagementEventViewSet, HandoffViewSet
from accounts.api.imports import ImportJobViewSet
from accounts.api.views import AccountViewSet, ConsentViewSet, ContactViewSet

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("consents", ConsentViewSet, basename="consent")
router.register("account-imports", ImportJobViewSet, basename="account-import")
router.register("engagement-events", EngagementEventViewSet, basename="engagement-event")
router.register("handoffs", HandoffViewSet, basename="handoff")
router.register("duplicates", DuplicateCandidateViewSet, basename="duplicate")
router.register("account-plans", AccountPlanViewSet, basename="accountplan")
router.register("family-conflicts", FamilyConflictViewSet, basename="familyconflict")

# Before the router: its accounts/<pk>/ route would otherwise swallow accounts/bulk/.
urlpatterns = [
    path("accounts/bulk/", BulkAccountsView.as_view(), name="accounts-bulk"),
    *router.urls,
]
