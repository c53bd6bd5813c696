"""Resolution: which node of an asset family each contact should receive, and why not.

**Families.** A global core and everything derived from it form a family: adaptations
(``parent``: regional adaptation → local variant → per-account personalisation, all in
the core's language or a regional variant of it) and translations of the core
(``translation_of``: a core of its own in another language, owned by the same unit,
with its own adaptations below). Every node of a family carries the same ``family``
key, so one query loads every candidate. Callers pass any node of the family (or the
family key itself, the "slot" a campaign step points at).

**Choice, for each contact.** The contact's account and the account's owning unit U
give the candidates: published nodes whose whole chain is published, owned by U or an
ancestor of U, and — for per-account nodes — bound to that account. They are ranked by
language first (the contact's language chain at U, e.g. fr-CA → fr → en: a French
contact gets French before a more specific English variant), then by layer
(per-account → local → regional → core), then by depth and recency. The first candidate
whose effective usage rights allow the contact's country (the contact's, else the
account's), the channel and the date wins; otherwise the result carries the reason.

**Cost.** A constant number of queries whatever the number of contacts: the accounts,
the organisation's units, its language chains and the family, each loaded once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from content import rights
from content.locales import chain_for, configured_chain, organisation_default
from content.models import Asset, LocaleChain, Status
from content.models.assets import LAYER_SPECIFICITY
from glocal.models import OrgUnit

#: at most this many refused candidates are listed in a reason
REASONS_SHOWN = 3


@dataclass
class Resolution:
    """The outcome for one contact: the node to use and its effective values, or why not."""

    contact: Contact
    asset: Asset | None
    values: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    languages: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.asset is not None


@dataclass
class _Family:
    title: str
    nodes: list[Asset]
    live: list[Asset]  # published, with every ancestor published
    depth: dict[int, int]
    effective: dict[int, rights.Rights]


def _load_family(asset_or_slot: Asset | uuid.UUID | str) -> tuple[_Family, dict[int, OrgUnit]]:
    key = (
        asset_or_slot.family if isinstance(asset_or_slot, Asset) else uuid.UUID(str(asset_or_slot))
    )
    nodes = list(Asset.objects.unrestricted().filter(family=key).select_related("owner_unit"))
    if not nodes:
        return _Family("", [], [], {}, {}), {}
    org_id = nodes[0].owner_unit.organization_id
    units = {u.pk: u for u in OrgUnit.objects.filter(organization_id=org_id)}
    for unit in units.values():
        unit.parent = units.get(unit.parent_id)
    by_id = {n.pk: n for n in nodes}
    for node in nodes:
        node.owner_unit = units[node.owner_unit_id]
        node.parent = by_id.get(node.parent_id) if node.parent_id else None
    chains = {n.pk: rights.chain_of(n) for n in nodes}
    live = [n for n in nodes if all(link.status == Status.PUBLISHED for link in chains[n.pk])]
    original = next(
        (n for n in nodes if n.parent_id is None and n.translation_of_id is None), nodes[0]
    )
    title = asset_or_slot.title if isinstance(asset_or_slot, Asset) else original.title
    return (
        _Family(
            title=title,
            nodes=nodes,
            live=live,
            depth={pk: len(chain) for pk, chain in chains.items()},
            effective={n.pk: rights.effective(chains[n.pk]) for n in live},
        ),
        units,
    )


def _path(unit: OrgUnit) -> list[int]:
    ids = []
    node: OrgUnit | None = unit
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def _rank(node: Asset, languages: list[str], depth: int) -> tuple:
    published = node.published_at.timestamp() if node.published_at else 0.0
    return (
        languages.index(node.language),
        LAYER_SPECIFICITY[node.layer],
        -depth,
        -published,
        -node.pk,
    )


def resolve(
    asset_or_slot: Asset | uuid.UUID | str,
    *,
    contacts: Iterable[Contact],
    channel: str,
    when: datetime | None = None,
) -> list[Resolution]:
    """The effective node of a family for each contact, in the order given."""
    when = when or timezone.now()
    contacts = list(contacts)
    if not contacts:
        return []
    family, units = _load_family(asset_or_slot)
    if not family.nodes:
        missing = _("This content does not exist (any more).")
        return [Resolution(contact, None, reason=missing) for contact in contacts]
    accounts = {
        a.pk: a
        for a in Account.objects.unrestricted()
        .filter(pk__in={c.account_id for c in contacts})
        .only("pk", "name", "country", "owner_unit_id")
    }
    org_ids = {u.organization_id for u in units.values()}
    configured = dict(
        LocaleChain.objects.unrestricted()
        .filter(owner_unit__organization_id__in=org_ids)
        .values_list("owner_unit_id", "chain")
    )
    parents = {pk: u.parent_id for pk, u in units.items()}
    root = next((u for u in units.values() if u.parent_id is None), None)
    default = organisation_default(root)
    ranked: dict[tuple, list[Asset]] = {}
    results = []
    for contact in contacts:
        account = accounts.get(contact.account_id)
        unit = units.get(account.owner_unit_id) if account is not None else None
        if unit is None:  # another organisation's contact never sees this family
            results.append(
                Resolution(
                    contact, None, reason=_("This contact is outside the asset's organisation.")
                )
            )
            continue
        requested = contact.language or next(iter(unit.languages or ()), "")
        languages = chain_for(requested, configured_chain(unit.pk, configured, parents), default)
        key = (unit.pk, account.pk, tuple(languages))
        if key not in ranked:
            path = set(_path(unit))
            candidates = [
                n
                for n in family.live
                if n.owner_unit_id in path
                and n.account_id in (None, account.pk)
                and n.language in languages
            ]
            candidates.sort(key=lambda n: _rank(n, languages, family.depth[n.pk]))
            ranked[key] = candidates
        results.append(
            _choose(family, ranked[key], contact, account, unit, languages, channel, when)
        )
    return results


def _choose(
    family: _Family,
    candidates: list[Asset],
    contact: Contact,
    account: Account,
    unit: OrgUnit,
    languages: list[str],
    channel: str,
    when: datetime,
) -> Resolution:
    country = contact.country or account.country
    refused = []
    for node in candidates:
        problem = rights.refusal(family.effective[node.pk], country, channel, when)
        if problem is None:
            return Resolution(contact, node, node.layered_values(), "", languages)
        refused.append((node, problem))
    params = {"title": family.title, "languages": " → ".join(languages), "unit": unit.name}
    if not refused:
        reason = (
            _("No published version of “%(title)s” in %(languages)s is available to %(unit)s.")
            % params
        )
    else:
        details = "; ".join(
            f"{rights.describe(node)} [{node.language}]: {problem}"
            for node, problem in refused[:REASONS_SHOWN]
        )
        reason = _("No version of “%(title)s” may be used here: %(details)s") % {
            **params,
            "details": details,
        }
    return Resolution(contact, None, {}, reason, languages)


def resolve_one(
    asset_or_slot: Asset | uuid.UUID | str,
    contact: Contact,
    *,
    channel: str,
    when: datetime | None = None,
) -> Resolution:
    """Convenience for previews: the resolution for a single contact."""
    return resolve(asset_or_slot, contacts=[contact], channel=channel, when=when)[0]
