"""Selection of target accounts by local teams: propose, select, deselect.

Selection is the RACI activity "target-account-selection" at the account's unit (by
default the local team is R and A, the region consulted, global informed). A manager of
the accountable unit selects at once; a marketer of a responsible unit gets an approval
request (``governance.approvals``) whose approval runs :func:`_apply_selection`.

Two rules guard a selection, re-checked when an approval runs because things may have
changed while it waited:

* the account must be inside its unit's effective ICP (``accounts.icp``);
* per-tier caps — ``accounts.max_selected.<tier>`` bounds, which lower tiers may only
  tighten — limit how many accounts of a tier a local team has selected at once.

Counting against a cap locks the unit's accounts of that tier (``SELECT ... FOR UPDATE``
in primary-key order, see :func:`_lock_tier`), so two concurrent selections cannot both
take the last slot.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import icp, scoring
from accounts.models import Account, Lifecycle, Tier
from accounts.models.accounts import LIFECYCLE_MOVES
from glocal.layering import bounds
from glocal.models import OrgUnit
from governance import actions, approvals, audit
from governance.authorization import authorize
from governance.models import ApprovalRequest
from governance.models.raci import Activity

SELECT_ACTION = "accounts.select"
ACTIVITY = Activity.TARGET_ACCOUNT_SELECTION

CAPS: dict[str, bounds.BoundSpec] = {
    Tier.STRATEGIC: bounds.declare(
        "accounts.max_selected.one_to_one", bounds.MAX, _("Selected 1:1 strategic accounts")
    ),
    Tier.FEW: bounds.declare(
        "accounts.max_selected.one_to_few", bounds.MAX, _("Selected 1:few accounts")
    ),
    Tier.MANY: bounds.declare(
        "accounts.max_selected.one_to_many", bounds.MAX, _("Selected 1:many accounts")
    ),
}
#: Lifecycle stages that hold a slot under the tier's cap.
COUNTED = (Lifecycle.SELECTED, Lifecycle.ENGAGED, Lifecycle.OPPORTUNITY)


def check_move(account: Account, to: str) -> None:
    """Refuse a lifecycle move that ``LIFECYCLE_MOVES`` does not allow."""
    allowed = LIFECYCLE_MOVES.get(Lifecycle(account.lifecycle), set())
    if to not in allowed:
        raise ValidationError(
            {
                "lifecycle": gettext(
                    "%(account)s is %(current)s; it cannot move to %(target)s "
                    "(allowed: %(allowed)s)."
                )
                % {
                    "account": account.name,
                    "current": Lifecycle(account.lifecycle).label,
                    "target": Lifecycle(to).label,
                    "allowed": ", ".join(str(Lifecycle(m).label) for m in sorted(allowed)) or "—",
                }
            }
        )


def check_icp(account: Account, criteria: icp.Criteria | None = None) -> None:
    """Refuse an account outside its unit's ICP (every defined criterion is a must)."""
    errors = icp.check_account(account, criteria)
    if errors:
        raise ValidationError(errors)


def check_cap(account: Account) -> None:
    """Refuse when selecting ``account`` would exceed its tier's cap at its unit."""
    spec = CAPS[Tier(account.tier)]
    cap = bounds.effective(account.owner_unit, spec.key)
    if cap is None:
        return
    taken = (
        Account.objects.unrestricted()
        .filter(owner_unit_id=account.owner_unit_id, tier=account.tier, lifecycle__in=COUNTED)
        .exclude(pk=account.pk)
        .count()
    )
    if taken + 1 > cap.value:
        raise ValidationError(
            {
                "tier": gettext(
                    "Refused: %(unit)s already has %(taken)s %(tier)s account(s) selected; "
                    "the rule “%(label)s” set by %(setter)s allows %(rule)s."
                )
                % {
                    "unit": account.owner_unit.name,
                    "taken": taken,
                    "tier": Tier(account.tier).label,
                    "label": spec.label,
                    "setter": cap.set_by.name,
                    "rule": spec.kind.describe(cap.value),
                }
            }
        )


