"""Residency-aware contact output and data-subject endpoints for the API."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import privacy
from accounts.models import Contact


class ProtectedListSerializer(serializers.ListSerializer):
    """Masks personal fields of a whole page with one visibility check."""

    def to_representation(self, data):
        contacts = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        privacy.protect(getattr(request, "user", None), contacts)
        return super().to_representation(contacts)


class ProtectedContactMixin(serializers.Serializer):
    """Contacts whose residency zone the reader is outside of show masked personal data."""

    personal_data_masked = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = ProtectedListSerializer

    def to_representation(self, instance):
        if not getattr(instance, "personal_data_checked", False) and isinstance(instance, Contact):
            request = self.context.get("request")
            privacy.protect(getattr(request, "user", None), [instance])
        return super().to_representation(instance)

    def get_personal_data_masked(self, contact) -> bool:
        return bool(getattr(contact, "personal_data_masked", False))


class EraseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=["request", "objection", "retention"], default="request"
    )


class DataSubjectActionsMixin:
    """``export`` and ``erase`` for a contact, for managers of its unit (DSAR workflow)."""

    def _subject(self) -> Contact:
        contact = self.get_object()
        if (
            not Contact.objects.restrict(self.request.user, "approve")
            .filter(pk=contact.pk)
            .exists()
        ):
            raise exceptions.PermissionDenied(_("Only managers of the contact's unit may do this."))
        if not privacy.visible_personal_data(self.request.user, [contact]):
            raise exceptions.PermissionDenied(
                _("This person's data must stay in its residency zone.")
            )
        return contact

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """Everything held about the person (access request), as JSON."""
        return Response(privacy.export_contact(self._subject()))

    @extend_schema(request=EraseSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        """Anonymise the person everywhere; an erasure log entry remains."""
        payload = EraseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        privacy.erase_contact(
            self._subject(), actor=request.user, reason=payload.validated_data["reason"]
        )
        return Response(status=204)
