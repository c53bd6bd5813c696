"""HTTP gateways for the social, messaging, event and ad channels.

Each channel posts JSON to ``<endpoint>/messages`` with a bearer token and an
``Idempotency-Key`` header. The answer decides the outcome: 2xx (or 409, "already
accepted under this key") is sent, with the provider's ``id``; 408, 425, 429 and 5xx,
timeouts and connection errors are transient (``Retry-After`` honoured); any other 4xx
is a permanent refusal. WhatsApp Business messages go out as templates (outbound
marketing outside the service window must be a pre-approved template).
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from campaigns.adapters.base import Adapter, Message, Outcome

TRANSIENT = {408, 425, 429}


def payload(message: Message) -> dict[str, Any]:
    body: dict[str, Any] = {
        "idempotency_key": message.key,
        "channel": message.channel,
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
        "language": message.language,
        "metadata": message.meta,
    }
    if message.channel == "whatsapp":
        body["type"] = "template"
        body["template"] = {
            "name": message.meta.get("template", ""),
            "language": message.language or "en",
        }
    return body


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class HttpAdapter(Adapter):
    name = "http"

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.endpoint = settings.CAMPAIGNS_HTTP_ENDPOINTS.get(channel, "").rstrip("/")
        self.token = settings.CAMPAIGNS_HTTP_TOKENS.get(channel, "")
        self.client: httpx.Client | None = None

    def open(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.client = httpx.Client(
            timeout=settings.CAMPAIGNS_HTTP_TIMEOUT, headers=headers, follow_redirects=False
        )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def send(self, message: Message) -> Outcome:
        if not self.endpoint:
            return Outcome.retry(f"No endpoint is configured for {message.channel}.")
        if self.client is None:
            self.open()
        assert self.client is not None
        try:
            response = self.client.post(
                f"{self.endpoint}/messages",
                json=payload(message),
                headers={"Idempotency-Key": message.key},
            )
        except httpx.TimeoutException:
            return Outcome.retry(f"{message.channel}: the provider did not answer in time.")
        except httpx.HTTPError as exc:
            return Outcome.retry(f"{message.channel}: {exc.__class__.__name__}.")
        status = response.status_code
        if 200 <= status < 300 or status == 409:
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            ident = str(answer.get("id", "")) if isinstance(answer, dict) else ""
            return Outcome.sent(ident or message.key)
        detail = response.text[:200]
        if status in TRANSIENT or status >= 500:
            return Outcome.retry(
                f"{message.channel}: HTTP {status} {detail}", _retry_after(response)
            )
        return Outcome.rejected(f"{message.channel}: HTTP {status} {detail}")
