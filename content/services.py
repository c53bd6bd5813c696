"""Authoring use-cases: create a core, derive a variant, translate, edit, set rights.

Each takes the acting user and checks it with the one permission primitive
(``restrict``) before writing; layered edits go through the layering engine so override
policies, locks, staleness and the cascade apply exactly as for every layered type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Account
from content.models import Asset, Status
from content.rendering import check_tokens
from glocal import layering
from glocal.changes import acting_as
from glocal.layering.models import StaleOverride
from glocal.models import OrgUnit

#: non-layered fields an author may set when creating or deriving a node
DETAIL_FIELDS = ("industries", "personas", "funnel_stage", "file")
RIGHTS_FIELDS = ("territories", "channels", "valid_from", "expires_at")


def _may_own(user: Any, unit: OrgUnit) -> None:
    if not OrgUnit.objects.restrict(user, "own").filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You may not create content for %(unit)s.") % {"unit": unit.name})


def _visible(user: Any, asset: Asset, action: str = "view") -> None:
    if not Asset.objects.restrict(user, action).filter(pk=asset.pk).exists():
        message = (
            _("You may not see “%(title)s”.")
            if action == "view"
            else _("You may not change “%(title)s”.")
        )
        raise PermissionDenied(message % {"title": asset.title})


def _extras(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - {*DETAIL_FIELDS, *RIGHTS_FIELDS}
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be set here.") for name in sorted(unknown)}
        )
    return fields


@transaction.atomic
def create_asset(
    user: Any,
    owner_unit: OrgUnit,
    *,
    kind: str,
    language: str,
    values: dict[str, Any],
    **fields: Any,
) -> Asset:
    """Create a core (a node without source) owned by ``owner_unit``, as a draft."""
    _may_own(user, owner_unit)
    unknown = set(values) - set(Asset.layered_fields)
    if unknown:
        raise ValidationError({name: _("Not a layered field.") for name in sorted(unknown)})
    check_tokens(values)
    asset = Asset(
        owner_unit=owner_unit,
        kind=kind,
        language=language,
        created_by=user,
        **values,
        **_extras(fields),
    )
    asset.full_clean()
    with acting_as(user):
        asset.save()
    return asset


@transaction.atomic
def derive_asset(
    user: Any,
    parent: Asset,
    owner_unit: OrgUnit,
    values: dict[str, Any] | None = None,
    *,
    account: Account | None = None,
    language: str | None = None,
    **fields: Any,
) -> Asset:
    """Adapt ``parent`` for ``owner_unit`` (or for one ``account``), overriding ``values``.

    Tags are copied from the parent unless given; rights start unrestricted (the
    parent's rights still apply through the chain).
    """
    _visible(user, parent)
    _may_own(user, owner_unit)
    check_tokens(values or {})
    extras = {
        "industries": list(parent.industries),
        "personas": list(parent.personas),
        "funnel_stage": parent.funnel_stage,
        **_extras(fields),
    }
    with acting_as(user):
        return layering.adapt(
            parent,
            owner_unit,
            values or {},
            kind=parent.kind,
            language=language or parent.language,
            account=account,
            family=parent.family,
            created_by=user,
            **extras,
        )


@transaction.atomic
def translate_asset(
    user: Any, original: Asset, language: str, values: dict[str, Any], **fields: Any
) -> Asset:
    """A core in another ``language``, in the same family as ``original`` (a core).

    Untranslated layered fields start from the original's values (URLs, case study).
    """
    _visible(user, original, "change")
    unknown = set(values) - set(Asset.layered_fields)
    if unknown:
        raise ValidationError({name: _("Not a layered field.") for name in sorted(unknown)})
    check_tokens(values)
    asset = Asset(
        owner_unit=original.owner_unit,
        kind=original.kind,
        language=language,
        translation_of=original,
        family=original.family,
        created_by=user,
        industries=list(original.industries),
        personas=list(original.personas),
        funnel_stage=original.funnel_stage,
        **{**original.layered_values(), **values},
        **_extras(fields),
    )
    asset.full_clean()
    with acting_as(user):
        asset.save()
    return asset


def edit_asset(user: Any, asset: Asset, values: dict[str, Any]) -> Asset:
    """Change (at a core) or override (below) layered fields; policies and locks apply.

    Token problems are refused here, before the engine, so an author hears about them
    at writing time rather than when a preview or a send renders blanks."""
    _visible(user, asset, "change")
    check_tokens(values)
    with acting_as(user):
        return layering.set_fields(asset, values)


def revert_fields(user: Any, asset: Asset, fields: list[str]) -> Asset:
    """Follow the source again for ``fields`` (also "accept the new source")."""
    _visible(user, asset, "change")
    with acting_as(user):
        return layering.revert(asset, fields)


def keep_adaptation(user: Any, asset: Asset, fields: list[str]) -> Asset:
    """Review stale overrides: keep them, now adapted from the current source."""
    _visible(user, asset, "change")
    with acting_as(user):
        return layering.keep_adaptation(asset, fields)


@transaction.atomic
def set_rights(
    user: Any,
    asset: Asset,
    *,
    territories: list[str] | None = None,
    channels: list[str] | None = None,
    valid_from: datetime | None = None,
    expires_at: datetime | None = None,
) -> Asset:
    """Replace the node's own usage restriction (it can only narrow its source's)."""
    _visible(user, asset, "change")
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    asset.territories = list(territories or [])
    asset.channels = list(channels or [])
    asset.valid_from = valid_from
    asset.expires_at = expires_at
    asset.full_clean()
    with acting_as(user):
        asset.save(update_fields=[*RIGHTS_FIELDS])
    return asset


@transaction.atomic
def set_details(user: Any, asset: Asset, **fields: Any) -> Asset:
    """Change the node's tags or file (not layered: each node keeps its own)."""
    _visible(user, asset, "change")
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be set here.") for name in sorted(unknown)}
        )
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    for name, value in fields.items():
        setattr(asset, name, value)
    asset.full_clean()
    with acting_as(user):
        asset.save(update_fields=list(fields))
    return asset


def delete_refusal(asset: Asset) -> dict[str, str] | None:
    """Why ``asset`` may not be deleted (field errors), or None when it may."""
    if asset.status != Status.DRAFT:
        return {
            "status": _("Only a draft can be deleted; retire this %(status)s asset instead.")
            % {"status": asset.get_status_display().lower()}
        }
    dependants = Asset.objects.unrestricted().filter(
        Q(parent_id=asset.pk) | Q(translation_of_id=asset.pk) | Q(case_study=asset.pk)
    )
    if dependants.exists():
        return {"id": _("Other assets derive from or refer to this one; retire it instead.")}
    return None


@transaction.atomic
def delete_asset(user: Any, asset: Asset) -> None:
    """Delete a draft nothing builds on; anything else is retired, so history survives."""
    _visible(user, asset, "delete")
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    refusal = delete_refusal(asset)
    if refusal:
        raise ValidationError(refusal)
    StaleOverride.objects.filter(
        content_type=ContentType.objects.get_for_model(Asset), object_id=asset.pk
    ).delete()
    with acting_as(user):
        asset.delete()
