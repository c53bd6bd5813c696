"""Notifications: one row per recipient, mailed once after the transaction commits.

The rows are the outbox. After commit a Celery task mails the new ones; if the broker
is down or a send fails, the periodic sweep (``governance.tasks``) mails whatever is
still unsent, so a notification is never lost and never blocks the decision.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from glocal.models import Membership, OrgUnit
from glocal.tenancy import ROLE_RANK, Role
from governance.models import ApprovalRequest, Notification

log = logging.getLogger(__name__)
Kind = Notification.Kind


def roles_from(min_role: str) -> list[str]:
    return [role for role in Role.values if ROLE_RANK[role] >= ROLE_RANK[min_role]]


def request_params(request: ApprovalRequest) -> dict[str, Any]:
    """What every message about a request may mention (names, not translations)."""
    requester = request.requested_by
    return {
        "title": request.title,
        "requester": requester.get_username() if requester else "",
        "unit": request.requesting_unit.name,
        "accountable": request.owner_unit.name,
    }


def notify_units(
    units: Iterable[OrgUnit],
    kind: str,
    *,
    min_role: str = Role.VIEWER,
    request: ApprovalRequest | None = None,
    params: dict[str, Any] | None = None,
    exclude_user_ids: Iterable[int] = (),
) -> list[Notification]:
    """Notify the members of ``units`` holding at least ``min_role`` (once per user)."""
    unit_ids = [unit.pk for unit in units]
    if not unit_ids:
        return []
    memberships = (
        Membership.objects.filter(
            unit_id__in=unit_ids,
            unit__is_active=True,
            user__is_active=True,
            role__in=roles_from(min_role),
        )
        .exclude(user_id__in=list(exclude_user_ids))
        .order_by("unit_id", "user_id")
    )
    seen: set[int] = set()
    recipients: list[tuple[int, int]] = []
    for user_id, unit_id in memberships.values_list("user_id", "unit_id"):
        if user_id not in seen:
            seen.add(user_id)
            recipients.append((user_id, unit_id))
    return _create(recipients, kind, request, params or {})


def notify_user(
    user: Any,
    unit: OrgUnit,
    kind: str,
    *,
    request: ApprovalRequest | None = None,
    params: dict[str, Any] | None = None,
) -> list[Notification]:
    if user is None or not user.is_active:
        return []
    return _create([(user.pk, unit.pk)], kind, request, params or {})


def _create(
    recipients: list[tuple[int, int]],
    kind: str,
    request: ApprovalRequest | None,
    params: dict[str, Any],
) -> list[Notification]:
    created = [
        Notification.objects.create(
            recipient_id=user_id, owner_unit_id=unit_id, kind=kind, request=request, params=params
        )
        for user_id, unit_id in recipients
    ]
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from governance.tasks import deliver_notification_emails

    try:
        deliver_notification_emails.delay(ids)
    except Exception:  # the broker is down: the periodic sweep mails them later
        log.warning("could not queue notification emails %s; the sweep will send them", ids)


def _language(unit: OrgUnit) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    for tag in unit.languages or ():
        if tag.split("-")[0] in available:
            return tag.split("-")[0]
    return settings.LANGUAGE_CODE


def _email(notification: Notification) -> EmailMessage:
    with translation.override(_language(notification.owner_unit)):
        text = notification.message()
        lines = [text]
        comment = notification.params.get("comment")
        if comment:
            lines += ["", comment]
        if notification.request_id:
            path = reverse("governance:approval-detail", args=[notification.request_id])
            lines += ["", getattr(settings, "GLOCAL_BASE_URL", "") + path]
    return EmailMessage(
        subject=f"[Glocal ABM] {text}"[:200],
        body="\n".join(lines),
        to=[notification.recipient.email],
    )


def deliver_emails(ids: Iterable[int] | None = None, limit: int = 200) -> int:
    """Mail unsent notifications (all of them, or ``ids``); returns how many were handled.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so two workers never mail the same
    notification; a failed send rolls back and leaves the rows for the next sweep.
    """
    with transaction.atomic():
        rows = Notification.objects.unrestricted().filter(emailed_at__isnull=True)
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        claimed = list(
            rows.select_related("recipient", "owner_unit")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:limit]
        )
        if not claimed:
            return 0
        messages = [_email(n) for n in claimed if n.recipient.email]
        if messages:
            get_connection().send_messages(messages)
        Notification.objects.unrestricted().filter(pk__in=[n.pk for n in claimed]).update(
            emailed_at=timezone.now()
        )
    return len(claimed)


def mark_read(notifications: Iterable[Notification] | Any) -> int:
    """Mark the given notifications (a queryset or a list) as read."""
    if not hasattr(notifications, "update"):
        notifications = Notification.objects.filter(pk__in=[n.pk for n in notifications])
    return notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
