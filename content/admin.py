"""Admin for content assets, their versions and language chains (ops' view of the rules).

Layered edits go through the layering engine (``LayeredAdmin``), so policies and locks
answer with the same field errors as the API. Publication and deletion stay with the
services: status is read-only here, and only a draft nothing builds on may be deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from content import (
    admin_translation,  # noqa: F401  (its models register themselves)
    services,
)
from content.api.filters import LAYER_QUERIES
from content.models import Asset, AssetVersion, Layer, LocaleChain
from content.rendering import check_tokens
from glocal.admin_base import LayeredAdmin, RestrictedAdmin


class LayerFilter(admin.SimpleListFilter):
    title = _("layer")
    parameter_name = "layer"

    def lookups(self, request, model_admin):
        return Layer.choices

    def queryset(self, request, queryset):
        if self.value() in LAYER_QUERIES:
            return queryset.filter(LAYER_QUERIES[self.value()])
        return queryset


@admin.register(Asset)
class AssetAdmin(LayeredAdmin):
    list_display = ["title", "kind", "language", "owner_unit", "parent", "status", "updated_at"]
    list_filter = ["kind", "status", "language", LayerFilter, "owner_unit__organization"]
    search_fields = ["title"]
    list_select_related = ["owner_unit", "parent"]
    readonly_fields = [
        "status",
        "family",
        "locked_fields",
        "published_at",
        "retired_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    restricted_fk_actions = {
        "owner_unit": "own",
        "parent": "view",
        "translation_of": "view",
        "account": "view",
    }

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion is checked one asset at a time
        return actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class AssetForm(form_class):
            def clean(self):
                cleaned = super().clean()
                try:
                    check_tokens({k: v for k, v in cleaned.items() if k in Asset.layered_fields})
                except ValidationError as exc:
                    for field, errors in exc.error_dict.items():
                        if field in self.fields:
                            self.add_error(field, errors)
                return cleaned

        return AssetForm

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and services.delete_refusal(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj) -> None:
        services.delete_asset(request.user, obj)


@admin.register(AssetVersion)
class AssetVersionAdmin(RestrictedAdmin):
    """Versions are recorded by the history listener; nobody edits them."""

    list_display = ["asset", "number", "status", "created_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["asset__title"]
    list_select_related = ["asset", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AssetVersion._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LocaleChain)
class LocaleChainAdmin(RestrictedAdmin):
    list_display = ["owner_unit", "chain", "updated_at"]
    search_fields = ["owner_unit__code", "owner_unit__name"]
    list_select_related = ["owner_unit"]
    restricted_fk_actions = {"owner_unit": "configure"}
