"""The content library as a tree: global cores → regional adaptations → local variants.

A list of matching assets is hard to read when every market has its own variant of the
same core, so the dashboard shows each match in its family: under its source
(``parent``), with translations of a core grouped under the original core. Sources the
user may see are shown for context even when they do not match the filters themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from content.models import Asset
from content.models.assets import LAYER_SPECIFICITY


@dataclass
class TreeNode:
    asset: Asset
    matched: bool
    children: list[TreeNode] = field(default_factory=list)
    translations: list[TreeNode] = field(default_factory=list)


def _sort_key(node: TreeNode) -> tuple:
    asset = node.asset
    # Broadest layer first, so a core reads above its adaptations.
    return (-LAYER_SPECIFICITY[asset.layer], asset.owner_unit.name, asset.language, asset.pk)


def build_tree(visible: QuerySet, matched_ids: Iterable[int]) -> list[TreeNode]:
    """Roots of the forest holding ``matched_ids`` and their visible sources.

    ``visible`` is the user's restricted queryset; two queries whatever the size.
    """
    matched = set(matched_ids)
    if not matched:
        return []
    families = visible.filter(pk__in=matched).values("family")
    nodes = {
        a.pk: a for a in visible.filter(family__in=families).select_related("owner_unit", "account")
    }
    for asset in nodes.values():  # cache sources so .layer and titles need no query
        if asset.parent_id in nodes:
            asset.parent = nodes[asset.parent_id]
    shown = set()
    for pk in matched & nodes.keys():
        current: Asset | None = nodes[pk]
        while current is not None and current.pk not in shown:
            shown.add(current.pk)
            source = current.parent_id or current.translation_of_id
            current = nodes.get(source) if source else None
    tree = {pk: TreeNode(nodes[pk], pk in matched) for pk in shown}
    roots = []
    for pk in shown:
        asset = nodes[pk]
        if asset.parent_id in tree:
            tree[asset.parent_id].children.append(tree[pk])
        elif asset.translation_of_id in tree:
            tree[asset.translation_of_id].translations.append(tree[pk])
        else:
            roots.append(tree[pk])
    for node in tree.values():
        node.children.sort(key=_sort_key)
        node.translations.sort(key=_sort_key)
    roots.sort(key=lambda n: (n.asset.title.casefold(), n.asset.pk))
    return roots
