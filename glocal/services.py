"""Use-cases of the tenancy kernel: the only code that writes units and memberships."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from glocal.models import Membership, OrgUnit
from glocal.tenancy import tenant_models


@dataclass
class RetireResult:
    unit: OrgUnit
    reassigned_to: OrgUnit
    moved: dict[str, int] = field(default_factory=dict)


def save_unit(unit: OrgUnit) -> OrgUnit:
    """Validate every tree rule, then save (create, rename or move)."""
    unit.full_clean()
    with transaction.atomic():
        unit.save()
    return unit


@transaction.atomic
def retire_unit(unit: OrgUnit, reassign_to: OrgUnit) -> RetireResult:
    """Retire a unit and hand all rows it owns to another unit of the organisation.

    Memberships are kept (they grant nothing while the unit is retired) so that
    ``reactivate_unit`` restores access: retiring is not a one-way switch.
    """
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    errors: dict[str, str] = {}
    if not unit.is_active:
        errors["unit"] = _("This unit is already retired.")
    elif unit.parent_id is None:
        errors["unit"] = _("The GLOBAL root of an organisation cannot be retired.")
    elif unit.children.filter(is_active=True).exists():
        errors["unit"] = _("Move or retire this unit's active child units first.")
    if reassign_to.organization_id != unit.organization_id:
        errors["reassign_to"] = _("Data can only be reassigned within the same organisation.")
    elif reassign_to.pk == unit.pk:
        errors["reassign_to"] = _("Choose another unit to take over the data.")
    elif not reassign_to.is_active:
        errors["reassign_to"] = _("The unit taking over the data is retired.")
    if errors:
        raise ValidationError(errors)
    result = RetireResult(unit=unit, reassigned_to=reassign_to)
    for model in tenant_models():
        try:
            with transaction.atomic():
                moved = model._default_manager.filter(owner_unit=unit).update(
                    owner_unit=reassign_to
                )
        except IntegrityError:
            # e.g. both units hold the one allowed rule per activity: a person must choose.
            raise ValidationError(
                {
                    "reassign_to": _(
                        "%(unit)s already has %(things)s that would clash with this unit's; "
                        "resolve them first."
                    )
                    % {"unit": reassign_to.name, "things": model._meta.verbose_name_plural}
                }
            ) from None
        if moved:
            result.moved[model._meta.label] = moved
    unit.is_active = False
    unit.retired_at = timezone.now()
    unit.save(update_fields=["is_active", "retired_at", "updated_at"])
    return result


@transaction.atomic
def reactivate_unit(unit: OrgUnit) -> OrgUnit:
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.is_active:
        raise ValidationError({"unit": _("This unit is already active.")})
    if unit.parent is not None and not unit.parent.is_active:
        raise ValidationError({"parent": _("Reactivate or change the parent unit first.")})
    unit.is_active = True
    unit.retired_at = None
    unit.save(update_fields=["is_active", "retired_at", "updated_at"])
    return unit


def save_membership(membership: Membership) -> Membership:
    membership.full_clean()
    with transaction.atomic():
        membership.save()
    return membership
