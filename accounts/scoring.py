"""Fit score: how well an account matches the effective ICP of its unit (0-100).

The score is the weighted share of the *defined* criteria the account meets; criteria
nobody set are left out of both sides, and with no ICP at all the fit is 0 (nothing to
fit). The stored ``Account.fit_score`` is a materialisation: it is refreshed when an
account is saved through the API/dashboard or moves in the selection, and a Celery task
rebuilds a subtree's scores after its ICP changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from accounts import icp
from accounts.models import Account

#: Relative weight of each criterion in the fit score.
WEIGHTS: dict[str, float] = {"industry": 30, "country": 25, "employee_band": 20, "revenue": 25}
#: Accounts rescored per batch (one query to read, one bulk update to write).
BATCH = 500


def _untracked() -> models.QuerySet:
    """A plain queryset: a derived score is not a decision, so it stays out of the audit
    trail (rescoring 5,000 accounts must not write 5,000 audit entries)."""
    return models.QuerySet(model=Account)


def fit_score(account: Account, criteria: icp.Criteria) -> float:
    outcome = icp.met(account, criteria)
    total = sum(WEIGHTS[c] for c in outcome)
    if not total:
        return 0.0
    met = sum(WEIGHTS[c] for c, ok in outcome.items() if ok)
    return round(100 * met / total, 1)


def refresh_fit(account: Account, criteria: icp.Criteria | None = None) -> float:
    """Recompute and store one account's fit (only the ``fit_score`` column)."""
    criteria = criteria if criteria is not None else icp.criteria_for(account.owner_unit)
    score = fit_score(account, criteria)
    if score != account.fit_score:
        account.fit_score = score
        _untracked().filter(pk=account.pk).update(fit_score=score)
    return score


def subtree_ids(unit_ids: Iterable[int]) -> set[int]:
    """The units and every descendant (the tree is at most three deep)."""
    from glocal.models import OrgUnit

    found = set(unit_ids)
    frontier = set(found)
    while frontier:
        frontier = (
            set(OrgUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


def recompute(unit_ids: Iterable[int], after_pk: int = 0, batch: int = BATCH) -> int | None:
    """Rescore one batch of accounts owned in the subtrees of ``unit_ids``.

    Returns the last primary key handled when there may be more (the caller re-queues
    from there), or None when done. Idempotent: rescoring twice writes the same values.
    """
    from glocal.models import OrgUnit

    units = subtree_ids(unit_ids)
    accounts = list(
        Account.objects.unrestricted()
        .filter(owner_unit_id__in=units, pk__gt=after_pk)
        .order_by("pk")[:batch]
    )
    if not accounts:
        return None
    owners = OrgUnit.objects.select_related("organization", "parent__parent").in_bulk(
        {a.owner_unit_id for a in accounts}
    )
    criteria = {pk: icp.criteria_for(unit) for pk, unit in owners.items()}
    changed = []
    for account in accounts:
        score = fit_score(account, criteria[account.owner_unit_id])
        if score != account.fit_score:
            account.fit_score = score
            changed.append(account)
    _untracked().bulk_update(changed, ["fit_score"])
    return accounts[-1].pk if len(accounts) == batch else None


def schedule_recompute(unit_id: int) -> None:
    """Rescore the unit's subtree once the current transaction commits."""
    from accounts.tasks import recompute_fit_scores

    recompute_fit_scores.delay_on_commit([unit_id])


def on_bound_change(sender, instance, **kwargs) -> None:
    """Signal receiver (keeps derived data in sync): an ICP bound changed at a unit."""
    if instance.key in icp.KEYS and instance.owner_unit_id:
        schedule_recompute(instance.owner_unit_id)
