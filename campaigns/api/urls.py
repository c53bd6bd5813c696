from rest_framework.routers import SimpleRouter

from campaigns.api.views_campaigns import CampaignViewSet
from campaigns.api.views_mix import ChannelMixViewSet
from campaigns.api.views_playbooks import PlaybookViewSet
from campaigns.api.views_touches import TouchViewSet

router = SimpleRouter()
router.register("playbooks", PlaybookViewSet, basename="playbook")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("touches", TouchViewSet, basename="touch")
router.register("channel-mix", ChannelMixViewSet, basename="channel-mix")

urlpatterns = router.urls
