"""The analytics demo seed: twelve months of history that every KPI can be read from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import EngagementEvent
from analytics import reports
from analytics.models import DailyFact, Insight, MarketStandard, Opportunity, OpportunityStatus
from analytics.seed import MARKETS, MONTHS, month_starts
from campaigns.models import Spend
from glocal.models import OrgUnit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--password", PASSWORD, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    found = {m._meta.label: m._base_manager.count() for m in apps.get_models()
             if m._meta.app_label == "analytics"}  # fmt: skip
    found["spend"] = Spend.objects.unrestricted().count()
    found["events"] = EngagementEvent.objects.unrestricted().count()
    return found


def last_twelve_months() -> reports.Period:
    today = timezone.localdate()
    return reports.Period(month_starts(today)[0], today)


def test_it_seeds_once_and_every_market_has_history():
    text = seed()
    assert "analytics:" in text and "opportunities" in text
    first = counts()
    seed()
    assert counts() == first
    for code in MARKETS:
        mine = Opportunity.objects.unrestricted().filter(owner_unit__code=code)
        assert mine.filter(status=OpportunityStatus.WON).exists(), code
        assert mine.filter(status=OpportunityStatus.OPEN).exists(), code
        assert (
            Spend.objects.unrestricted()
            .filter(budget__owner_unit__code=code, external_key__startswith="seed:analytics:")
            .count()
            == MONTHS
        ), code
    # Regions set market standards; insights sit at each stage of curation.
    assert MarketStandard.objects.unrestricted().filter(owner_unit__tier="REGION").count() >= 8
    statuses = set(Insight.objects.unrestricted().values_list("status", flat=True))
    assert {"submitted", "endorsed", "published"} <= statuses
    # History reaches back a year, and the rollups were rebuilt from it.
    oldest = Opportunity.objects.unrestricted().order_by("created_on").first().created_on
    assert (timezone.localdate() - oldest).days > 300
    assert DailyFact.objects.unrestricted().filter(day__lte=oldest + dt.timedelta(days=31)).exists()


def test_every_kpi_has_a_figure_at_every_tier(tenants):
    seed()
    user = tenants.user("global-manager")
    root = OrgUnit.objects.get(organization__slug="acme-industrial", parent=None)
    report = reports.kpi_report(user, root, last_twelve_months())
    values = report["kpis"]
    assert all(value is not None for value in values.values()), values
    assert Decimal(values["pipeline_generated"]) > 0 and values["engaged_accounts"] > 0
    assert 0 < Decimal(values["conversion_rate"]) <= 1
    # Drill-down: every region has figures, and the regions add up to the whole.
    pipeline = [Decimal(child["kpis"]["pipeline_generated"]) for child in report["children"]]
    assert len(pipeline) == 3 and all(p > 0 for p in pipeline)
    assert sum(pipeline) == Decimal(values["pipeline_generated"])
