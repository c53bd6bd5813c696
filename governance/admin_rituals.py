"""Admin of coordination rituals (registered from ``governance.admin``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model

from glocal.admin_base import RestrictedAdmin
from glocal.models import Membership, OrgUnit
from governance import rituals
from governance.models import ActionItem, Ritual, RitualOccurrence, RitualReminder


class RitualAdminForm(forms.ModelForm):
    class Meta:
        model = Ritual
        fields = [
            "owner_unit",
            "name",
            "kind",
            "description",
            "recurrence",
            "starts_on",
            "time_of_day",
            "duration_minutes",
            "participant_mode",
            "participant_units",
            "reminder_days_before",
            "reminder_time",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        owner, units = data.get("owner_unit"), data.get("participant_units")
        if owner is not None and units and data.get("participant_mode") == "chosen":
            Ritual(owner_unit=owner).check_participants(list(units))  # errors name the field
        return data


@admin.register(Ritual)
class RitualAdmin(RestrictedAdmin):
    form = RitualAdminForm
    list_display = ["name", "kind", "owner_unit", "recurrence", "time_of_day", "is_active"]
    list_filter = ["kind", "is_active", "participant_mode", "owner_unit__tier"]
    search_fields = ["name", "description", "owner_unit__code"]
    list_select_related = ["owner_unit"]
    filter_horizontal = ["participant_units"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    restricted_fk_actions = {"owner_unit": "own"}

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "participant_units":
            kwargs["queryset"] = OrgUnit.objects.restrict(request.user, "view")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        rituals.schedule(form.instance)  # participants are saved only now


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    fields = ["title", "owner_unit", "assignee", "due_on", "status", "overdue_since"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RitualOccurrence)
class RitualOccurrenceAdmin(RestrictedAdmin):
    """Occurrences come from the schedule: the admin cancels them or fixes minutes."""

    list_display = ["ritual", "starts_at", "ends_at", "status"]
    list_filter = ["status", "ritual__kind"]
    search_fields = ["ritual__name", "minutes"]
    list_select_related = ["ritual"]
    date_hierarchy = "starts_at"
    fields = ["ritual", "starts_at", "ends_at", "status", "agenda", "agenda_updated_at", "minutes"]
    readonly_fields = ["ritual", "starts_at", "ends_at", "agenda", "agenda_updated_at"]
    inlines = [ActionItemInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ActionItem)
class ActionItemAdmin(RestrictedAdmin):
    list_display = ["title", "owner_unit", "assignee", "due_on", "status", "overdue_since"]
    list_filter = ["status", "owner_unit__tier"]
    search_fields = ["title", "description", "assignee__username", "owner_unit__code"]
    list_select_related = ["owner_unit", "assignee"]
    readonly_fields = ["overdue_since", "completed_at", "created_by", "created_at", "updated_at"]
    restricted_fk_actions = {"owner_unit": "view", "occurrence": "participate"}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            visible = Membership.objects.restrict(request.user, "view")
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, memberships__in=visible)
                .distinct()
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RitualReminder)
class RitualReminderAdmin(RestrictedAdmin):
    """The reminder log: read-only (rows are the work queue of the reminder task)."""

    list_display = ["occurrence", "unit", "due_at", "sent_at", "recipients"]
    list_filter = ["sent_at"]
    search_fields = ["occurrence__ritual__name", "unit__code"]
    list_select_related = ["occurrence__ritual", "unit"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in RitualReminder._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
