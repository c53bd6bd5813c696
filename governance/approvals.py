"""Approval use-cases: request, decide, withdraw, consult, expire.

Every state change claims the row with ``SELECT ... FOR UPDATE`` and then a conditional
``UPDATE ... WHERE status = <expected>`` whose row count must be 1, so approving twice
(or two managers approving at once) runs the decided action exactly once. The
action's handler (``governance.actions``) runs in the same transaction: if it fails,
nothing is recorded and the request stays pending.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from glocal.models import OrgUnit
from glocal.tenancy import Role
from governance import actions, audit, notify, raci
from governance.authorization import authorize
from governance.models import ApprovalRequest, Consultation, Notification

Status = ApprovalRequest.Status
Kind = Notification.Kind

#: how long consulted units have to answer (never beyond the request's expiry)
CONSULTATION_TIME = timedelta(days=5)
#: requests expired per task run; the task re-queues itself when there are more
EXPIRY_BATCH = 200


def _handler(action_type: str) -> actions.ActionHandler:
    try:
        return actions.get(action_type)
    except actions.UnknownActionType:
        raise ValidationError(
            {"action_type": _("Unknown action %(action)s.") % {"action": action_type}}
        ) from None


def _when(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def request_action(
    user: Any,
    action_type: str,
    target: Any,
    *,
    comment: str = "",
    acting_unit: OrgUnit | None = None,
    payload: dict | None = None,
) -> ApprovalRequest:
    """Ask to perform a governed action on ``target``.

    Forbidden → ``PermissionDenied`` with the reason. R-but-not-A → a pending request,
    consultations for the C units and notifications to the A unit's managers. A manager
    of the A unit → the request is recorded and approved at once (the action runs).
    """
    handler = _handler(action_type)
    if handler.check is not None:
        handler.check(target)
    scope = handler.scope_of(target)
    decision = authorize(user, handler.activity, scope, target, acting_unit=acting_unit)
    if decision.forbidden:
        raise PermissionDenied(decision.reason)
    now = timezone.now()
    request = ApprovalRequest(
        owner_unit=decision.accountable,
        activity=handler.activity,
        scope=scope,
        requesting_unit=decision.acting_unit,
        requested_by=user,
        action_type=action_type,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        payload=payload or {},
        title=handler.describe(target)[:200],
        comment=comment,
        expires_at=now + handler.ttl,
    )
    request.full_clean()
    with transaction.atomic():
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:  # a concurrent request for the same action won the race
            raise ValidationError(
                {"target_id": _("This action already waits for approval.")}
            ) from None
        if decision.allowed:
            return _decide(request.pk, user, approve=True, comment=comment, check=False)
        _open(request, decision.parties, now)
    return request


def _open(request: ApprovalRequest, parties: raci.Parties, now: datetime) -> None:
    """Consult the C units and alert the A unit's managers."""
    due = min(request.expires_at, now + CONSULTATION_TIME)
    for unit in parties.consulted:
        Consultation.objects.create(owner_unit=unit, request=request, due_at=due)
    params = notify.request_params(request)
    notify.notify_units(
        [request.owner_unit],
        Kind.APPROVAL_REQUESTED,
        min_role=Role.MANAGER,
        request=request,
        params={**params, "comment": request.comment},
    )
    for unit in parties.consulted:
        notify.notify_units(
            [unit],
            Kind.CONSULTATION_REQUESTED,
            min_role=Role.MANAGER,
            request=request,
            params={**params, "consulted": unit.name, "due": due.isoformat()},
        )


