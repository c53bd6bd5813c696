"""Admin for the glossary (editable) and the translation workflow (read-only).

Requests and tasks change only through ``content.workflow`` (duplicates refused,
notifications sent, drafts created through the core services), so the admin shows
them without letting a hand edit bypass those rules.
"""

from __future__ import annotations

from django.contrib import admin

from content.models import GlossaryTerm, TranslationRequest, TranslationTask
from glocal.admin_base import RestrictedAdmin
from governance.admin_approvals import ReadOnlyAdmin


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(RestrictedAdmin):
    list_display = [
        "term",
        "owner_unit",
        "source_language",
        "do_not_translate",
        "case_sensitive",
        "updated_at",
    ]
    list_filter = ["do_not_translate", "case_sensitive", "owner_unit__organization"]
    search_fields = ["term", "note"]
    list_select_related = ["owner_unit"]
    restricted_fk_actions = {"owner_unit": "own"}


class TranslationTaskInline(admin.TabularInline):
    model = TranslationTask
    fields = ["owner_unit", "language", "status", "due_at", "provider", "result"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, "view")


@admin.register(TranslationRequest)
class TranslationRequestAdmin(ReadOnlyAdmin):
    list_display = ["source", "owner_unit", "requested_by", "due_at", "status", "created_at"]
    list_filter = ["status", "owner_unit__organization"]
    search_fields = ["source__title", "instructions", "requested_by__username"]
    list_select_related = ["source", "owner_unit", "requested_by"]
    inlines = [TranslationTaskInline]


@admin.register(TranslationTask)
class TranslationTaskAdmin(ReadOnlyAdmin):
    list_display = ["request", "owner_unit", "language", "status", "due_at", "provider", "result"]
    list_filter = ["status", "provider", "owner_unit__organization"]
    search_fields = ["request__source__title", "language", "error"]
    list_select_related = ["request__source", "owner_unit", "result"]
