"""Global account families: plans on the family parent, and targeting conflicts.

* A family is a parent account and its subsidiaries (``Account.parent``), possibly owned
  by different local units. Its ``AccountPlan`` is owned by the lowest common ancestor
  (LCA) of those units and shown to each of them (see ``accounts.models.families``).
* A conflict is two *different* local units targeting (lifecycle in ``TARGETED``) the
  same company (same registrable domain) or the same family; it is flagged to the LCA
  of the two units — the region or global team that can arbitrate.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.dedup import UnitTree
from accounts.models import Account
from accounts.models.accounts import TARGETED
from accounts.models.families import AccountPlan, FamilyConflict

#: More targeting units than this on one company are reported pairwise up to this cap.
MAX_UNITS_PER_KEY = 20


def family_roots(parents: dict[int, int | None]) -> dict[int, int]:
    """Each account id → the id of its family's top parent (cycles stop where they loop)."""
    roots: dict[int, int] = {}
    for account_id in parents:
        path = [account_id]
        node = account_id
        while parents.get(node) is not None and parents[node] not in path:
            node = parents[node]
            if node in roots:
                break
            path.append(node)
        root = roots.get(node, node)
        for member in path:
            roots[member] = root
    return roots


def family_units(root_id: int) -> set[int]:
    """Units owning an account of the family whose parent is ``root_id`` (three levels)."""
    level = {root_id}
    members = set(level)
    for _depth in range(2):
        level = set(
            Account.objects.unrestricted().filter(parent_id__in=level).values_list("id", flat=True)
        )
        members |= level
    return set(
        Account.objects.unrestricted()
        .filter(pk__in=members)
        .values_list("owner_unit_id", flat=True)
    )


def plan_owner(account: Account) -> int:
    return UnitTree(account.owner_unit.organization_id).lca(*family_units(account.pk))


def create_plan(user, account: Account, **fields) -> AccountPlan:
    """The global plan of ``account``'s family, owned by the LCA of its units."""
    if account.parent_id is not None:
        raise ValidationError({"account": _("A plan belongs to the family's parent account.")})
    if AccountPlan.objects.filter(account=account).exists():
        raise ValidationError({"account": _("This family already has a plan.")})
    plan = AccountPlan(account=account, owner_unit_id=plan_owner(account), **fields)
    plan.full_clean()
    plan.save()
    return plan


def sync_plan_owners(organization_id: int) -> int:
    """Move plans to the LCA of their family's units after the family changed."""
    moved = 0
    plans = AccountPlan.objects.unrestricted().filter(
        account__owner_unit__organization_id=organization_id
    )
    tree = UnitTree(organization_id)
    for plan in plans.only("id", "account_id", "owner_unit_id"):
        owner = tree.lca(*family_units(plan.account_id))
        if owner != plan.owner_unit_id:
            AccountPlan.objects.filter(pk=plan.pk).update(owner_unit_id=owner)
            moved += 1
    return moved


def detect_conflicts(organization_id: int) -> int:
    """Flag two local units targeting one company or family; returns how many were added."""
    accounts = Account.objects.unrestricted().filter(owner_unit__organization_id=organization_id)
    parents = dict(accounts.filter(parent__isnull=False).values_list("id", "parent_id"))
    # Parents of targeted subsidiaries need to be known to find the family's root.
    roots = family_roots(parents)
    targeted = list(
        accounts.filter(lifecycle__in=list(TARGETED)).values_list("id", "owner_unit_id", "domain")
    )
    groups: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for account_id, unit_id, domain in targeted:
        if domain:
            groups[(FamilyConflict.Kind.SAME_COMPANY, domain)].setdefault(unit_id, account_id)
        root = roots.get(account_id, account_id)
        groups[(FamilyConflict.Kind.SAME_FAMILY, str(root))].setdefault(unit_id, account_id)
    tree = UnitTree(organization_id)
    wanted: dict[tuple[int, int, str], FamilyConflict] = {}
    for (kind, key), by_unit in groups.items():
        if len(by_unit) < 2:
            continue
        units = sorted(by_unit)[:MAX_UNITS_PER_KEY]
        for u1, u2 in combinations(units, 2):
            a, b = sorted((by_unit[u1], by_unit[u2]))
            if (
                kind == FamilyConflict.Kind.SAME_FAMILY
                and (a, b, FamilyConflict.Kind.SAME_COMPANY) in wanted
            ):
                continue  # the same company already says it
            wanted[(a, b, kind)] = FamilyConflict(
                kind=kind,
                account_a_id=a,
                account_b_id=b,
                key=key,
                owner_unit_id=tree.lca(u1, u2),
            )
    if not wanted:
        return 0
    ids = {i for a, b, _k in wanted for i in (a, b)}
    known = set(
        FamilyConflict.objects.unrestricted()
        .filter(account_a_id__in=ids)
        .values_list("account_a_id", "account_b_id", "kind")
    )
    new = [row for key, row in wanted.items() if key not in known]
    with transaction.atomic():
        FamilyConflict.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


def resolve_conflict(conflict: FamilyConflict, user, note: str = "") -> FamilyConflict:
    """The arbitrating unit settled it (who targets the company is decided elsewhere)."""
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    if not FamilyConflict.objects.restrict(user, "approve").filter(pk=conflict.pk).exists():
        raise PermissionDenied(_("Only managers of the arbitrating unit may resolve conflicts."))
    updated = FamilyConflict.objects.filter(pk=conflict.pk, status="open").update(
        status=FamilyConflict.Status.RESOLVED, resolved_at=timezone.now(), note=note
    )
    if not updated:
        raise ValidationError(_("This conflict is already resolved."))
    conflict.refresh_from_db()
    return conflict
