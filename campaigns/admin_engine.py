"""Admin for playbooks, campaigns, touches, the send ledger and the sandbox outbox.

Everything here is read-only: campaigns move through their services (RACI, planning,
dispatch), and the ledger is the proof of what went out. The safe bulk actions call
those same services: pause, resume or cancel campaigns, and retry dead letters.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns import services
from campaigns.models import Campaign, OutboxMessage, Playbook, SendLedger, Touch
from governance.admin_approvals import ReadOnlyAdmin


@admin.register(Playbook)
class PlaybookAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner_unit", "status", "parent", "updated_at"]
    list_filter = ["status", "owner_unit__tier", "owner_unit__organization"]
    search_fields = ["name", "owner_unit__code"]
    list_select_related = ["owner_unit", "parent"]


def _campaign_action(name: str, verb, label):
    def action(modeladmin, request, queryset):
        done, refused = 0, []
        for campaign in queryset:
            try:
                verb(request.user, campaign)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                refused.append(f"{campaign.name}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(n)d campaign updated.", "%(n)d campaigns updated.", done) % {"n": done},
            )
        for problem in refused:
            modeladmin.message_user(request, problem, messages.WARNING)

    action.__name__ = name
    return admin.action(description=label)(action)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner_unit", "playbook", "status", "starts_on", "ends_on"]
    list_filter = ["status", "owner_unit__organization"]
    search_fields = ["name", "owner_unit__code", "playbook__name"]
    list_select_related = ["owner_unit", "playbook"]
    date_hierarchy = "starts_on"
    actions = [
        _campaign_action("pause", services.pause_campaign, _("Pause the selected campaigns")),
        _campaign_action("resume", services.resume_campaign, _("Resume the selected campaigns")),
        _campaign_action("cancel", services.cancel_campaign, _("Cancel the selected campaigns")),
    ]


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdmin):
    list_display = [
        "idempotency_key",
        "campaign",
        "channel",
        "local_scheduled",
        "status",
        "reason_code",
        "attempts",
        "owner_unit",
    ]
    list_filter = ["status", "channel", "reason_code", "owner_unit__organization"]
    search_fields = ["idempotency_key", "campaign__name", "reason_code"]
    list_select_related = ["campaign", "owner_unit"]
    # Contacts are not shown: the admin lists many units' touches, PIPL rules apply.
    exclude = ["contact"]
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "contact"]

    @admin.action(description=_("Retry the selected dead or failed touches now"))
    def retry(self, request, queryset):
        allowed = Touch.objects.restrict(request.user, "change")
        count = services.retry_touches(queryset.filter(pk__in=allowed.values("pk")))
        self.message_user(
            request,
            ngettext("%(n)d touch will be retried.", "%(n)d touches will be retried.", count)
            % {"n": count},
        )


@admin.register(SendLedger)
class SendLedgerAdmin(ReadOnlyAdmin):
    list_display = ["idempotency_key", "channel", "provider", "provider_message_id", "sent_at"]
    list_filter = ["channel", "provider", "owner_unit__organization"]
    search_fields = ["idempotency_key", "provider_message_id"]
    date_hierarchy = "sent_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["idempotency_key", "channel", "subject", "owner_unit", "created_at"]
    list_filter = ["channel", "owner_unit__organization"]
    search_fields = ["idempotency_key", "subject"]
    exclude = ["recipient"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "recipient"]