def _lock(pk: int) -> ApprovalRequest:
    request = (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("owner_unit", "requesting_unit", "scope", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise ValidationError({"request": _("This request no longer exists.")})
    return request


def _claim(request: ApprovalRequest, expected: str, **changes: Any) -> None:
    """Move the request on only if it is still in ``expected`` state (row count 1)."""
    claimed = ApprovalRequest.objects.filter(pk=request.pk, status=expected).update(**changes)
    if claimed != 1:
        raise ValidationError({"status": _("This request was already decided.")})
    for name, value in changes.items():
        setattr(request, name, value)


def _not_pending(request: ApprovalRequest) -> ValidationError:
    who = request.decided_by or request.withdrawn_by
    return ValidationError(
        {
            "status": _("This request is already %(status)s%(by)s; it cannot be decided again.")
            % {
                "status": request.get_status_display().lower(),
                "by": (_(" by %(user)s") % {"user": who.get_username()}) if who else "",
            }
        }
    )


def decide(
    request: ApprovalRequest | int, user: Any, *, approve: bool, comment: str = ""
) -> ApprovalRequest:
    """A manager of the accountable unit approves (the action runs) or rejects."""
    pk = request.pk if isinstance(request, ApprovalRequest) else request
    with transaction.atomic():
        return _decide(pk, user, approve=approve, comment=comment, check=True)


def _decide(pk: int, user: Any, *, approve: bool, comment: str, check: bool) -> ApprovalRequest:
    request = _lock(pk)
    if check and not ApprovalRequest.objects.restrict(user, "approve").filter(pk=pk).exists():
        raise PermissionDenied(
            _("Only the managers of %(unit)s decide this request.")
            % {"unit": request.owner_unit.name}
        )
    if not request.is_pending:
        raise _not_pending(request)
    now = timezone.now()
    if request.expires_at <= now:
        raise ValidationError(
            {"status": _("This request expired on %(when)s.") % {"when": _when(request.expires_at)}}
        )
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why you reject the request.")})
    handler = _handler(request.action_type) if approve else None
    target = request.target
    if approve and request.target_id and target is None:
        raise ValidationError(
            {"target_id": _("The object of this request no longer exists; reject it instead.")}
        )
    new_status = Status.APPROVED if approve else Status.REJECTED
    _claim(
        request,
        Status.PENDING,
        status=new_status,
        decided_by=user,
        decided_at=now,
        decision_comment=comment,
    )
    if handler is not None:
        handler.on_approved(request, target)
    audit.record(
        new_status,
        actor=user,
        unit=request.owner_unit,
        target=request,
        before={"status": Status.PENDING},
        after={"status": new_status},
        note=comment,
    )
    _tell_outcome(request, Kind.APPROVED if approve else Kind.REJECTED, user, comment)
    return request


def _tell_outcome(request: ApprovalRequest, kind: str, actor: Any, comment: str = "") -> None:
    """The requester, the consulted and the informed units learn the outcome."""
    params = {
        **notify.request_params(request),
        "decider": actor.get_username() if actor is not None else "",
        "comment": comment,
    }
    told = set()
    if request.requested_by_id and request.requested_by_id != getattr(actor, "pk", None):
        notify.notify_user(
            request.requested_by, request.requesting_unit, kind, request=request, params=params
        )
        told.add(request.requested_by_id)
    parties = raci.parties(request.scope, request.activity)
    consulted = list(OrgUnit.objects.filter(pk__in=request.consultations.values("owner_unit_id")))
    notify.notify_units(
        consulted,
        kind,
        min_role=Role.MANAGER,
        request=request,
        params=params,
        exclude_user_ids=told,
    )
    notify.notify_units(
        parties.informed, kind, request=request, params=params, exclude_user_ids=told
    )


def withdraw(request: ApprovalRequest | int, user: Any, *, comment: str = "") -> ApprovalRequest:
    """Withdraw a pending request, or revoke an approved one (the handler undoes it)."""
    pk = request.pk if isinstance(request, ApprovalRequest) else request
    with transaction.atomic():
        request = _lock(pk)
        if not ApprovalRequest.objects.restrict(user, "withdraw").filter(pk=pk).exists():
            raise PermissionDenied(
                _("Only the requester, managers of %(unit)s or of %(accountable)s may withdraw it.")
                % {"unit": request.requesting_unit.name, "accountable": request.owner_unit.name}
            )
        previous = request.status
        if previous not in (Status.PENDING, Status.APPROVED):
            raise ValidationError(
                {
                    "status": _(
                        "Only a pending or approved request can be withdrawn; this one is %(s)s."
                    )
                    % {"s": request.get_status_display().lower()}
                }
            )
        _claim(
            request,
            previous,
            status=Status.WITHDRAWN,
            withdrawn_by=user,
            withdrawn_at=timezone.now(),
            withdraw_comment=comment,
        )
        handler = _handler(request.action_type) if previous == Status.APPROVED else None
        if handler is not None and handler.on_withdrawn is not None:
            handler.on_withdrawn(request, request.target)
        audit.record(
            Status.WITHDRAWN,
            actor=user,
            unit=request.owner_unit,
            target=request,
            before={"status": previous},
            after={"status": Status.WITHDRAWN},
            note=comment,
        )
        params = {**notify.request_params(request), "decider": user.get_username()}
        params["comment"] = comment
        if previous == Status.PENDING:  # the deciders no longer need to look at it
            notify.notify_units(
                [request.owner_unit],
                Kind.WITHDRAWN,
                min_role=Role.MANAGER,
                request=request,
                params=params,
                exclude_user_ids=[user.pk],
            )
            if request.requested_by_id and request.requested_by_id != user.pk:
                notify.notify_user(
                    request.requested_by,
                    request.requesting_unit,
                    Kind.WITHDRAWN,
                    request=request,
                    params=params,
                )
        else:  # what everyone was told was approved is revoked
            _tell_outcome(request, Kind.WITHDRAWN, user, comment)
    return request


def answer_consultation(
    consultation: Consultation | int, user: Any, *, opinion: str, answer: str = ""
) -> Consultation:
    """A manager of the consulted unit gives its opinion before the deadline."""
    pk = consultation.pk if isinstance(consultation, Consultation) else consultation
    with transaction.atomic():
        consultation = (
            Consultation.objects.select_for_update(of=("self",))
            .select_related("request", "owner_unit")
            .filter(pk=pk)
            .first()
        )
        if consultation is None:
            raise ValidationError({"consultation": _("This consultation no longer exists.")})
        if not Consultation.objects.restrict(user, "answer").filter(pk=pk).exists():
            raise PermissionDenied(
                _("Only the managers of %(unit)s answer this consultation.")
                % {"unit": consultation.owner_unit.name}
            )
        errors: dict[str, str] = {}
        if opinion not in Consultation.Opinion.values:
            errors["opinion"] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(Consultation.Opinion.values)
            }
        if not consultation.request.is_pending:
            errors["request"] = _("The request was already decided; answers are closed.")
        elif consultation.is_answered:
            errors["answer"] = _("%(unit)s already answered.") % {
                "unit": consultation.owner_unit.name
            }
        elif consultation.due_at <= timezone.now():
            errors["answer"] = _("The deadline passed on %(when)s.") % {
                "when": _when(consultation.due_at)
            }
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        claimed = Consultation.objects.filter(pk=pk, answered_at__isnull=True).update(
            opinion=opinion, answer=answer, answered_by=user, answered_at=now
        )
        if claimed != 1:
            raise ValidationError({"answer": _("This consultation was already answered.")})
        consultation.refresh_from_db()
        audit.record(
            "consulted",
            actor=user,
            unit=consultation.owner_unit,
            target=consultation.request,
            after={"opinion": opinion, "answer": answer},
        )
    return consultation


def expire_due(now: datetime | None = None, limit: int = EXPIRY_BATCH) -> int:
    """Expire pending requests past their deadline; returns how many expired."""
    now = now or timezone.now()
    due = list(ApprovalRequest.objects.due(now).order_by("expires_at").values_list("pk")[:limit])
    expired = 0
    for (pk,) in due:
        with transaction.atomic():
            request = _lock(pk)
            if not request.is_pending or request.expires_at > now:
                continue  # decided or withdrawn meanwhile
            _claim(request, Status.PENDING, status=Status.EXPIRED, decided_at=now)
            audit.record(
                Status.EXPIRED,
                actor=None,
                unit=request.owner_unit,
                target=request,
                before={"status": Status.PENDING},
                after={"status": Status.EXPIRED},
            )
            params = notify.request_params(request)
            notify.notify_user(
                request.requested_by,
                request.requesting_unit,
                Kind.EXPIRED,
                request=request,
                params=params,
            )
            notify.notify_units(
                [request.owner_unit],
                Kind.EXPIRED,
                min_role=Role.MANAGER,
                request=request,
                params=params,
                exclude_user_ids=[request.requested_by_id or 0],
            )
            expired += 1
    return expired
