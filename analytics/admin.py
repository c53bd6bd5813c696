"""Admin for opportunities (edited through the same service as the API), market standards
(region and global managers) and the daily rollups (read-only: derived data, rebuilt
from the facts)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from analytics import services
from analytics.models import DailyFact, MarketStandard, Opportunity
from glocal.admin_base import RestrictedAdmin
from governance.admin_approvals import ReadOnlyAdmin


@admin.register(Opportunity)
class OpportunityAdmin(RestrictedAdmin):
    list_display = [
        "name",
        "crm_id",
        "account",
        "owner_unit",
        "status",
        "amount",
        "currency",
        "created_on",
        "closed_on",
    ]
    list_filter = ["status", "currency", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["name", "crm_id", "stage", "account__name", "owner_unit__code"]
    list_select_related = ["account", "owner_unit"]
    date_hierarchy = "created_on"
    raw_id_fields = ["account"]
    fields = [
        "account",
        "crm_id",
        "name",
        "amount",
        "currency",
        "stage",
        "status",
        "created_on",
        "closed_on",
        "owner_unit",
    ]
    readonly_fields = ["owner_unit"]
    restricted_fk_actions = {"account": "change"}

    def save_model(self, request, obj, form, change) -> None:
        # The service saves and refreshes the rollups; the admin view's transaction
        # rolls the save back if the row left the user's scope.
        services.store_opportunity(obj)
        if not self._allowed(request, obj, "change" if change else "add"):
            raise PermissionDenied

    def delete_model(self, request, obj) -> None:
        services.delete_opportunity(obj)

    def delete_queryset(self, request, queryset) -> None:
        for opportunity in queryset:
            services.delete_opportunity(opportunity)


@admin.register(DailyFact)
class DailyFactAdmin(ReadOnlyAdmin):
    list_display = ["day", "owner_unit", "name", "value", "computed_at"]
    list_filter = ["name", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["owner_unit__code", "owner_unit__name", "name"]
    list_select_related = ["owner_unit"]
    date_hierarchy = "day"


@admin.register(MarketStandard)
class MarketStandardAdmin(RestrictedAdmin):
    list_display = ["kpi", "owner_unit", "target_unit", "value", "valid_from", "valid_to"]
    list_filter = ["kpi", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["owner_unit__code", "target_unit__code", "kpi", "note"]
    list_select_related = ["owner_unit", "target_unit"]
    date_hierarchy = "valid_from"
    fields = ["owner_unit", "target_unit", "kpi", "value", "valid_from", "valid_to", "note"]
    # Saving re-reads the row through restrict (RestrictedAdmin): a marketer's or a
    # local team's standard is rolled back.
    restricted_fk_actions = {"owner_unit": "own", "target_unit": "view"}
