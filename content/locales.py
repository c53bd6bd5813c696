"""Which languages to try for a contact: the language fallback chain of a unit.

The chain for a contact starts with the contact's own language and its base language
(fr-CA → fr), then follows the chain configured by the nearest unit up the tree
(``LocaleChain``); when none is configured, the organisation's default language
(the root unit's first language, else English) closes the chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from content.languages import DEFAULT_LANGUAGE, base_language, is_valid_tag, normalise_tag
from content.models import LocaleChain
from glocal.models import OrgUnit


def _dedupe(tags: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def configured_chain(
    unit_id: int, chains: Mapping[int, list[str]], parents: Mapping[int, int | None]
) -> list[str] | None:
    """The chain of the nearest configured unit on the path from ``unit_id`` to the root.

    ``chains`` maps unit ids to configured chains and ``parents`` unit ids to parent ids,
    so the resolver can answer for thousands of contacts without a query each.
    """
    current: int | None = unit_id
    while current is not None:
        if current in chains:
            return list(chains[current])
        current = parents.get(current)
    return None


def organisation_default(root: OrgUnit | None) -> str:
    languages = [normalise_tag(t) for t in (root.languages if root else None) or ()]
    return next((t for t in languages if is_valid_tag(t)), DEFAULT_LANGUAGE)


def chain_for(
    language: str,
    configured: list[str] | None,
    default: str = DEFAULT_LANGUAGE,
) -> list[str]:
    """The fallback chain for one requested ``language`` (may be empty)."""
    requested = normalise_tag(language) if language and is_valid_tag(language) else ""
    head = [requested, base_language(requested)] if requested else []
    tail = configured if configured else [default]
    return _dedupe([*head, *tail])


def language_chain(unit: OrgUnit, language: str = "") -> list[str]:
    """The chain for a contact speaking ``language`` at ``unit`` (a few small queries)."""
    path = []
    node: OrgUnit | None = unit
    while node is not None:
        path.append(node)
        node = node.parent
    chains = dict(
        LocaleChain.objects.filter(owner_unit__in=[u.pk for u in path]).values_list(
            "owner_unit_id", "chain"
        )
    )
    parents = {u.pk: u.parent_id for u in path}
    configured = configured_chain(unit.pk, chains, parents)
    return chain_for(language, configured, organisation_default(path[-1]))
