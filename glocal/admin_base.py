"""Admin base: changelists and choices go through ``restrict`` like the API."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from guardian.admin import GuardedModelAdmin

from glocal.layering.policies import check_override


class RestrictedAdmin(GuardedModelAdmin):
    """Staff users without superuser rights see and edit only rows in their scope.

    ``restricted_fk_actions`` maps foreign-key fields to the restrict action their
    choices require (e.g. ``{"owner_unit": "own"}``).
    """

    restricted_fk_actions: dict[str, str] = {}

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, "view")

    def _allowed(self, request, obj, action: str) -> bool:
        if obj is None:
            return True
        return self.model._default_manager.restrict(request.user, action).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._allowed(request, obj, "change")

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._allowed(request, obj, "delete")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        action = self.restricted_fk_actions.get(db_field.name)
        if action is not None:
            model = db_field.remote_field.model
            kwargs["queryset"] = model._default_manager.restrict(request.user, action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None:
            # Keeping the current value is always allowed; only a new value must be
            # one the user may act on (e.g. moving a unit needs rights on the new parent).
            for name in self.restricted_fk_actions:
                field = form.base_fields.get(name)
                current = getattr(obj, f"{name}_id", None)
                if field is not None and current is not None:
                    model = field.queryset.model
                    field.queryset = model._default_manager.filter(
                        Q(pk__in=field.queryset.values("pk")) | Q(pk=current)
                    )
        return form

    def _require_change(self, request, object_pk) -> None:
        obj = self.get_queryset(request).filter(pk=object_pk).first()
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied

    # Guardian only checks the model-level change permission; sharing an object needs
    # the right to change that very object (a local admin must not share HQ's rows).
    def obj_perms_manage_view(self, request, object_pk):
        self._require_change(request, unquote(object_pk))
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._require_change(request, unquote(object_pk))
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._require_change(request, unquote(object_pk))
        return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not self._allowed(request, obj, "change" if change else "add"):
            raise PermissionDenied


class LayeredAdmin(RestrictedAdmin):
    """Admin for layered objects: edits go through the layering engine's rules.

    An override refused by a policy or a lock shows as a field error, exactly as in
    the API; saving a change records it as an override of the parent.
    """

    layered_readonly = ("overridden_fields", "source_values")

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.layered_readonly]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        model = self.model

        class LayeredForm(form_class):
            def clean(self):
                cleaned = super().clean()
                parent = cleaned.get("parent", getattr(self.instance, "parent", None))
                owner_unit = cleaned.get("owner_unit", getattr(self.instance, "owner_unit", None))
                if parent is None or owner_unit is None:
                    return cleaned
                probe = model(pk=self.instance.pk, parent=parent, owner_unit=owner_unit)
                for field in _overrides(self, parent, model.layered_fields):
                    problem = check_override(probe, field)
                    if problem:
                        self.add_error(field, problem)
                return cleaned

        return LayeredForm

    def save_model(self, request, obj, form, change) -> None:
        from glocal import layering

        if obj.parent_id is None:
            return super().save_model(request, obj, form, change)
        values = {f: getattr(obj, f) for f in _overrides(form, obj.parent, obj.layered_fields)}
        if not change:
            rest = {
                f.attname: getattr(obj, f.attname)
                for f in obj._meta.concrete_fields
                if f.name not in obj.layered_fields
                and f.name not in ("id", "parent", "owner_unit", *self.layered_readonly)
                and not getattr(f, "auto_now", False)
                and not getattr(f, "auto_now_add", False)
            }
            node = layering.adapt(obj.parent, obj.owner_unit, values, **rest)
            obj.pk = node.pk
            obj.refresh_from_db()
            return None
        current = type(obj)._default_manager.get(pk=obj.pk)
        for field in values:
            setattr(obj, field, getattr(current, field))
        super().save_model(request, obj, form, change)
        if values:
            layering.set_fields(obj, values)
            obj.refresh_from_db()
        return None


def _overrides(form, parent, layered_fields) -> list[str]:
    """Layered fields the form sets to something new (a change, or a value unlike the parent)."""
    if form.instance.pk:
        return [f for f in form.changed_data if f in layered_fields]
    data = getattr(form, "cleaned_data", {})
    return [f for f in layered_fields if f in data and data[f] != getattr(parent, f)]
