"""Daily rollups: one KPI input of one unit on one day, what dashboards and the API read."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from glocal.tenancy import TenantOwnedModel


class Input(models.TextChoices):
    """KPI inputs kept per unit and day. All are additive over units; all but
    ``engaged_accounts`` (a snapshot at the end of the day) are additive over days."""

    PIPELINE_CREATED = "pipeline_created", _("Pipeline created")
    OPPORTUNITIES_CREATED = "opportunities_created", _("Opportunities created")
    FIRST_OPPORTUNITY_ACCOUNTS = (
        "first_opportunity_accounts",
        _("Accounts with a first opportunity"),
    )
    WON_AMOUNT = "won_amount", _("Won amount")
    WON_COUNT = "won_count", _("Opportunities won")
    CLOSED_COUNT = "closed_count", _("Opportunities closed")
    CYCLE_DAYS_SUM = "cycle_days_sum", _("Sales-cycle days of closed opportunities")
    SPEND = "spend", _("Spend")
    SELECTED_NET = "selected_net", _("Net target accounts selected")
    ENGAGED_ACCOUNTS = "engaged_accounts", _("Engaged target accounts (end of day)")


#: inputs read as a snapshot on one day, not summed over the period
SNAPSHOT_INPUTS = frozenset({Input.ENGAGED_ACCOUNTS})


class DailyFact(TenantOwnedModel):
    """One KPI input of one unit (``owner_unit``) on one day; zero is not stored."""

    day = models.DateField(_("day"))
    name = models.CharField(_("input"), max_length=32, choices=Input.choices)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=4, default=Decimal(0))
    #: when the computation that wrote the row started: the facts it reflects
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["-day", "owner_unit_id", "name"]
        verbose_name = _("daily fact")
        verbose_name_plural = _("daily facts")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "day", "name"], name="dailyfact_one_per_unit_day_input"
            )
        ]
        indexes = [models.Index(fields=["owner_unit", "name", "day"])]

    def __str__(self) -> str:
        return f"{self.name} {self.day}: {self.value}"
