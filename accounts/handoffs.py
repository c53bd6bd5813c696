"""Hand-off to sales: a marketing-qualified account (MQA) goes to its sales owner.

* An account becomes an MQA when its engagement score *rises to* the threshold of its
  unit (from below), or stands at/above it and was never handed off (e.g. after the
  threshold was lowered). A rejected account is not handed off again until its score
  has dropped below the threshold and crossed it anew — otherwise the daily rescoring
  would re-open every rejection the next morning.
* At most one open (pending) hand-off per account: a partial unique constraint enforces
  it, so two concurrent rescorings cannot both open one.
* Threshold and SLA are bounds (tighten, never loosen): the organisation's root sets
  them; a region may raise the threshold or shorten the SLA, never the reverse.
* The sales owner is the user configured for the account's unit or its nearest
  ancestor (``SalesOwner``, set by unit admins), else the unit's manager.
* Overdue hand-offs are flagged once by beat, and the owner is notified once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.models.handoffs import Handoff, HandoffStatus, SalesOwner
from glocal import changes
from glocal.layering import bounds
from glocal.models import Membership, OrgUnit
from glocal.tenancy import Role
from governance import notify
from governance.models import Notification

DEFAULT_THRESHOLD = 50.0
DEFAULT_SLA_HOURS = 48

THRESHOLD = bounds.declare(
    "accounts.mqa.threshold", bounds.MIN, _("Engagement score of a marketing-qualified account")
)
SLA_HOURS = bounds.declare("accounts.handoff.sla_hours", bounds.MAX, _("Hand-off SLA (hours)"))


class HandoffError(ValidationError):
    """A decision the rules refuse (already decided, missing reason)."""


def threshold_for(unit: OrgUnit) -> float:
    bound = bounds.effective(unit, THRESHOLD.key)
    return float(bound.value) if bound is not None else DEFAULT_THRESHOLD


def sla_hours_for(unit: OrgUnit) -> float:
    bound = bounds.effective(unit, SLA_HOURS.key)
    return float(bound.value) if bound is not None else float(DEFAULT_SLA_HOURS)


def _chain(unit: OrgUnit) -> list[OrgUnit]:
    nodes = []
    while unit is not None:
        nodes.append(unit)
        unit = unit.parent
    return nodes


def default_sales_owner(unit: OrgUnit) -> Any:
    """The sales owner configured for the unit or its nearest ancestor (``SalesOwner``);
    else the unit's manager (lowest id, for determinism), else the nearest ancestor's;
    admins stand in for managers. None when nobody manages the branch."""
    chain = _chain(unit)
    configured = {
        row.owner_unit_id: row.user
        for row in SalesOwner.objects.unrestricted()
        .filter(owner_unit__in=chain, user__is_active=True)
        .select_related("user")
    }
    for node in chain:
        if node.pk in configured:
            return configured[node.pk]
    rows = Membership.objects.filter(
        unit__in=chain,
        unit__is_active=True,
        user__is_active=True,
        role__in=[Role.MANAGER, Role.ADMIN],
    ).select_related("user")
    best: dict[int, Any] = {}
    for m in sorted(rows, key=lambda m: (m.role != Role.MANAGER, m.user_id)):
        best.setdefault(m.unit_id, m.user)
    for node in chain:
        if node.pk in best:
            return best[node.pk]
    return None


class _UnitRules:
    """Threshold, SLA and owner per unit, computed once per unit in a batch."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[float, float, Any]] = {}

    def __call__(self, unit: OrgUnit) -> tuple[float, float, Any]:
        if unit.pk not in self._cache:
            self._cache[unit.pk] = (
                threshold_for(unit),
                sla_hours_for(unit),
                default_sales_owner(unit),
            )
        return self._cache[unit.pk]


