"""Use-cases of the layering engine: adapt, override, revert, review, lock, rebuild.

Every write validates against override policies and locks first, then saves the node
and schedules a cascade (a Celery task, on commit) that rebuilds the materialised
values below it and marks descendants' overrides stale where their source changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from glocal.layering.models import LayeredModel, StaleOverride
from glocal.layering.policies import check_override


def resolve(node: LayeredModel) -> dict[str, Any]:
    """Effective values computed from the rules alone (ignores materialisation)."""
    chain = [node]
    while chain[-1].parent_id is not None:
        chain.append(chain[-1].parent)
    values = {}
    for field in node.layered_fields:
        owner = next(n for n in chain if n.owns(field))
        values[field] = getattr(owner, field)
    return values


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors, code="layering")


def _schedule_cascade(node: LayeredModel, fields: Iterable[str]) -> None:
    from glocal.tasks import cascade_layered_change

    fields = sorted(set(fields))
    if fields:
        cascade_layered_change.delay_on_commit(node._meta.label, node.pk, fields)


@transaction.atomic
def adapt(parent: LayeredModel, owner_unit, values: dict[str, Any] | None = None, **extra):
    """Create an adaptation of ``parent`` for ``owner_unit`` overriding ``values`` only."""
    model = type(parent)
    node = model(parent=parent, owner_unit=owner_unit, **extra)
    for field in node.layered_fields:
        setattr(node, field, getattr(parent, field))
    node.full_clean()
    values = values or {}
    _refuse({f: msg for f in values if (msg := check_override(node, f))})
    for field, value in values.items():
        setattr(node, field, value)
    node.overridden_fields = sorted(values)
    node.source_values = {f: getattr(parent, f) for f in values}
    node.full_clean()
    node.save()
    return node


@transaction.atomic
def set_fields(node: LayeredModel, values: dict[str, Any]) -> LayeredModel:
    """Override (or, at a root, simply change) layered fields of ``node``."""
    node = type(node)._default_manager.select_for_update().get(pk=node.pk)
    if node.parent_id is not None:
        _refuse({f: msg for f in values if (msg := check_override(node, f))})
    changed = [f for f, v in values.items() if getattr(node, f) != v or not node.owns(f)]
    for field, value in values.items():
        setattr(node, field, value)
        if node.parent_id is not None and field not in node.overridden_fields:
            node.overridden_fields = sorted({*node.overridden_fields, field})
            node.source_values = {**node.source_values, field: getattr(node.parent, field)}
    node.full_clean()
    node.save()
    _schedule_cascade(node, changed)
    return node


def _stale_rows(node: LayeredModel, fields: Iterable[str]):
    return StaleOverride.objects.filter(
        content_type=ContentType.objects.get_for_model(node),
        object_id=node.pk,
        field__in=list(fields),
    )


@transaction.atomic
def revert(node: LayeredModel, fields: Iterable[str]) -> LayeredModel:
    """Drop overrides: the fields follow the parent again (also "accept new source")."""
    node = type(node)._default_manager.select_for_update().get(pk=node.pk)
    fields = list(fields)
    if node.parent_id is None:
        _refuse({f: _("A source node has no parent to revert to.") for f in fields})
    _refuse({f: _("%(f)s is not overridden here.") % {"f": f} for f in fields if not node.owns(f)})
    parent = node.parent
    for field in fields:
        setattr(node, field, getattr(parent, field))
    node.overridden_fields = [f for f in node.overridden_fields if f not in fields]
    node.source_values = {k: v for k, v in node.source_values.items() if k not in fields}
    node.save()
    _stale_rows(node, fields).delete()
    _schedule_cascade(node, fields)
    return node


@transaction.atomic
def keep_adaptation(node: LayeredModel, fields: Iterable[str]) -> LayeredModel:
    """Review a stale override: keep it, now adapted from the parent's current value."""
    node = type(node)._default_manager.select_for_update().get(pk=node.pk)
    fields = list(fields)
    _refuse({f: _("%(f)s is not overridden here.") % {"f": f} for f in fields if not node.owns(f)})
    node.source_values = {**node.source_values, **{f: getattr(node.parent, f) for f in fields}}
    node.save(update_fields=["source_values"])
    _stale_rows(node, fields).delete()
    return node


