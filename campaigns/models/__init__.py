"""Campaign models: layered playbooks, local campaigns and the touches they plan."""

from campaigns.models.campaigns import Campaign, CampaignStatus
from campaigns.models.delivery import OutboxMessage, SendLedger
from campaigns.models.playbooks import Condition, Playbook, PlaybookStatus, check_steps
from campaigns.models.touches import Touch, TouchStatus, idempotency_key

__all__ = [
    "Campaign",
    "CampaignStatus",
    "Condition",
    "OutboxMessage",
    "Playbook",
    "PlaybookStatus",
    "SendLedger",
    "Touch",
    "TouchStatus",
    "check_steps",
    "idempotency_key",
]
