from django.contrib import admin

from glocal.admin_base import LayeredAdmin, RestrictedAdmin
from governance.models import AuditEntry, Directive


@admin.register(Directive)
class DirectiveAdmin(LayeredAdmin):
    list_display = ["title", "owner_unit", "parent", "status", "published_at", "updated_at"]
    list_filter = ["status", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["title", "body", "owner_unit__code"]
    list_select_related = ["owner_unit", "parent"]
    readonly_fields = ["published_at", "created_by", "created_at", "updated_at"]
    restricted_fk_actions = {"owner_unit": "own", "parent": "view"}


@admin.register(AuditEntry)
class AuditEntryAdmin(RestrictedAdmin):
    """The trail is append-only: readable by managers in scope, never edited."""

    list_display = ["at", "actor", "owner_unit", "action", "target_type", "target_id", "bulk"]
    list_filter = ["action", "target_type", "bulk", "owner_unit__tier"]
    search_fields = ["target_repr", "target_id", "actor__username", "note"]
    list_select_related = ["actor", "owner_unit"]
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


import governance.admin_approvals  # noqa: E402, F401  (registers the RACI and approval admins)
from governance import admin_rituals  # noqa: E402, F401  (registers the ritual admins)
