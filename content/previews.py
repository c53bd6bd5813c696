"""What a contact would receive: one asset rendered for them, and the resolver's choice.

Used by the preview and resolve endpoints. The callers pass objects they already looked
up through ``restrict``; this module never widens what the caller sees: a contact whose
personal data the caller may not read (PIPL residency) is rendered masked, and a node
the resolver picks but the caller may not see is reported, not shown.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from accounts import privacy
from accounts.models import Account, Contact
from content import rendering, resolve
from content.models import Asset, Layer


def protected(user: Any, contact: Contact) -> Contact:
    """``contact`` with personal fields masked in memory when ``user`` may not read them."""
    return privacy.protect(user, [contact])[0]


def stand_in(account: Account, language: str = "") -> Contact:
    """An unsaved contact of ``account`` for resolving per account (never saved)."""
    return Contact(
        account=account, owner_unit_id=account.owner_unit_id, language=language, country=""
    )


def _why(node: Asset, resolution: resolve.Resolution, country: str, channel: str) -> str:
    return _(
        "%(layer)s “%(title)s” (%(unit)s) in %(language)s: the most specific published "
        "version in the language chain %(chain)s whose usage rights allow %(country)s on "
        "%(channel)s."
    ) % {
        "layer": Layer(node.layer).label,
        "title": node.title,
        "unit": node.owner_unit.name,
        "language": node.language,
        "chain": " → ".join(resolution.languages) or "—",
        "country": country or _("an unknown country"),
        "channel": channel,
    }


def resolved_block(
    user: Any,
    family: Asset | uuid.UUID | str,
    contact: Contact,
    *,
    channel: str,
    when: datetime | None = None,
    real_contact: bool = True,
) -> dict[str, Any]:
    """The resolver's answer for ``contact``, rendered, with the reason or the why."""
    resolution = resolve.resolve_one(family, contact, channel=channel, when=when)
    account = contact.account
    block: dict[str, Any] = {
        "usable": False,
        "asset": None,
        "layer": None,
        "language": None,
        "owner_unit_code": None,
        "title": None,
        "languages": list(resolution.languages),
        "reason": resolution.reason,
        "why": "",
        "values": {},
    }
    node = resolution.asset
    if node is None:
        return block
    if not Asset.objects.restrict(user, "view").filter(pk=node.pk).exists():
        block["reason"] = _("The version chosen for this contact is not visible to you.")
        return block
    country = contact.country or account.country
    block.update(
        usable=True,
        asset=node.pk,
        layer=node.layer,
        language=node.language,
        owner_unit_code=node.owner_unit.code,
        title=node.title,
        why=_why(node, resolution, country, channel),
        values=rendering.render_values(
            resolution.values,
            account=account,
            contact=contact if real_contact else None,
            unit=account.owner_unit,
        ),
    )
    return block


def preview(
    user: Any, asset: Asset, contact: Contact, *, channel: str, when: datetime | None = None
) -> dict[str, Any]:
    """``asset``'s effective values as ``contact`` would read them, and what a send would
    actually use for them on ``channel``.

    ``contact`` must be visible to ``user`` and loaded with ``account__owner_unit``.
    """
    contact = protected(user, contact)
    account = contact.account
    values = asset.layered_values()
    return {
        "asset": asset.pk,
        "contact": contact.pk,
        "channel": channel,
        "personal_data_masked": bool(getattr(contact, "personal_data_masked", False)),
        "values": rendering.render_values(
            values, account=account, contact=contact, unit=account.owner_unit
        ),
        "unknown_tokens": rendering.unknown_tokens(values),
        "resolved": resolved_block(user, asset, contact, channel=channel, when=when),
    }
