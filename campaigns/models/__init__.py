"""Campaign models: layered playbooks, local campaigns and the touches they plan."""

from campaigns.models.budgets import Budget, FxRate, Spend, SpendKind
from campaigns.models.campaigns import Campaign, CampaignStatus
from campaigns.models.delivery import OutboxMessage, SendLedger
from campaigns.models.playbooks import Condition, Playbook, PlaybookStatus, check_steps
from campaigns.models.touches import Touch, TouchStatus, idempotency_key

__all__ = [
    "Budget",
    "Campaign",
    "CampaignStatus",
    "Condition",
    "FxRate",
    "OutboxMessage",
    "Playbook",
    "PlaybookStatus",
    "SendLedger",
    "Spend",
    "SpendKind",
    "Touch",
    "TouchStatus",
    "check_steps",
    "idempotency_key",
]
