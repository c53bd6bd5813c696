"""Engagement intake: signed provider webhooks and bulk imports (DESIGN section 6.5).

A provider posts ``{"events": [{"id", "type", "touch" | "message_id", "occurred_at"}]}``
signed with its shared secret (``CAMPAIGNS_WEBHOOK_SECRETS``): the header
``X-Glocal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``. A
signature older than ``CAMPAIGNS_WEBHOOK_TOLERANCE`` seconds is refused (replays).

Each event names the touch by our idempotency key (which every adapter sends) or by the
provider's message id from the send ledger. It is recorded once per provider event id
as an engagement event of the touch's account and contact; each account touched is
rescored once per delivery, which may open a hand-off (``accounts.handoffs``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts import engagement
from accounts.models.engagement import EventKind
from campaigns.models import SendLedger, Touch

MAX_EVENTS = 1000
#: provider vocabulary → our event kinds
KINDS = {
    "delivered": EventKind.DELIVERED,
    "opened": EventKind.OPENED,
    "clicked": EventKind.CLICKED,
    "replied": EventKind.REPLIED,
    "registered": EventKind.REGISTERED,
    "attended": EventKind.ATTENDED,
    "meeting_booked": EventKind.MEETING,
    "meeting": EventKind.MEETING,
}


class WebhookRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def sign(secret: str, body: bytes, at: int | None = None) -> str:
    """The signature header value for ``body`` (providers and tests use the same rule)."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def verify(provider: str, body: bytes, header: str, now: float | None = None) -> None:
    secret = settings.CAMPAIGNS_WEBHOOK_SECRETS.get(provider)
    if not secret:
        raise WebhookRejected(404, _("No webhook is configured for this provider."))
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        at = int(parts.get("t", ""))
    except ValueError:
        raise WebhookRejected(401, _("Missing or malformed signature.")) from None
    now = time.time() if now is None else now
    if abs(now - at) > settings.CAMPAIGNS_WEBHOOK_TOLERANCE:
        raise WebhookRejected(401, _("The signature is too old or from the future."))
    expected = sign(secret, body, at).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise WebhookRejected(401, _("The signature does not match."))


@dataclass
class Intake:
    recorded: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"recorded": self.recorded, "duplicates": self.duplicates, "unknown": self.unknown}


def _parse(events: Any) -> list[dict[str, Any]]:
    """Validate the whole delivery first: a bad event refuses it all (nothing written)."""
    if not isinstance(events, list) or not events:
        raise ValidationError({"events": _("Send a non-empty list of events.")})
    if len(events) > MAX_EVENTS:
        raise ValidationError(
            {"events": _("At most %(n)s events per delivery.") % {"n": MAX_EVENTS}}
        )
    parsed, errors = [], []
    for n, event in enumerate(events):
        problems = []
        if not isinstance(event, dict):
            errors.append(_("Event %(n)s: an event is an object.") % {"n": n})
            continue
        if not str(event.get("id", "")).strip():
            problems.append(_("id is required"))
        if event.get("type") not in KINDS:
            problems.append(_("type must be one of %(kinds)s") % {"kinds": ", ".join(KINDS)})
        if not (event.get("touch") or event.get("message_id")):
            problems.append(_("name the touch or the provider's message_id"))
        when = parse_datetime(str(event.get("occurred_at", "")))
        if when is None or when.tzinfo is None:
            problems.append(_("occurred_at is an ISO 8601 time with its zone"))
        if problems:
            errors.append(
                _("Event %(n)s: %(problems)s.") % {"n": n, "problems": "; ".join(problems)}
            )
        else:
            parsed.append({**event, "occurred_at": when})
    if errors:
        raise ValidationError({"events": errors})
    return parsed


def _touches(provider: str, events: Iterable[dict[str, Any]]) -> dict[str, Touch]:
    keys = {e["touch"] for e in events if e.get("touch")}
    ids = {e["message_id"] for e in events if e.get("message_id") and not e.get("touch")}
    found = {
        t.idempotency_key: t
        for t in Touch.objects.unrestricted()
        .filter(idempotency_key__in=keys, ledger__isnull=False)
        .select_related("account", "contact")
    }
    for ledger in (
        SendLedger.objects.unrestricted()
        .filter(provider_message_id__in=ids, touch__isnull=False)
        .select_related("touch__account", "touch__contact")
    ):
        found[f"id:{ledger.provider_message_id}"] = ledger.touch
    return found


def record(provider: str, events: Any) -> Intake:
    """Record a delivery of events (validated as a whole first)."""
    parsed = _parse(events)
    touches = _touches(provider, parsed)
    result = Intake()
    rescore = {}
    for event in parsed:
        ref = event.get("touch") or f"id:{event['message_id']}"
        touch = touches.get(ref)
        if touch is None:
            result.unknown.append(str(event["id"]))
            continue
        outcome = engagement.record_event(
            account=touch.account,
            contact=touch.contact,
            kind=KINDS[event["type"]],
            occurred_at=event["occurred_at"],
            external_id=f"{provider}:{event['id']}"[:200],
            source=f"{provider} webhook",
            rescore=False,
        )
        if outcome.created:
            result.recorded += 1
            rescore[touch.account_id] = touch.account
        else:
            result.duplicates += 1
    for account in rescore.values():
        engagement.refresh_account(account)
    return result
