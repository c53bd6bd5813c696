"""Playbook use-cases: create a global template, adapt it down the tree, publish, delete.

Overrides go through the layering engine, so the override policy (steps and KPIs from
the REGION tier up, name and description down to LOCAL) and locks are enforced in one
place; a refused override names the field, the rule and who set it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Playbook, PlaybookStatus
from glocal import layering
from glocal.changes import acting_as
from glocal.layering.models import StaleOverride
from glocal.models import OrgUnit


def _ownable(user: Any, unit: OrgUnit) -> None:
    if not OrgUnit.objects.restrict(user, "own").filter(pk=unit.pk).exists():
        raise PermissionDenied(
            _("You may not create playbooks for %(unit)s.") % {"unit": unit.name}
        )


def create_playbook(user: Any, unit: OrgUnit, values: dict[str, Any]) -> Playbook:
    """A new source playbook (a draft) owned by ``unit``."""
    _ownable(user, unit)
    playbook = Playbook(owner_unit=unit, **values)
    playbook.full_clean()
    with acting_as(user):
        playbook.save()
    return playbook


def adapt_playbook(
    user: Any, parent: Playbook, unit: OrgUnit, values: dict[str, Any] | None = None
) -> Playbook:
    """An adaptation of a published playbook for ``unit``, overriding ``values`` only."""
    _ownable(user, unit)
    if not Playbook.objects.restrict(user, "view").filter(pk=parent.pk).exists():
        raise PermissionDenied(_("You cannot see this playbook."))
    if parent.status != PlaybookStatus.PUBLISHED:
        raise ValidationError({"parent": _("Adapt a published playbook only.")})
    with acting_as(user):
        return layering.adapt(parent, unit, values or {})


def update_playbook(user: Any, playbook: Playbook, values: dict[str, Any]) -> Playbook:
    """Change (or, on an adaptation, override) layered fields of a playbook."""
    if not Playbook.objects.restrict(user, "change").filter(pk=playbook.pk).exists():
        raise PermissionDenied(
            _("You may not change “%(p)s” (%(unit)s).")
            % {"p": playbook.name, "unit": playbook.owner_unit.name}
        )
    with acting_as(user):
        return layering.set_fields(playbook, values)


@transaction.atomic
def publish_playbook(user: Any, playbook: Playbook) -> Playbook:
    """Make a playbook visible to (and usable by) the units below its owner."""
    if not Playbook.objects.restrict(user, "change").filter(pk=playbook.pk).exists():
        raise PermissionDenied(
            _("You may not change “%(p)s” (%(unit)s).")
            % {"p": playbook.name, "unit": playbook.owner_unit.name}
        )
    playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
    if playbook.parent_id and playbook.parent.status != PlaybookStatus.PUBLISHED:
        raise ValidationError({"parent": _("Publish its source playbook first.")})
    playbook.status = PlaybookStatus.PUBLISHED
    with acting_as(user):
        playbook.save(update_fields=["status", "updated_at"])
    return playbook


@transaction.atomic
def delete_playbook(user: Any, playbook: Playbook) -> None:
    """Delete a playbook nothing builds on; adaptations and campaigns keep theirs alive."""
    if not Playbook.objects.restrict(user, "delete").filter(pk=playbook.pk).exists():
        raise PermissionDenied(
            _("You may not delete “%(p)s” (%(unit)s).")
            % {"p": playbook.name, "unit": playbook.owner_unit.name}
        )
    playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
    # Unrestricted on purpose: an adaptation in a unit the user cannot see still counts.
    if Playbook.objects.unrestricted().filter(parent_id=playbook.pk).exists():
        raise ValidationError({"id": _("Other units adapted this playbook; it cannot be deleted.")})
    if playbook.campaigns.exists():
        raise ValidationError({"id": _("Campaigns run this playbook; it cannot be deleted.")})
    StaleOverride.objects.filter(
        content_type=ContentType.objects.get_for_model(Playbook), object_id=playbook.pk
    ).delete()
    with acting_as(user):
        playbook.delete()
