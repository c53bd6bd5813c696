from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from glocal import services
from glocal.api.base import CurrentUnitMixin, TenantViewSet, as_drf_validation_error
from glocal.api.filters import MembershipFilterSet, OrgUnitFilterSet
from glocal.api.serializers import (
    MembershipSerializer,
    MeSerializer,
    OrgUnitSerializer,
    RetireResultSerializer,
    RetireSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from glocal.models import Membership, OrgUnit


class ObtainTokenView(APIView):
    """Exchange a username and password for an expiring API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        instance, token = AuthToken.objects.create(user, knox_settings.TOKEN_TTL)
        return Response({"token": token, "expiry": instance.expiry})


class RevokeTokenView(CurrentUnitMixin, APIView):
    """Revoke the token used for this request."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(CurrentUnitMixin, APIView):
    """Who am I, which unit am I acting for, and where am I a member."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        memberships = Membership.objects.filter(user=user, unit__is_active=True).select_related(
            "unit"
        )
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_superuser": user.is_superuser,
            "current_unit": request.unit,
            "memberships": memberships,
        }
        return Response(MeSerializer(data).data)


class OrgUnitViewSet(TenantViewSet):
    """Units of your organisation that you may see: yours, above and below — never siblings."""

    queryset = OrgUnit.objects.select_related("organization")
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    ordering_fields = ["code", "name", "tier"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    # Creating is authorised by the parent field: only units the caller configures.
    restrict_actions = {"retire": "configure", "reactivate": "configure"}

    @extend_schema(request=RetireSerializer, responses=RetireResultSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """Retire the unit; everything it owns moves to ``reassign_to``."""
        unit = self.get_object()
        payload = RetireSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        try:
            result = services.retire_unit(unit, payload.validated_data["reassign_to"])
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None
        return Response(RetireResultSerializer(result, context={"request": request}).data)

    @extend_schema(request=None, responses=OrgUnitSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        """Bring a retired unit back (its memberships grant access again)."""
        unit = self.get_object()
        try:
            unit = services.reactivate_unit(unit)
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from None
        return Response(self.get_serializer(unit).data)


class MembershipViewSet(TenantViewSet):
    """Who holds which role in the units you may see; unit admins manage them."""

    queryset = Membership.objects.select_related("user", "unit")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    ordering_fields = ["unit__code", "user__username", "role"]
