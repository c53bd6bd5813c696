from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from glocal import services
from glocal.admin_base import RestrictedAdmin
from glocal.models import (
    Bound,
    Membership,
    Organization,
    OrgUnit,
    OverridePolicy,
    StaleOverride,
    WorkerHeartbeat,
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "reporting_currency", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        units = OrgUnit.objects.restrict(request.user, "view")
        return qs.filter(pk__in=units.values("organization_id"))

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(OrgUnit)
class OrgUnitAdmin(RestrictedAdmin):
    list_display = ["code", "name", "tier", "organization", "parent", "timezone", "is_active"]
    list_filter = ["tier", "is_active", "organization", "residency_zone"]
    search_fields = ["code", "name"]
    list_select_related = ["organization", "parent"]
    readonly_fields = ["retired_at", "created_at", "updated_at"]
    restricted_fk_actions = {"parent": "configure"}
    actions = ["reactivate"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # units are retired with their data reassigned, never deleted

    @admin.action(description=_("Reactivate selected retired units"))
    def reactivate(self, request, queryset):
        done = 0
        for unit in queryset.restrict(request.user, "configure").filter(is_active=False):
            try:
                services.reactivate_unit(unit)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{unit}: {'; '.join(exc.messages)}", messages.ERROR)
        self.message_user(
            request, ngettext("%d unit reactivated.", "%d units reactivated.", done) % done
        )


@admin.register(Membership)
class MembershipAdmin(RestrictedAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role", "unit__tier", "unit__organization"]
    search_fields = ["user__username", "user__email", "unit__code", "unit__name"]
    list_select_related = ["user", "unit"]
    restricted_fk_actions = {"unit": "configure"}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Unit admins pick among people of their organisation; ops add new users.
            units = OrgUnit.objects.restrict(request.user, "view")
            kwargs["queryset"] = (
                get_user_model().objects.filter(memberships__unit__in=units).distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "beat_at"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OverridePolicy)
class OverridePolicyAdmin(RestrictedAdmin):
    list_display = ["content_type", "field", "lowest_tier", "owner_unit", "updated_at"]
    list_filter = ["lowest_tier", "content_type", "owner_unit__tier"]
    search_fields = ["field", "owner_unit__code"]
    list_select_related = ["content_type", "owner_unit"]
    restricted_fk_actions = {"owner_unit": "configure"}


@admin.register(Bound)
class BoundAdmin(RestrictedAdmin):
    list_display = ["key", "value", "owner_unit", "updated_at"]
    list_filter = ["key", "owner_unit__tier"]
    search_fields = ["key", "owner_unit__code"]
    list_select_related = ["owner_unit"]
    restricted_fk_actions = {"owner_unit": "configure"}


@admin.register(StaleOverride)
class StaleOverrideAdmin(RestrictedAdmin):
    """Read-only: stale overrides are resolved by accepting or keeping, not by editing."""

    list_display = ["content_type", "object_id", "field", "owner_unit", "detected_at"]
    list_filter = ["content_type", "field"]
    search_fields = ["field", "owner_unit__code"]
    list_select_related = ["content_type", "owner_unit"]
    readonly_fields = [f.name for f in StaleOverride._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
