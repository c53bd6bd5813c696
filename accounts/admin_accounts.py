"""Admin for accounts, contacts and consents, restricted like the API.

Lifecycle and scores are read-only here too — lifecycle moves are governed (RACI, ICP,
caps) and go through ``accounts.selection``; contacts and consents take their unit
from their account or contact.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import icp, scoring
from accounts.models import Account, Consent, Contact
from glocal.admin_base import RestrictedAdmin


@admin.register(Account)
class AccountAdmin(RestrictedAdmin):
    list_display = [
        "name",
        "owner_unit",
        "country",
        "industry",
        "tier",
        "lifecycle",
        "fit_score",
        "engagement_score",
    ]
    list_filter = ["lifecycle", "tier", "employee_band", "owner_unit__organization", "country"]
    search_fields = ["name", "legal_name", "domain", "owner_unit__code"]
    list_select_related = ["owner_unit"]
    raw_id_fields = ["parent"]
    readonly_fields = [
        "lifecycle",
        "lifecycle_changed_at",
        "lifecycle_changed_by",
        "fit_score",
        "intent_score",
        "engagement_score",
        "created_at",
        "updated_at",
    ]
    restricted_fk_actions = {"owner_unit": "own", "parent": "view"}
    actions = ["recompute_fit"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        scoring.refresh_fit(obj)

    @admin.action(description=_("Recompute fit scores"), permissions=["change"])
    def recompute_fit(self, request, queryset) -> None:
        # Criteria are read once per unit, not once per account.
        accounts = list(queryset.select_related("owner_unit__organization"))
        criteria: dict[int, icp.Criteria] = {}
        for account in accounts:
            if account.owner_unit_id not in criteria:
                criteria[account.owner_unit_id] = icp.criteria_for(account.owner_unit)
            scoring.refresh_fit(account, criteria[account.owner_unit_id])
        count = len(accounts)
        self.message_user(
            request,
            ngettext("Rescored %(n)d account.", "Rescored %(n)d accounts.", count) % {"n": count},
            messages.SUCCESS,
        )


@admin.register(Contact)
class ContactAdmin(RestrictedAdmin):
    list_display = ["__str__", "account", "email", "country", "residency_zone", "buying_role"]
    list_filter = ["residency_zone", "buying_role", "do_not_contact", "country"]
    search_fields = ["first_name", "last_name", "email", "job_title", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    exclude = ["owner_unit"]
    readonly_fields = ["residency_zone", "erased_at", "created_at", "updated_at"]
    restricted_fk_actions = {"account": "change"}

    def save_model(self, request, obj, form, change) -> None:
        obj.owner_unit_id = obj.account.owner_unit_id  # a contact lives with its account
        super().save_model(request, obj, form, change)


@admin.register(Consent)
class ConsentAdmin(RestrictedAdmin):
    list_display = ["contact", "channel", "purpose", "status", "lawful_basis", "recorded_at"]
    list_filter = ["channel", "status", "lawful_basis", "purpose"]
    search_fields = ["contact__last_name", "contact__email", "source"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact"]
    exclude = ["owner_unit"]
    restricted_fk_actions = {"contact": "change"}

    def save_model(self, request, obj, form, change) -> None:
        obj.owner_unit_id = obj.contact.owner_unit_id  # a consent lives with its contact
        super().save_model(request, obj, form, change)
