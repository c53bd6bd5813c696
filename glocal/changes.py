"""Change tracking hooks: every save, delete and queryset ``update()`` of a tracked model.

The kernel cannot import the audit trail (it lives in governance, above it), so it
offers this small registry instead: governance registers a listener at start-up and
receives one :class:`Change` per row changed, whatever the path — model ``save()``,
``delete()``, or a bulk ``QuerySet.update()`` / ``delete()``.

Who acted is carried by :func:`acting_as` (set by the middleware for web requests and by
services or tasks for background work).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_save

_actor: ContextVar[Any] = ContextVar("glocal_actor", default=None)
_listeners: list[Callable[[Change], None]] = []
_tracked: set[type[models.Model]] = set()


@dataclass
class Change:
    model: type[models.Model]
    pk: Any
    action: str  # "create" | "update" | "delete"
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    actor: Any = None
    instance: models.Model | None = None
    bulk: bool = False


@contextlib.contextmanager
def acting_as(user) -> Iterator[None]:
    """Attribute changes made inside the block to ``user``."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(user) -> None:
    """Name the actor for the rest of the current request (the middleware resets it)."""
    _actor.set(user)


def current_actor():
    return _actor.get()


def add_listener(listener: Callable[[Change], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def is_tracked(model: type[models.Model]) -> bool:
    return model in _tracked or any(parent in _tracked for parent in model._meta.get_parent_list())


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a row, by attribute name (FKs as ids)."""
    return {f.attname: instance.__dict__.get(f.attname) for f in instance._meta.concrete_fields}


def _emit(change: Change) -> None:
    change.actor = change.actor if change.actor is not None else current_actor()
    for listener in list(_listeners):
        listener(change)


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._tracked_before = {}
        return
    old = sender._default_manager.filter(pk=instance.pk).values(
        *[f.attname for f in sender._meta.concrete_fields]
    )
    instance._tracked_before = next(iter(old), {})


def _after_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_tracked_before", {})
    after = snapshot(instance)
    noise = {f.attname for f in sender._meta.concrete_fields if getattr(f, "auto_now", False)}
    changed = {k for k in after if k not in noise and before.get(k) != after[k]}
    if not created and not changed:
        return
    _emit(
        Change(
            model=sender,
            pk=instance.pk,
            action="create" if created or not before else "update",
            before={k: before.get(k) for k in changed} if before else {},
            after={k: after[k] for k in changed} if before else after,
            instance=instance,
        )
    )


def _after_delete(sender, instance, **kwargs) -> None:
    _emit(Change(model=sender, pk=instance.pk, action="delete", before=snapshot(instance)))


def track(model: type[models.Model]) -> type[models.Model]:
    """Emit changes of ``model`` (usable as a class decorator or a plain call)."""
    if model not in _tracked:
        _tracked.add(model)
        uid = f"glocal-changes-{model._meta.label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=uid + "-post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + "-del")
    return model


class TrackedQuerySet(models.QuerySet):
    """A queryset whose bulk ``update()`` reports each row's before/after values."""

    def update(self, **kwargs) -> int:
        if not is_tracked(self.model) or not _listeners:
            return super().update(**kwargs)
        names = [self.model._meta.get_field(name).attname for name in kwargs]
        with transaction.atomic(using=self.db):
            rows = list(self.values("pk", *names))
            count = super().update(**kwargs)
            after = {
                row["pk"]: row
                for row in self.model._default_manager.filter(
                    pk__in=[r["pk"] for r in rows]
                ).values("pk", *names)
            }
        for row in rows:
            new = after.get(row["pk"], {})
            changed = [n for n in names if row.get(n) != new.get(n)]
            if changed:
                _emit(
                    Change(
                        model=self.model,
                        pk=row["pk"],
                        action="update",
                        before={n: row[n] for n in changed},
                        after={n: new.get(n) for n in changed},
                        bulk=True,
                    )
                )
        return count

    update.alters_data = True
