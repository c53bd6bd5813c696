"""The one permission primitive: ``Model.objects.restrict(user, action)``.

Visibility follows the org tree (DESIGN section 3):

* **down** — rows owned by the user's units and every descendant of them;
* **up** — rows owned by ancestors, only when the row is published to descendants;
* **never sideways, never across organisations** — except rows explicitly shared with a
  django-guardian object permission, and then only inside the user's organisation.

The tree rule is a plain ``owner_unit_id IN (...)`` filter. The unit ids are computed
once per user object (one query for memberships, one for the units of those
organisations) and memoised on it, so a request pays for them once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from glocal.changes import TrackedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    MARKETER = "marketer", _("Marketer")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


ROLE_RANK = {Role.VIEWER: 1, Role.MARKETER: 2, Role.MANAGER: 3, Role.ADMIN: 4}

#: Lowest role that may perform an action on tenant-owned rows of its subtree.
DEFAULT_ACTION_ROLES = {
    "view": Role.VIEWER,
    "add": Role.MARKETER,
    "change": Role.MARKETER,
    "delete": Role.MARKETER,
    "approve": Role.MANAGER,
    "lock": Role.MANAGER,
    "configure": Role.ADMIN,
}


class UnknownAction(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    """Unit ids a user reaches for one minimum role."""

    member: frozenset[int]  # units where the user holds the role (active units only)
    down: frozenset[int]  # member units and all their descendants
    up: frozenset[int]  # strict ancestors of member units, minus ``down``
    organizations: frozenset[int]


EMPTY_SCOPE = Scope(frozenset(), frozenset(), frozenset(), frozenset())


def _tree_for(user: AbstractBaseUser) -> tuple[list[dict[str, Any]], dict[int, dict]]:
    cache = getattr(user, "_glocal_tree", None)
    if cache is None:
        Membership = apps.get_model("glocal", "Membership")
        OrgUnit = apps.get_model("glocal", "OrgUnit")
        memberships = list(
            Membership.objects.filter(user_id=user.pk, unit__is_active=True).values(
                "unit_id", "role", "unit__organization_id"
            )
        )
        orgs = {m["unit__organization_id"] for m in memberships}
        units = {
            u["id"]: u
            for u in OrgUnit.objects.filter(organization_id__in=orgs).values(
                "id", "parent_id", "organization_id", "is_active"
            )
        }
        cache = (memberships, units)
        user._glocal_tree = cache
    return cache


def scope_for(user: AbstractBaseUser, min_role: str) -> Scope:
    """The units a user reaches with at least ``min_role``; memoised per user object."""
    if not getattr(user, "is_authenticated", False):
        return EMPTY_SCOPE
    memo = user.__dict__.setdefault("_glocal_scopes", {})
    if min_role in memo:
        return memo[min_role]
    memberships, units = _tree_for(user)
    rank = ROLE_RANK[min_role]
    member = {m["unit_id"] for m in memberships if ROLE_RANK[m["role"]] >= rank}
    children: dict[int | None, list[int]] = {}
    for unit in units.values():
        children.setdefault(unit["parent_id"], []).append(unit["id"])
    down: set[int] = set()
    stack = list(member)
    while stack:
        unit_id = stack.pop()
        if unit_id in down:
            continue
        down.add(unit_id)
        stack.extend(children.get(unit_id, ()))
    up: set[int] = set()
    for unit_id in member:
        parent_id = units[unit_id]["parent_id"]
        while parent_id is not None:
            up.add(parent_id)
            parent_id = units[parent_id]["parent_id"]
    scope = Scope(
        member=frozenset(member),
        down=frozenset(down),
        up=frozenset(up - down),
        organizations=frozenset(units[u]["organization_id"] for u in member),
    )
    memo[min_role] = scope
    return scope


def forget_scopes(user: AbstractBaseUser) -> None:
    """Drop memoised scopes after the user's memberships changed."""
    user.__dict__.pop("_glocal_scopes", None)
    user.__dict__.pop("_glocal_tree", None)


