"""Warn the owners of assets whose usage rights expire soon.

Each published node whose own expiry falls within the warning window is claimed with a
conditional ``UPDATE`` (its ``rights_alerted_for`` moves to the expiry being warned
about), so the managers of the owning unit hear about one expiry once, however often
beat runs and however many workers run it. Moving the expiry re-arms the alert.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from content.models import Asset, Status
from glocal.tenancy import Role
from governance import notify
from governance.models import Notification

#: how far ahead owners are warned
WARNING_WINDOW = timedelta(days=14)
#: assets handled per run; the task re-queues itself when a batch was full
ALERT_BATCH = 200
#: notification kind (governance renders its sentence)
RIGHTS_EXPIRING = Notification.Kind.RIGHTS_EXPIRING


def expiring(now: datetime, within: timedelta = WARNING_WINDOW):
    """Published nodes whose own rights end within ``within`` and were not yet announced."""
    return (
        Asset.objects.unrestricted()
        .filter(status=Status.PUBLISHED, expires_at__gt=now, expires_at__lte=now + within)
        .filter(Q(rights_alerted_for__isnull=True) | ~Q(rights_alerted_for=F("expires_at")))
    )


def alert_expiring_rights(
    now: datetime | None = None, within: timedelta = WARNING_WINDOW, limit: int = ALERT_BATCH
) -> int:
    """Notify each owning unit's managers once per expiry; returns how many were announced."""
    now = now or timezone.now()
    due = list(
        expiring(now, within).select_related("owner_unit").order_by("expires_at", "pk")[:limit]
    )
    announced = 0
    for asset in due:
        with transaction.atomic():
            claimed = (
                Asset.objects.unrestricted()
                .filter(pk=asset.pk, expires_at=asset.expires_at)
                .filter(Q(rights_alerted_for__isnull=True) | ~Q(rights_alerted_for=F("expires_at")))
                .update(rights_alerted_for=F("expires_at"))
            )
            if claimed != 1:
                continue  # another worker announced it, or the expiry moved meanwhile
            notify.notify_units(
                [asset.owner_unit],
                RIGHTS_EXPIRING,
                min_role=Role.MANAGER,
                params={
                    "title": f"{asset.title} [{asset.language}]",
                    "due": asset.expires_at.isoformat(),
                    "asset_id": str(asset.pk),
                },
            )
            announced += 1
    return announced