def qualify(
    changes_: Iterable[tuple[Account, float]], at: datetime.datetime | None = None
) -> list[Handoff]:
    """Open hand-offs for the accounts whose new score makes them MQAs.

    ``changes_`` pairs each account (holding its *new* ``engagement_score``) with its
    previous score. Three queries for the batch plus one insert per new hand-off.
    """
    at = at or timezone.now()
    rules = _UnitRules()
    candidates: list[tuple[Account, float, float, Any]] = []
    for account, previous in changes_:
        threshold, sla, owner = rules(account.owner_unit)
        if account.engagement_score >= threshold:
            candidates.append((account, previous, threshold, (sla, owner)))
    if not candidates:
        return []
    ids = [a.pk for a, *_rest in candidates]
    handed = Handoff.objects.unrestricted().filter(account_id__in=ids)
    ever = set(handed.values_list("account_id", flat=True))
    still_open = set(handed.open().values_list("account_id", flat=True))
    created = []
    for account, previous, threshold, (sla, owner) in candidates:
        if account.pk in still_open:
            continue
        if previous >= threshold and account.pk in ever:
            continue  # already above, and already handed off once
        try:
            with transaction.atomic():
                handoff = Handoff.objects.create(
                    owner_unit_id=account.owner_unit_id,
                    account=account,
                    sales_owner=owner,
                    score=account.engagement_score,
                    threshold=threshold,
                    created_at=at,
                    sla_due_at=at + datetime.timedelta(hours=sla),
                )
                _announce(handoff, account)
                created.append(handoff)
        except IntegrityError:
            continue  # a concurrent rescoring opened it first: still exactly one
    return created


def _announce(handoff: Handoff, account: Account) -> None:
    """Tell the sales owner (or, without one, the unit's managers) that the clock runs."""
    params = {
        "title": account.name,
        "due": handoff.sla_due_at.isoformat(),
        "handoff_id": str(handoff.pk),
    }
    kind = Notification.Kind.HANDOFF_OPENED
    if handoff.sales_owner_id:
        notify.notify_user(handoff.sales_owner, account.owner_unit, kind, params=params)
    else:
        notify.notify_units([account.owner_unit], kind, min_role=Role.MANAGER, params=params)


def may_decide(user: Any, handoff: Handoff) -> bool:
    """The sales owner decides; managers of the unit (or above) may decide for them."""
    if user is None or not user.is_authenticated:
        return False
    if handoff.sales_owner_id == user.pk:
        return True
    return Handoff.objects.restrict(user, "approve").filter(pk=handoff.pk).exists()


def _decide(handoff: Handoff, user: Any, status: str, reason: str) -> Handoff:
    if not may_decide(user, handoff):
        raise PermissionDenied(_g("Only the sales owner or a manager of the unit may decide."))
    now = timezone.now()
    with transaction.atomic(), changes.acting_as(user):
        # Claim with a conditional UPDATE: of two simultaneous decisions, one wins.
        done = Handoff.objects.filter(pk=handoff.pk, status=HandoffStatus.PENDING).update(
            status=status, reason=reason, decided_by=user, decided_at=now
        )
    if not done:
        raise HandoffError(_g("This hand-off was already decided."))
    handoff.refresh_from_db()
    return handoff


def accept(handoff: Handoff, user: Any, reason: str = "") -> Handoff:
    return _decide(handoff, user, HandoffStatus.ACCEPTED, (reason or "").strip())


def reject(handoff: Handoff, user: Any, reason: str) -> Handoff:
    """Reject with a reason: marketing needs to know why sales did not take it."""
    reason = (reason or "").strip()
    if not reason:
        raise HandoffError({"reason": _g("Give a reason for rejecting the hand-off.")})
    return _decide(handoff, user, HandoffStatus.REJECTED, reason)


def flag_overdue(at: datetime.datetime | None = None, limit: int = 500) -> int:
    """Flag pending hand-offs past their SLA and notify each owner once.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` and flagged in the same
    transaction as the notification, so two beat workers never notify twice.
    """
    from governance import notify
    from governance.models import Notification

    at = at or timezone.now()
    with transaction.atomic():
        claimed = list(
            Handoff.objects.unrestricted()
            .due(at)
            .select_related("account", "owner_unit", "sales_owner")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:limit]
        )
        if not claimed:
            return 0
        Handoff.objects.filter(pk__in=[h.pk for h in claimed]).update(
            overdue=True, overdue_notified_at=at
        )
        for handoff in claimed:
            params = {
                "title": _g("Hand-off of %(account)s is overdue") % {"account": handoff.account},
                "due": handoff.sla_due_at.isoformat(),
            }
            kind = Notification.Kind.ACTION_ITEM_OVERDUE
            if handoff.sales_owner is not None:
                notify.notify_user(handoff.sales_owner, handoff.owner_unit, kind, params=params)
            else:
                notify.notify_units(
                    [handoff.owner_unit], kind, min_role=Role.MANAGER, params=params
                )
    return len(claimed)
