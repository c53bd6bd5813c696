"""Recording the audit trail.

* ``audit_model(Model, unit=...)`` — every save, delete and queryset ``update()`` of the
  model is recorded (through the kernel's change hooks), with before/after values.
* ``record(action, ...)`` — a governance decision that is not a plain row change
  (approved, rejected, withdrawn, lock set ...).
* ``glocal.changes.acting_as(user)`` names the actor for background work; web requests
  get it from the middleware and the API's authentication.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from glocal import changes
from governance.models.audit import AuditEntry

UnitOf = Callable[[Any], Any]
_unit_resolvers: dict[type[models.Model], UnitOf | str] = {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""  # the stored file's name, never its content
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def _unit_id(model: type[models.Model], pk: Any, values: dict[str, Any], instance=None):
    resolver = _unit_resolvers.get(model, "owner_unit_id")
    if callable(resolver):
        if instance is None:
            instance = model._default_manager.filter(pk=pk).first()
        return resolver(instance) if instance is not None else None
    if resolver in values:
        return values[resolver]
    if instance is not None:
        return getattr(instance, resolver, None)
    row = model._default_manager.filter(pk=pk).values(resolver).first()
    return row[resolver] if row else None


def _actor_id(actor) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def _on_change(change: changes.Change) -> None:
    if change.model not in _unit_resolvers:
        return
    values = {**change.before, **change.after}
    instance = change.instance
    AuditEntry.objects.create(
        actor_id=_actor_id(change.actor),
        owner_unit_id=_unit_id(change.model, change.pk, values, instance),
        action=change.action,
        target_type=change.model._meta.label,
        target_id=str(change.pk),
        target_repr=str(instance)[:200] if instance is not None else "",
        before=_jsonable(change.before),
        after=_jsonable(change.after),
        bulk=change.bulk,
    )


def audit_model(model: type[models.Model], unit: UnitOf | str = "owner_unit_id") -> None:
    """Record every change of ``model``; ``unit`` names the unit a row concerns."""
    _unit_resolvers[model] = unit
    changes.track(model)
    changes.add_listener(_on_change)


def record(
    action: str,
    *,
    actor=None,
    unit=None,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Record a decision (approve, reject, lock ...) explicitly."""
    actor = actor if actor is not None else changes.current_actor()
    return AuditEntry.objects.create(
        actor_id=_actor_id(actor),
        owner_unit_id=getattr(unit, "pk", unit),
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        note=note,
    )


def as_csv(entries) -> str:
    """The trail as CSV for managers (cells neutralised against formula injection)."""
    from glocal.exports import to_csv

    return to_csv(
        ["at", "actor", "unit", "action", "object", "id", "before", "after", "note"],
        (
            [
                e.at.isoformat(),
                e.actor.username if e.actor else "",
                e.owner_unit.code if e.owner_unit else "",
                e.action,
                e.target_type,
                e.target_id,
                e.before,
                e.after,
                e.note,
            ]
            for e in entries
        ),
    )


def scrub(target_type: str, target_ids: list[str], note: str = "") -> int:
    """Remove the values recorded for these objects (erasure of personal data).

    The trail keeps that a change happened, by whom and when; the before/after values
    and the object's label go, as the law requires for erased subjects.
    """
    return AuditEntry.objects.filter(target_type=target_type, target_id__in=target_ids).update(
        before={}, after={}, target_repr="", note=note
    )
