"""Admin for engagement events, hand-offs (read-only) and sales owners (configuration).

Events arrive through the intake (``accounts.engagement.record_event``) and hand-offs
are opened by the scoring and decided by the sales owner through the services, so
editing either row by hand would bypass the rules (idempotency, one open hand-off,
the reason on rejection, the audit of decisions).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model

from accounts.models import EngagementEvent, Handoff, SalesOwner
from glocal.admin_base import RestrictedAdmin
from glocal.models import OrgUnit
from governance.admin_approvals import ReadOnlyAdmin


@admin.register(EngagementEvent)
class EngagementEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "account", "contact", "source", "owner_unit"]
    list_filter = ["kind", "source", "owner_unit__organization"]
    search_fields = ["external_id", "account__name"]
    list_select_related = ["account", "contact", "owner_unit"]
    date_hierarchy = "occurred_at"


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "owner_unit",
        "sales_owner",
        "status",
        "score",
        "sla_due_at",
        "overdue",
        "decided_by",
    ]
    list_filter = ["status", "overdue", "owner_unit__organization"]
    search_fields = ["account__name", "sales_owner__username", "reason"]
    list_select_related = ["account", "owner_unit", "sales_owner", "decided_by"]


@admin.register(SalesOwner)
class SalesOwnerAdmin(RestrictedAdmin):
    """Unit admins choose who receives their accounts' hand-offs."""

    list_display = ["owner_unit", "user", "updated_at"]
    list_filter = ["owner_unit__organization"]
    search_fields = ["owner_unit__code", "owner_unit__name", "user__username"]
    list_select_related = ["owner_unit", "user"]
    restricted_fk_actions = {"owner_unit": "configure"}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Only members of units the staff user sees: never a list of every user of
            # every organisation.
            units = OrgUnit.objects.restrict(request.user, "view").values("pk")
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, memberships__unit__in=units)
                .distinct()
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
