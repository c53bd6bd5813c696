"""Analytics data: CRM opportunities (the facts) and daily rollups (what KPIs read).

An :class:`Opportunity` belongs to its account's unit (``owner_unit``), so visibility
follows the account. ``crm_id`` is the CRM's id, unique in the organisation, so a
re-imported export updates rows instead of duplicating them.

A :class:`DailyFact` is one KPI input of one unit on one day, computed from the facts
owned by that unit only; consolidation up the tree sums the subtree at read time.
Rollups are derived data, rebuilt by ``analytics.rollups``, never edited by hand.
"""

from analytics.models.benchmarks import MarketStandard
from analytics.models.facts import SNAPSHOT_INPUTS, DailyFact, Input
from analytics.models.insights import (
    Insight,
    InsightComment,
    InsightStatus,
    Replication,
    ReplicationKind,
    Sentiment,
)
from analytics.models.opportunities import Opportunity, OpportunityStatus

__all__ = [
    "SNAPSHOT_INPUTS",
    "DailyFact",
    "Input",
    "Insight",
    "InsightComment",
    "InsightStatus",
    "MarketStandard",
    "Opportunity",
    "OpportunityStatus",
    "Replication",
    "ReplicationKind",
    "Sentiment",
]