class RestrictedQuerySet(TrackedQuerySet):
    """Base of every tenant-aware queryset; subclasses say how rows map to units."""

    action_roles: dict[str, str] = DEFAULT_ACTION_ROLES

    def min_role(self, action: str) -> str:
        try:
            return self.action_roles[action]
        except KeyError:
            raise UnknownAction(f"Unknown action {action!r}") from None

    def restrict(self, user: AbstractBaseUser | None, action: str = "view") -> models.QuerySet:
        """What ``user`` may perform ``action`` on. Fails closed: no user, no rows."""
        min_role = self.min_role(action)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        scope = scope_for(user, min_role)
        return self.filter(self.scope_filter(scope, action, user)).distinct()

    def unrestricted(self) -> models.QuerySet:
        """Explicit escape hatch for internal jobs; never hand its result to a user."""
        return self.all()

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def shared_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        """Rows shared with the user (or their groups) by a guardian object permission."""
        perm_codename = f"{action}_{self.model._meta.model_name}"
        if not any(codename == perm_codename for codename, _ in self.model._meta.permissions) and (
            action not in self.model._meta.default_permissions
        ):
            return Q(pk__in=[])
        from guardian.shortcuts import get_objects_for_user

        visible_orgs = scope_for(user, Role.VIEWER).organizations
        shared = get_objects_for_user(
            user,
            f"{self.model._meta.app_label}.{perm_codename}",
            klass=self.model._default_manager.all(),
            with_superuser=False,
            accept_global_perms=False,
        )
        # An explicit share never crosses organisations, whoever granted it.
        return Q(pk__in=shared.values("pk")) & Q(
            **{self.organization_lookup + "__in": visible_orgs}
        )

    organization_lookup = "owner_unit__organization_id"


class TenantQuerySet(RestrictedQuerySet):
    """Queryset of rows carrying ``owner_unit``."""

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        q = Q(owner_unit_id__in=scope.down)
        published = getattr(self.model, "published_lookup", None)
        if action == "view" and published:
            q |= Q(owner_unit_id__in=scope.up, **published)
        return q | self.shared_filter(scope, action, user)


class ConfigQuerySet(TenantQuerySet):
    """Configuration rows (policies, bounds): readable below, written by unit admins."""

    action_roles = {
        **DEFAULT_ACTION_ROLES,
        "add": Role.ADMIN,
        "change": Role.ADMIN,
        "delete": Role.ADMIN,
    }


class TenantOwnedModel(models.Model):
    """Abstract base of every tenant-owned row.

    Subclasses that publish rows to descendants set ``published_lookup`` to the filter
    that selects published rows, e.g. ``{"status": "published"}``. Subclasses always
    owned by the owner of a row they point at name that foreign key in ``owner_follows``
    (see :mod:`glocal.ownership`).
    """

    owner_unit = models.ForeignKey(
        "glocal.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner unit")
    )

    published_lookup: dict[str, Any] | None = None
    owner_follows: str | None = None

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


UNIT_ADMIN_ROLES = {
    "view": Role.VIEWER,
    # "own": units the user may give rows to (owner_unit choices of tenant rows).
    "own": Role.MARKETER,
    "add": Role.ADMIN,
    "change": Role.ADMIN,
    "delete": Role.ADMIN,
    "configure": Role.ADMIN,
}


class OrgUnitQuerySet(RestrictedQuerySet):
    """Units: a member sees its units, their descendants and their ancestors."""

    action_roles = UNIT_ADMIN_ROLES
    organization_lookup = "organization_id"

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        ids = scope.down | scope.up if action == "view" else scope.down
        q = Q(pk__in=ids)
        return q & Q(is_active=True) if action == "own" else q

    def active(self) -> OrgUnitQuerySet:
        return self.filter(is_active=True)


class MembershipQuerySet(RestrictedQuerySet):
    """Memberships follow their unit: visible with the unit, managed by its admins."""

    action_roles = UNIT_ADMIN_ROLES
    organization_lookup = "unit__organization_id"

    def scope_filter(self, scope: Scope, action: str, user: AbstractBaseUser) -> Q:
        ids = scope.down | scope.up if action == "view" else scope.down
        q = Q(unit_id__in=ids)
        if action == "view":
            q |= Q(user_id=user.pk)
        return q


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model that carries ``owner_unit`` (for reassignment on retire)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantOwnedModel) and not model._meta.abstract
    ]
