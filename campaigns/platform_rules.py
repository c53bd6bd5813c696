"""Channel platform rules, enforced as gates like consent (DESIGN section 6.8).

* **WeChat** — an official account may broadcast to a follower only a few times a
  month (``CAMPAIGNS_WECHAT_MONTHLY_QUOTA``, 4 by default, counted per local calendar
  month across all campaigns of the organisation).
* **WhatsApp Business** — outbound marketing must be a pre-approved template, unless the
  contact wrote to us within the last 24 hours (the customer-service window). Content
  is a template when its asset is of the kind "approved message template".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext

from accounts.models import EngagementEvent
from accounts.models.engagement import EventKind
from campaigns.models import Touch, TouchStatus

TEMPLATE_KIND = "message_template"
SERVICE_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass
class PlatformState:
    """What the rules need for one batch, loaded in two queries."""

    wechat_sent: dict[int, list[dt.datetime]] = field(default_factory=dict)
    replied: set[int] = field(default_factory=set)
    counted: Counter = field(default_factory=Counter)

    @classmethod
    def load(
        cls, contact_ids: Iterable[int], channels: set[str], now: dt.datetime
    ) -> PlatformState:
        ids = list(contact_ids)
        state = cls()
        if "wechat" in channels and ids:
            for contact_id, sent_at in (
                Touch.objects.unrestricted()
                .filter(contact_id__in=ids, channel="wechat", status=TouchStatus.SENT)
                .filter(sent_at__gte=now - dt.timedelta(days=32))
                .values_list("contact_id", "sent_at")
            ):
                state.wechat_sent.setdefault(contact_id, []).append(sent_at)
        if "whatsapp" in channels and ids:
            state.replied = set(
                EngagementEvent.objects.unrestricted()
                .filter(contact_id__in=ids, kind=EventKind.REPLIED)
                .filter(occurred_at__gte=now - SERVICE_WINDOW)
                .values_list("contact_id", flat=True)
            )
        return state

    def wechat(self, contact_id: int, now: dt.datetime, tz: ZoneInfo) -> Refusal | None:
        quota = settings.CAMPAIGNS_WECHAT_MONTHLY_QUOTA
        month = now.astimezone(tz).strftime("%Y-%m")
        sent = (
            sum(
                1
                for when in self.wechat_sent.get(contact_id, [])
                if when.astimezone(tz).strftime("%Y-%m") == month
            )
            + self.counted[contact_id, month]
        )
        if sent >= quota:
            return Refusal(
                "wechat_quota",
                gettext(
                    "WeChat allows %(quota)s broadcasts per follower per month; this contact "
                    "already received %(sent)s in %(month)s."
                )
                % {"quota": quota, "sent": sent, "month": month},
            )
        return None

    def count_wechat(self, contact_id: int, now: dt.datetime, tz: ZoneInfo) -> None:
        """Count a broadcast sent in this batch (the next one to the contact sees it)."""
        self.counted[contact_id, now.astimezone(tz).strftime("%Y-%m")] += 1

    def whatsapp(self, contact_id: int, content_kind: str) -> Refusal | None:
        if content_kind == TEMPLATE_KIND or contact_id in self.replied:
            return None
        return Refusal(
            "whatsapp_template_only",
            gettext(
                "WhatsApp Business sends marketing only as an approved template outside the "
                "24-hour service window; this content is not an approved message template."
            ),
        )
