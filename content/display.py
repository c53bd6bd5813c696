"""How an asset is shown in the dashboard: safe markup, per-field states, rights badges.

Texts are authored in every unit, so nothing here hands them to the template engine:
markup is re-sanitised before it is marked safe, everything else is escaped by the
template as a plain variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from content import rights, tokens
from content.alerts import WARNING_WINDOW
from content.models import Asset
from content.sanitise import clean_markup
from glocal.layering.overview import field_overview
from glocal.layering.policies import check_override

#: fields holding free text in which authors may place personalisation tokens
TOKEN_FIELDS = (
    "title", "summary", "body", "intro", "cta_label", "brand_claim", "legal_notice",
    "personal_text",
)  # fmt: skip


def safe_markup(text: str) -> SafeString:
    """Stored markup, sanitised again (never trust a row written by another path)."""
    return mark_safe(clean_markup(text or ""))  # noqa: S308 - sanitised on the line itself


def display_value(asset: Asset, name: str, value: Any) -> Any:
    if value in (None, ""):
        return ""
    if name in asset.markup_fields:
        return safe_markup(str(value))
    return value


def field_rows(asset: Asset, *, may_change: bool) -> list[dict[str, Any]]:
    """``field_overview`` plus what the dashboard needs: the locker's name, why this
    node may not override a field, and the tokens that would render empty."""
    chain = rights.chain_of(asset)
    names = {node.owner_unit.code: node.owner_unit.name for node in chain}
    rows = []
    for row in field_overview(asset):
        name = row["field"]
        text = row["value"] if isinstance(row["value"], str) else ""
        rows.append(
            {
                **row,
                "display": display_value(asset, name, row["value"]),
                "markup": name in asset.markup_fields,
                "inherited_from_name": names.get(row["inherited_from"], row["inherited_from"]),
                "locked_by_name": names.get(row["locked_by"], row["locked_by"]),
                "refusal": check_override(asset, name) if may_change and asset.parent_id else None,
                "unknown_tokens": tokens.unknown_tokens(text) if name in TOKEN_FIELDS else [],
            }
        )
    return rows


@dataclass(frozen=True)
class RightsBadges:
    """The effective usage rights of a node and their state today."""

    rights: rights.Rights
    state: str  # unrestricted, valid, pending, expiring, expired
    label: Any

    @property
    def restricted(self) -> bool:
        return self.state != "unrestricted"

    @property
    def territories(self) -> list[str] | None:
        return sorted(self.rights.territories) if self.rights.territories is not None else None

    @property
    def channels(self) -> list[str] | None:
        return sorted(self.rights.channels) if self.rights.channels is not None else None


STATE_LABELS = {
    "unrestricted": _("No usage restriction"),
    "valid": _("Usable"),
    "pending": _("Not yet usable"),
    "expiring": _("Expiring soon"),
    "expired": _("Expired"),
}


def rights_badges(
    asset: Asset, now: datetime | None = None, window: timedelta = WARNING_WINDOW
) -> RightsBadges:
    """Badges for the rights along the node's chain ("expiring soon" = the alert window)."""
    now = now or timezone.now()
    effective = rights.effective(rights.chain_of(asset))
    if effective == rights.Rights():
        state = "unrestricted"
    elif effective.expires_at is not None and effective.expires_at <= now:
        state = "expired"
    elif effective.valid_from is not None and effective.valid_from > now:
        state = "pending"
    elif effective.expires_at is not None and effective.expires_at <= now + window:
        state = "expiring"
    else:
        state = "valid"
    return RightsBadges(effective, state, STATE_LABELS[state])
