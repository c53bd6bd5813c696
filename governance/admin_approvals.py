"""Admin for RACI rules, approval requests, consultations and notifications.

Requests, consultations and notifications change only through the services, so their
admin pages are read-only; approving and withdrawing are bulk actions that call the
services (which check, row by row, that the staff user may decide).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from glocal.admin_base import RestrictedAdmin
from governance import approvals
from governance.models import ApprovalRequest, Consultation, Notification, RaciRule


class ReadOnlyAdmin(RestrictedAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RaciRule)
class RaciRuleAdmin(RestrictedAdmin):
    list_display = [
        "activity",
        "owner_unit",
        "global_letters",
        "region_letters",
        "local_letters",
        "regions_may_tailor",
        "updated_at",
    ]
    list_filter = ["activity", "regions_may_tailor", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["activity", "owner_unit__code", "owner_unit__name"]
    list_select_related = ["owner_unit"]
    readonly_fields = ["updated_at"]
    restricted_fk_actions = {"owner_unit": "configure"}


def _bulk(modeladmin, request, queryset, service, done_message) -> None:
    done = 0
    for approval in queryset:
        try:
            service(approval, request.user)
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{approval}: {text}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


@admin.action(description=_("Approve the selected requests"))
def approve_selected(modeladmin, request, queryset) -> None:
    _bulk(
        modeladmin,
        request,
        queryset,
        lambda approval, user: approvals.decide(approval, user, approve=True),
        lambda n: ngettext("%(n)s request approved.", "%(n)s requests approved.", n) % {"n": n},
    )


@admin.action(description=_("Withdraw the selected requests"))
def withdraw_selected(modeladmin, request, queryset) -> None:
    _bulk(
        modeladmin,
        request,
        queryset,
        lambda approval, user: approvals.withdraw(approval, user),
        lambda n: ngettext("%(n)s request withdrawn.", "%(n)s requests withdrawn.", n) % {"n": n},
    )


class ConsultationInline(admin.TabularInline):
    model = Consultation
    extra = 0
    can_delete = False
    fields = ["owner_unit", "due_at", "opinion", "answer", "answered_by", "answered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "status",
        "activity",
        "requesting_unit",
        "owner_unit",
        "requested_by",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "activity", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["title", "comment", "requested_by__username", "owner_unit__code"]
    list_select_related = ["owner_unit", "requesting_unit", "requested_by"]
    date_hierarchy = "created_at"
    inlines = [ConsultationInline]
    actions = [approve_selected, withdraw_selected]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["request", "owner_unit", "due_at", "opinion", "answered_by", "answered_at"]
    list_filter = ["opinion", "owner_unit__tier"]
    search_fields = ["request__title", "answer", "owner_unit__code"]
    list_select_related = ["request", "owner_unit", "answered_by"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Staff see their own notifications; ops (superusers) see every one."""

    list_display = ["created_at", "recipient", "kind", "owner_unit", "read_at", "emailed_at"]
    list_filter = ["kind", "read_at", "emailed_at"]
    search_fields = ["recipient__username", "owner_unit__code"]
    list_select_related = ["recipient", "owner_unit"]
