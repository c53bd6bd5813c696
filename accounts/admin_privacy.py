"""Admin for the erasure log: proof of erasures, read-only."""

from __future__ import annotations

from django.contrib import admin

from accounts.models import ErasureLog
from glocal.admin_base import RestrictedAdmin


@admin.register(ErasureLog)
class ErasureLogAdmin(RestrictedAdmin):
    list_display = ["erased_at", "contact_id", "account_id", "owner_unit", "reason", "requested_by"]
    list_filter = ["reason", "owner_unit__tier"]
    search_fields = ["contact_id", "owner_unit__code"]
    list_select_related = ["owner_unit", "requested_by"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ErasureLog._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
