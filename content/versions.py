"""Version history: record a snapshot whenever a node's effective values change.

Edits reach an asset by several paths: the engine's ``set_fields``/``revert`` (model
saves) and its cascade, which rewrites the materialised values of descendants with a
bulk ``update()``. The kernel's change hooks (``glocal.changes``) report both, so one
listener keeps the history complete whichever path wrote the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from content.models import Asset, AssetVersion
from glocal import changes
from glocal.layering.overview import text_diff

#: what a version captures besides the layered values
EXTRA_FIELDS = ("status",)


def snapshot(asset: Asset) -> dict[str, Any]:
    return asset.layered_values()


def record(asset: Asset, actor: Any = None) -> AssetVersion | None:
    """Add a version if the node's effective values or status differ from the last one."""
    values = snapshot(asset)
    last = AssetVersion.objects.filter(asset_id=asset.pk).order_by("-number").first()
    if last is not None and last.values == values and last.status == asset.status:
        return None
    return AssetVersion.objects.create(
        asset_id=asset.pk,
        owner_unit_id=asset.owner_unit_id,
        number=(last.number + 1) if last else 1,
        values=values,
        status=asset.status,
        created_by_id=getattr(actor, "pk", None)
        if getattr(actor, "is_authenticated", False)
        else None,
    )


def _on_change(change: changes.Change) -> None:
    if not issubclass(change.model, Asset) or change.action == "delete":
        return
    watched = {*Asset.layered_fields, *EXTRA_FIELDS}
    if change.action == "update" and not watched & set(change.after):
        return
    asset = change.instance
    if asset is None:  # a bulk update: read the row as it is now
        asset = Asset._base_manager.filter(pk=change.pk).first()
        if asset is None:
            return
    record(asset, change.actor)


def install() -> None:
    """Track asset changes (called once from the app's ``ready``)."""
    changes.track(Asset)
    changes.add_listener(_on_change)


def list_versions(asset: Asset):
    """The node's versions, newest first."""
    return AssetVersion.objects.filter(asset_id=asset.pk).select_related("created_by")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    old: Any
    new: Any
    diff: str


def diff_versions(asset: Asset, old: int, new: int) -> list[FieldDiff]:
    """What changed between two version numbers of ``asset`` (status included)."""
    rows = {
        v.number: v for v in AssetVersion.objects.filter(asset_id=asset.pk, number__in=[old, new])
    }
    missing = [n for n in (old, new) if n not in rows]
    if missing:
        raise ValidationError({"version": _("No version %(n)s of this asset.") % {"n": missing[0]}})
    before = {**rows[old].values, "status": rows[old].status}
    after = {**rows[new].values, "status": rows[new].status}
    return [
        FieldDiff(
            field,
            before.get(field),
            after.get(field),
            text_diff(before.get(field), after.get(field)),
        )
        for field in [*Asset.layered_fields, *EXTRA_FIELDS]
        if before.get(field) != after.get(field)
    ]
