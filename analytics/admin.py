"""Admin for opportunities (edited through the same service as the API), market standards
(region and global managers), the daily rollups (read-only: derived data, rebuilt from
the facts), and insights, their comments and replications (read-only rows; curation as
bulk actions through the services)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics import insights, services
from analytics.models import (
    DailyFact,
    Insight,
    InsightComment,
    MarketStandard,
    Opportunity,
    Replication,
)
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


# --- insights and replications ---------------------------------------------------------
# Written through their services (the dashboard and the API); the admin reads them and
# runs the curation decisions as bulk actions, each checked by the service per insight.


def _curate(modeladmin, request, queryset, service, done: str) -> None:
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    changed = 0
    for insight in queryset.select_related("owner_unit"):
        try:
            service(request.user, insight)
        except (PermissionDenied, ValidationError) as exc:
            text = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            modeladmin.message_user(
                request, f"#{insight.pk}: {' '.join(text)}", level=messages.ERROR
            )
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, done % {"n": changed}, level=messages.SUCCESS)


@admin.register(Insight)
class InsightAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "owner_unit", "status", "sentiment", "author", "created_at"]
    list_filter = ["status", "sentiment", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["text", "tags", "owner_unit__code", "author__username"]
    list_select_related = ["owner_unit", "author"]
    date_hierarchy = "created_at"
    actions = ["endorse", "publish", "archive"]

    @admin.action(description=_("Endorse the selected insights"), permissions=["view"])
    def endorse(self, request, queryset) -> None:
        _curate(self, request, queryset, insights.endorse, gettext("%(n)s insight(s) endorsed."))

    @admin.action(
        description=_("Publish the selected insights as best practices"), permissions=["view"]
    )
    def publish(self, request, queryset) -> None:
        _curate(self, request, queryset, insights.publish, gettext("%(n)s insight(s) published."))

    @admin.action(description=_("Archive the selected insights"), permissions=["view"])
    def archive(self, request, queryset) -> None:
        _curate(self, request, queryset, insights.archive, gettext("%(n)s insight(s) archived."))


@admin.register(InsightComment)
class InsightCommentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "author", "created"]
    list_filter = ["insight__owner_unit__organization"]
    search_fields = ["text", "author__username"]
    list_select_related = ["insight", "author"]


@admin.register(Replication)
class ReplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "origin_campaign",
        "kind",
        "owner_unit",
        "playbook",
        "campaign",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["origin_campaign__name", "owner_unit__code"]
    list_select_related = ["origin_campaign", "owner_unit", "playbook", "campaign", "created_by"]


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
