"""Admin for duplicate candidates, global account plans and family conflicts.

Candidates and conflicts are made by detection and decided through the services, so
their pages are read-only; dismissing and resolving are bulk actions that call the
services (which check, row by row, that the staff user may decide). Merging needs a
survivor chosen per pair: it stays on the review page and the API.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import dedup, families
from accounts.models import AccountPlan, DuplicateCandidate, FamilyConflict
from glocal.admin_base import RestrictedAdmin


class _DecidedByServices(RestrictedAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _each(self, request, queryset, service) -> None:
        done = 0
        for row in queryset:
            try:
                service(row, request.user)
            except (ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{row}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(n)d done.") % {"n": done}, messages.SUCCESS)


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(_DecidedByServices):
    list_display = ["__str__", "owner_unit", "score", "status", "detected_at"]
    list_filter = ["status", "owner_unit__tier"]
    search_fields = ["account_a__name", "account_b__name", "account_a__domain"]
    list_select_related = ["owner_unit", "account_a", "account_b"]
    actions = ["dismiss_selected"]

    @admin.action(description=_("Dismiss: not duplicates"))
    def dismiss_selected(self, request, queryset) -> None:
        self._each(request, queryset, dedup.dismiss)


@admin.register(FamilyConflict)
class FamilyConflictAdmin(_DecidedByServices):
    list_display = ["__str__", "kind", "owner_unit", "status", "detected_at"]
    list_filter = ["kind", "status"]
    search_fields = ["account_a__name", "account_b__name", "key"]
    list_select_related = ["owner_unit", "account_a", "account_b"]
    actions = ["resolve_selected"]

    @admin.action(description=_("Mark resolved"))
    def resolve_selected(self, request, queryset) -> None:
        self._each(request, queryset, families.resolve_conflict)


@admin.register(AccountPlan)
class AccountPlanAdmin(RestrictedAdmin):
    """Plans are created by ``families.create_plan`` (API), which places them at the
    family's common unit; the admin edits their text."""

    list_display = ["__str__", "owner_unit", "updated_at"]
    search_fields = ["account__name", "objectives"]
    list_select_related = ["account", "owner_unit"]
    readonly_fields = ["account", "owner_unit", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False
