"""Rows owned through another row follow its owner.

Some rows are always owned by the unit that owns a row they point at: a contact by its
account's unit, a consent by its contact's. Such a model names that foreign key in
``owner_follows``. When the row it follows changes owner (an account handed to another
team, a duplicate's history merged into another unit's account), ``move_followers``
gives the followers the new owner. Their own followers move in turn, through the same
change listener, so visibility never splits between a row and what hangs off it.

Moves go through the tracked ``update()``: each row moved is in the audit trail and
reaches the other listeners (analytics rebuilds the rollups the move touches).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from glocal import changes


def followers(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """(model, foreign key) of every model whose owner follows ``model``'s rows."""
    return [
        (relation.related_model, relation.field.name)
        for relation in model._meta.related_objects
        if not relation.many_to_many
        and getattr(relation.related_model, "owner_follows", None) == relation.field.name
    ]


def move_followers(model: type[models.Model], pk, owner_unit_id: int) -> int:
    """Give the followers of one row the owner ``owner_unit_id``; how many moved."""
    moved = 0
    for follower, field in followers(model):
        rows = follower._default_manager.filter(**{field: pk}).exclude(owner_unit_id=owner_unit_id)
        moved += rows.update(owner_unit_id=owner_unit_id)
    return moved


def on_change(change: changes.Change) -> None:
    """Change listener: a row that changed owner takes its followers along."""
    if change.action == "update" and "owner_unit_id" in change.after:
        owner = change.after["owner_unit_id"]
        if owner is not None and followers(change.model):
            move_followers(change.model, change.pk, owner)


def register() -> None:
    """Start-up: track every model that has followers, and listen."""
    for model in apps.get_models():
        field = getattr(model, "owner_follows", None)
        if field:
            changes.track(model._meta.get_field(field).related_model)
    changes.add_listener(on_change)