def _lock_tier(account: Account) -> Account:
    """Lock the unit's accounts of the account's tier, then return the account re-read.

    Every selection in a (unit, tier) locks the same rows in primary-key order before
    counting, so concurrent selections queue instead of both taking the last slot — and
    since the account itself is one of those rows, nobody holds it while waiting for the
    others (no deadlock).
    """
    seen = Account.objects.unrestricted().values("owner_unit_id", "tier").get(pk=account.pk)
    list(
        Account.objects.unrestricted()
        .select_for_update()
        .filter(owner_unit_id=seen["owner_unit_id"], tier=seen["tier"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    account = _locked(account)
    if (account.owner_unit_id, account.tier) != (seen["owner_unit_id"], seen["tier"]):
        raise ValidationError(
            {"tier": gettext("The account changed unit or tier meanwhile; try again.")}
        )
    return account


def _authorize(user: Any, account: Account, acting_unit: OrgUnit | None):
    decision = authorize(user, ACTIVITY, account.owner_unit, acting_unit=acting_unit)
    if decision.forbidden:
        raise PermissionDenied(decision.reason)
    return decision


def _move(account: Account, to: str, user: Any, *, note: str = "") -> Account:
    """Write a lifecycle move with who and when, and record it as a decision."""
    before = account.lifecycle
    account.lifecycle = to
    account.lifecycle_changed_at = timezone.now()
    account.lifecycle_changed_by = user if getattr(user, "pk", None) else None
    account.save(update_fields=["lifecycle", "lifecycle_changed_at", "lifecycle_changed_by"])
    audit.record(
        f"lifecycle:{to}",
        actor=user,
        unit=account.owner_unit,
        target=account,
        before={"lifecycle": before},
        after={"lifecycle": to},
        note=note,
    )
    return account


def _locked(account: Account) -> Account:
    """Re-read the account under a row lock (its lifecycle may have moved meanwhile)."""
    return (
        Account.objects.unrestricted()
        .select_for_update(of=("self",))
        .select_related("owner_unit__organization", "owner_unit__parent__parent")
        .get(pk=account.pk)
    )


def propose(account: Account, user: Any, *, acting_unit: OrgUnit | None = None) -> Account:
    """Put a candidate on the unit's shortlist (anyone R or A for selection may)."""
    _authorize(user, account, acting_unit)
    with transaction.atomic():
        account = _locked(account)
        check_move(account, Lifecycle.PROPOSED)
        criteria = icp.criteria_for(account.owner_unit)
        check_icp(account, criteria)
        _move(account, Lifecycle.PROPOSED, user)
        scoring.refresh_fit(account, criteria)
    return account


def _apply_selection(account: Account, user: Any, *, note: str = "") -> Account:
    """Select under lock: lifecycle, ICP and cap are checked against current data."""
    account = _lock_tier(account)
    check_move(account, Lifecycle.SELECTED)
    criteria = icp.criteria_for(account.owner_unit)
    check_icp(account, criteria)
    check_cap(account)
    _move(account, Lifecycle.SELECTED, user, note=note)
    scoring.refresh_fit(account, criteria)
    return account


def select(
    account: Account,
    user: Any,
    *,
    comment: str = "",
    acting_unit: OrgUnit | None = None,
) -> Account | ApprovalRequest:
    """Select a proposed account, or ask the accountable unit to.

    Returns the account when selected at once, or the pending approval request.
    Refusals (lifecycle, ICP, cap) are ``ValidationError`` naming the field and the
    rule; a user with no part in selection gets ``PermissionDenied``.
    """
    decision = _authorize(user, account, acting_unit)
    # Refuse early what could never be approved; the approval re-checks under lock.
    check_move(account, Lifecycle.SELECTED)
    check_icp(account)
    check_cap(account)
    if decision.allowed:
        with transaction.atomic():
            return _apply_selection(account, user, note=comment)
    return approvals.request_action(
        user, SELECT_ACTION, account, comment=comment, acting_unit=acting_unit
    )


def deselect(
    account: Account, user: Any, reason: str, *, acting_unit: OrgUnit | None = None
) -> Account:
    """Take an account off the list, saying why. Freeing a slot needs no sign-off."""
    if not (reason or "").strip():
        raise ValidationError({"reason": gettext("Say why the account is deselected.")})
    _authorize(user, account, acting_unit)
    with transaction.atomic():
        account = _locked(account)
        check_move(account, Lifecycle.DESELECTED)
        _move(account, Lifecycle.DESELECTED, user, note=reason.strip())
    return account


# --- governed action: what an approval of a selection request does --------------------


def _on_approved(request: ApprovalRequest, account: Account | None) -> None:
    if account is None:
        raise ValidationError({"target_id": gettext("The account no longer exists.")})
    _apply_selection(account, request.requested_by, note=request.comment)


def _on_withdrawn(request: ApprovalRequest, account: Account | None) -> None:
    """Revoking an approved selection puts the account back on the shortlist."""
    if account is None:
        return
    account = _locked(account)
    if account.lifecycle == Lifecycle.SELECTED:
        _move(account, Lifecycle.PROPOSED, request.withdrawn_by, note=request.withdraw_comment)


def _check_request(account: Account) -> None:
    check_move(account, Lifecycle.SELECTED)


def _describe(account: Account) -> str:
    return gettext("Select “%(account)s” as a target account") % {"account": account.name}


def register_handlers() -> None:
    actions.register(
        SELECT_ACTION,
        _on_approved,
        _on_withdrawn,
        activity=ACTIVITY,
        model=Account,
        check=_check_request,
        describe=_describe,
    )