def may_lock(user, node: LayeredModel) -> bool:
    """Managers of the owning unit (or above), or holders of the object's lock permission."""
    manager = type(node)._default_manager
    return manager.restrict(user, "lock").filter(pk=node.pk).exists()


@transaction.atomic
def set_locks(user, node: LayeredModel, lock: Iterable[str] = (), unlock: Iterable[str] = ()):
    """Lock or unlock fields of ``node`` for all its descendants."""
    if not may_lock(user, node):
        raise PermissionDenied(
            _("Only managers of %(unit)s may lock or unlock its fields.")
            % {"unit": node.owner_unit.name}
        )
    node = type(node)._default_manager.select_for_update().get(pk=node.pk)
    lock, unlock = set(lock), set(unlock)
    _refuse(
        {
            f: _("%(f)s is not a layered field.") % {"f": f}
            for f in lock | unlock
            if f not in node.layered_fields
        }
    )
    node.locked_fields = sorted((set(node.locked_fields) | lock) - unlock)
    node.save(update_fields=["locked_fields"])
    return node


def cascade(node: LayeredModel, fields: Iterable[str], *, full: bool = False) -> int:
    """Rebuild materialised values below ``node`` and mark stale overrides.

    Walks the subtree breadth-first: a child that overrides a changed field gets a
    stale mark (unless its value already equals the new source) and shields its own
    subtree; otherwise it takes the new value and passes it down. With ``full`` every
    node re-checks every field against its parent (a rebuild from the rules). Returns
    the number of nodes rewritten.
    """
    model = type(node)
    ctype = ContentType.objects.get_for_model(model)
    rewritten = 0
    frontier = [(node, set(fields))]
    while frontier:
        parents = {n.pk: (n, f) for n, f in frontier if f}
        frontier = []
        if not parents:
            break
        for child in model._base_manager.filter(parent_id__in=list(parents)):
            parent, changed = parents[child.parent_id]
            passed, updates = set(), {}
            for field in changed:
                new = getattr(parent, field)
                if child.owns(field):
                    _mark_stale(ctype, child, field, new)
                elif getattr(child, field) != new:
                    updates[field] = new
                    setattr(child, field, new)
                    passed.add(field)
                else:
                    passed.add(field)
            if updates:
                # Materialisation only: untracked, the audit keeps the source change.
                model._base_manager.filter(pk=child.pk).update(**updates)
                rewritten += 1
            frontier.append((child, set(changed) if full else passed))
    return rewritten


def _mark_stale(ctype, child: LayeredModel, field: str, new_source: Any) -> None:
    old_source = child.source_values.get(field)
    rows = StaleOverride.objects.filter(content_type=ctype, object_id=child.pk, field=field)
    if new_source == old_source or new_source == getattr(child, field):
        rows.delete()  # back in line: nothing to review
        return
    StaleOverride.objects.update_or_create(
        content_type=ctype,
        object_id=child.pk,
        field=field,
        defaults={
            "owner_unit_id": child.owner_unit_id,
            "old_source": old_source,
            "new_source": new_source,
        },
    )


def rebuild_all(model: type[LayeredModel]) -> int:
    """Rebuild every materialised value of ``model`` from the rules (roots down)."""
    total = 0
    for root in model._base_manager.filter(parent__isnull=True):
        total += cascade(root, root.layered_fields, full=True)
    return total


def stale_overrides(unit_ids: Iterable[int]):
    """Overrides waiting for review in these units (used by ritual agendas)."""
    return StaleOverride.objects.filter(owner_unit_id__in=list(unit_ids))
