"""Base API classes: the tenant boundary lives here and nowhere else.

Subclasses of :class:`TenantViewSet` declare ``queryset`` and never override
``get_queryset``; every request's queryset is ``queryset.restrict(user, action)``.
Objects outside the caller's scope answer 404; objects the caller can see but not
change answer 403.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings

from glocal import changes, current_unit
from glocal.tenancy import forget_scopes

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class UnknownUnitError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "unknown_unit"
    default_detail = "X-Glocal-Unit names no unit you are a member of."


class CurrentUnitMixin:
    """Resolve ``request.unit`` right after authentication (before throttling)."""

    def perform_authentication(self, request) -> None:
        user = request.user
        unit = None
        if user.is_authenticated:
            try:
                unit = current_unit.resolve(request._request, user)
            except current_unit.UnknownUnit as exc:
                raise UnknownUnitError(
                    f"X-Glocal-Unit {exc.args[0]!r} names no unit you are a member of."
                ) from None
        request.unit = unit
        request._request.unit = unit
        if user.is_authenticated:
            changes.set_actor(user)


def as_drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    detail = get_error_detail(exc)
    if isinstance(detail, dict) and NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return exceptions.ValidationError(detail)


#: restrict actions as words of a sentence ("you may see this account but not …")
ACTION_VERBS = {
    "change": gettext_lazy("change"),
    "delete": gettext_lazy("delete"),
    "approve": gettext_lazy("approve"),
    "configure": gettext_lazy("configure"),
    "lock": gettext_lazy("lock"),
}


class TenantViewSet(CurrentUnitMixin, viewsets.ModelViewSet):
    """Model viewset whose querysets always go through ``restrict``."""

    #: action name (for custom @action routes) → restrict action
    restrict_actions: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset (tenant boundary)")

    def restrict_action(self) -> str:
        if self.action in self.restrict_actions:
            return self.restrict_actions[self.action]
        return METHOD_ACTIONS.get(self.request.method, "view")

    def get_queryset(self):
        return self.queryset.restrict(self.request.user, "view")

    def get_object(self):
        obj = super().get_object()  # 404 outside the visible scope
        action = self.restrict_action()
        if action != "view":
            allowed = self.queryset.restrict(self.request.user, action).filter(pk=obj.pk)
            if not allowed.exists():
                raise exceptions.PermissionDenied(
                    _("You may see this %(object)s but not %(action)s it.")
                    % {"object": obj._meta.verbose_name, "action": ACTION_VERBS.get(action, action)}
                )
        return obj

    def perform_create(self, serializer) -> None:
        with transaction.atomic():
            instance = serializer.save()
            self._check_still_in_scope(instance, "add")

    def perform_update(self, serializer) -> None:
        with transaction.atomic():
            instance = serializer.save()
            self._check_still_in_scope(instance, "change")

    def _check_still_in_scope(self, instance, action: str) -> None:
        """A write must not place an object outside the writer's own scope."""
        forget_scopes(self.request.user)  # the write may have changed the tree
        if not self.queryset.restrict(self.request.user, action).filter(pk=instance.pk).exists():
            transaction.set_rollback(True)
            raise exceptions.PermissionDenied(
                _("This change would put the %(object)s outside your units.")
                % {"object": instance._meta.verbose_name}
            )


class RestrictedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related-object input whose choices are what the caller may ``action``."""

    def __init__(self, *, action: str = "view", **kwargs):
        self.restrict_action = action
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        allowed = self.queryset.restrict(user, self.restrict_action)
        # Keeping the current value is always allowed; only a new value needs rights.
        instance = getattr(self.parent, "instance", None)
        current = getattr(instance, f"{self.source}_id", None) if instance is not None else None
        if current is not None:
            allowed = self.queryset.model._default_manager.filter(
                Q(pk__in=allowed.values("pk")) | Q(pk=current)
            )
        return allowed


class ValidatedModelSerializer(serializers.ModelSerializer):
    """Runs ``Model.full_clean()`` so the API enforces the same rules as admin and forms."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.build_for_validation(attrs)
        try:
            instance.full_clean(validate_unique=True, validate_constraints=True)
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None
        return attrs

    def build_for_validation(self, attrs):
        if self.instance is not None:
            instance = self.Meta.model.objects.get(pk=self.instance.pk)
        else:
            instance = self.Meta.model()
        for name, value in attrs.items():
            setattr(instance, name, value)
        return instance
