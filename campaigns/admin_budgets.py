"""Admin for exchange rates (configuration) and budgets and spend (read-only).

Allocations go through ``campaigns.budgets`` (the RACI, and the conditional updates that
keep every budget within its parent and its cap), and so does spend, so editing either
row by hand would bypass the rules. Exchange rates are plain configuration of the
organisation: its global unit's admins keep them.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaigns.models import Budget, FxRate, Spend
from glocal.admin_base import RestrictedAdmin
from governance.admin_approvals import ReadOnlyAdmin


@admin.register(FxRate)
class FxRateAdmin(RestrictedAdmin):
    list_display = ["currency", "day", "rate", "owner_unit", "updated_at"]
    list_filter = ["currency", "owner_unit__organization"]
    search_fields = ["currency"]
    list_select_related = ["owner_unit"]
    date_hierarchy = "day"
    restricted_fk_actions = {"owner_unit": "configure"}


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "owner_unit",
        "starts_on",
        "ends_on",
        "amount",
        "allocated",
        "spent",
        "left",
    ]
    list_filter = ["owner_unit__tier", "starts_on", "owner_unit__organization"]
    search_fields = ["name", "owner_unit__code", "owner_unit__name"]
    list_select_related = ["owner_unit"]

    @admin.display(description=_("left"))
    def left(self, budget: Budget):
        return budget.remaining


@admin.register(Spend)
class SpendAdmin(ReadOnlyAdmin):
    list_display = [
        "spent_on",
        "budget",
        "kind",
        "channel",
        "amount_local",
        "currency",
        "amount",
        "owner_unit",
        "created_by",
    ]
    list_filter = ["kind", "channel", "owner_unit__organization"]
    search_fields = ["description", "external_key", "budget__name"]
    list_select_related = ["budget", "owner_unit", "created_by"]
    date_hierarchy = "spent_on"
