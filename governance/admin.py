from django.contrib import admin

from glocal.admin_base import RestrictedAdmin
from governance.models import Directive


@admin.register(Directive)
class DirectiveAdmin(RestrictedAdmin):
    list_display = ["title", "owner_unit", "status", "published_at", "updated_at"]
    list_filter = ["status", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["title", "body", "owner_unit__code"]
    list_select_related = ["owner_unit"]
    readonly_fields = ["published_at", "created_by", "created_at", "updated_at"]
    restricted_fk_actions = {"owner_unit": "own"}
