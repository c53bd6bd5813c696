"""Usage rights: where, on which channel and when an asset may be used.

Each node states only its *own* restriction (an empty list or a missing date means "no
restriction of its own"). The effective rights of a node are the intersection along its
chain to the core, so a local variant can narrow what the region licensed but never
widen it. A node that tries to widen is refused, naming the node that set the limit.

The functions work on an already-loaded chain so that the resolver can check thousands
of contacts without a query per contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pycountry
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Channel

if TYPE_CHECKING:
    from content.models import Asset


@dataclass(frozen=True)
class Rights:
    """Effective rights of a node; ``None`` means unrestricted. ``*_by`` name the setter."""

    territories: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    valid_from: datetime | None = None
    expires_at: datetime | None = None
    territories_by: str = ""
    channels_by: str = ""
    valid_from_by: str = ""
    expires_at_by: str = ""


def describe(node: Asset) -> str:
    """How a node is named in messages: its title and owning unit."""
    return f"“{node.title}” ({node.owner_unit.name})"


def chain_of(node: Asset) -> list[Asset]:
    """``node`` and its ancestors, core last (uses cached parents when present)."""
    chain = [node]
    while chain[-1].parent_id is not None:
        chain.append(chain[-1].parent)
    return chain


def effective(chain: Sequence[Asset]) -> Rights:
    """Intersect the own restrictions of a chain (node first, core last)."""
    rights = Rights()
    for node in reversed(chain):  # from the core down, so *_by names the narrowest setter
        name = describe(node)
        if node.territories:
            own = frozenset(node.territories)
            rights = _replace(
                rights,
                territories=own if rights.territories is None else rights.territories & own,
                territories_by=name,
            )
        if node.channels:
            own = frozenset(node.channels)
            rights = _replace(
                rights,
                channels=own if rights.channels is None else rights.channels & own,
                channels_by=name,
            )
        if node.valid_from and (rights.valid_from is None or node.valid_from > rights.valid_from):
            rights = _replace(rights, valid_from=node.valid_from, valid_from_by=name)
        if node.expires_at and (rights.expires_at is None or node.expires_at < rights.expires_at):
            rights = _replace(rights, expires_at=node.expires_at, expires_at_by=name)
    return rights


def _replace(rights: Rights, **changes) -> Rights:
    return Rights(**{**rights.__dict__, **changes})


def _when(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def invalid_values(node: Asset) -> dict[str, str]:
    """Field errors in a node's own restriction (unknown codes, inverted dates)."""
    errors = {}
    unknown = [c for c in node.territories or () if not isinstance(c, str) or not _is_country(c)]
    if unknown:
        errors["territories"] = _("Unknown country codes: %(codes)s") % {
            "codes": ", ".join(map(str, unknown))
        }
    bad = [c for c in node.channels or () if c not in Channel.values]
    if bad:
        errors["channels"] = _("Unknown channels: %(bad)s (choose from %(all)s).") % {
            "bad": ", ".join(map(str, bad)),
            "all": ", ".join(Channel.values),
        }
    if node.valid_from and node.expires_at and node.valid_from >= node.expires_at:
        errors["expires_at"] = _("The rights must expire after they start.")
    return errors


def _is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def widening(node: Asset, parent_chain: Sequence[Asset]) -> dict[str, str]:
    """Field errors where ``node``'s own restriction is wider than its parent's rights."""
    if not parent_chain:
        return {}
    inherited = effective(parent_chain)
    errors = {}
    if node.territories and inherited.territories is not None:
        extra = sorted(set(node.territories) - inherited.territories)
        if extra:
            errors["territories"] = _(
                "%(extra)s would widen the territories licensed by %(parent)s (%(allowed)s); "
                "a variant may only narrow them."
            ) % {
                "extra": ", ".join(extra),
                "parent": inherited.territories_by,
                "allowed": ", ".join(sorted(inherited.territories)) or _("none"),
            }
    if node.channels and inherited.channels is not None:
        extra = sorted(set(node.channels) - inherited.channels)
        if extra:
            errors["channels"] = _(
                "%(extra)s would widen the channels licensed by %(parent)s (%(allowed)s); "
                "a variant may only narrow them."
            ) % {
                "extra": ", ".join(extra),
                "parent": inherited.channels_by,
                "allowed": ", ".join(sorted(inherited.channels)) or _("none"),
            }
    if node.valid_from and inherited.valid_from and node.valid_from < inherited.valid_from:
        errors["valid_from"] = _(
            "The rights cannot start before %(when)s, the start set by %(parent)s."
        ) % {"when": _when(inherited.valid_from), "parent": inherited.valid_from_by}
    if node.expires_at and inherited.expires_at and node.expires_at > inherited.expires_at:
        errors["expires_at"] = _(
            "The rights cannot outlast %(when)s, the expiry set by %(parent)s."
        ) % {"when": _when(inherited.expires_at), "parent": inherited.expires_at_by}
    return errors


def refusal(rights: Rights, country: str, channel: str, when: datetime) -> str | None:
    """Why effective ``rights`` forbid this use (None when allowed)."""
    if rights.territories is not None:
        if not country:
            return _(
                "Licensed only in %(allowed)s (by %(by)s) and the recipient's country is unknown."
            ) % {"allowed": ", ".join(sorted(rights.territories)), "by": rights.territories_by}
        if country.upper() not in rights.territories:
            return _("Not licensed in %(country)s: only %(allowed)s (set by %(by)s).") % {
                "country": country.upper(),
                "allowed": ", ".join(sorted(rights.territories)) or _("nowhere"),
                "by": rights.territories_by,
            }
    if rights.channels is not None and channel not in rights.channels:
        return _("Not licensed for %(channel)s: only %(allowed)s (set by %(by)s).") % {
            "channel": channel,
            "allowed": ", ".join(sorted(rights.channels)) or _("no channel"),
            "by": rights.channels_by,
        }
    if rights.valid_from is not None and when < rights.valid_from:
        return _("The rights start on %(when)s (set by %(by)s).") % {
            "when": _when(rights.valid_from),
            "by": rights.valid_from_by,
        }
    if rights.expires_at is not None and when >= rights.expires_at:
        return _("The rights expired on %(when)s (set by %(by)s).") % {
            "when": _when(rights.expires_at),
            "by": rights.expires_at_by,
        }
    return None


def rights_allow(
    asset: Asset, country: str, channel: str, when: datetime | None = None
) -> str | None:
    """Why ``asset`` may not be used in ``country`` on ``channel`` at ``when`` (None: it may)."""
    return refusal(effective(chain_of(asset)), country, channel, when or timezone.now())
