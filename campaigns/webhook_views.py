"""The provider webhook endpoint: authenticated by signature, not by a user."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import webhooks


class EngagementWebhook(APIView):
    """Engagement events from a channel provider (delivered, opened, clicked, …).

    Signed with the provider's shared secret (header ``X-Glocal-Signature``); redelivered
    events are recognised by their id and recorded once.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="events_webhook",
        request={"application/json": {"type": "object"}},
        responses={
            200: OpenApiResponse(description="Counts of recorded, duplicate and unknown events"),
            400: OpenApiResponse(description="Malformed delivery: nothing recorded"),
            401: OpenApiResponse(description="Bad or stale signature"),
            404: OpenApiResponse(description="No webhook configured for this provider"),
        },
        tags=["campaigns"],
    )
    def post(self, request: Request, provider: str) -> Response:
        raw = request._request.body
        try:
            webhooks.verify(provider, raw, request.headers.get("X-Glocal-Signature", ""))
        except webhooks.WebhookRejected as exc:
            return Response({"detail": exc.message}, status=exc.status)
        try:
            payload = json.loads(raw)
        except ValueError:
            return Response({"detail": "The body is not JSON."}, status=status.HTTP_400_BAD_REQUEST)
        events = payload.get("events") if isinstance(payload, dict) else None
        try:
            with transaction.atomic():
                result = webhooks.record(provider, events)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())
