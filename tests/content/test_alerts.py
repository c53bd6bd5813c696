"""Expiring-rights alerts: the owning unit's managers, once per expiry."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from content import alerts, services, tasks
from governance.models import Notification
from tests.content.conftest import publish


def alerted() -> set[str]:
    rows = Notification.objects.filter(kind=alerts.RIGHTS_EXPIRING)
    return set(rows.values_list("recipient__username", flat=True))


def test_managers_of_the_owning_unit_are_warned_once(tenants, library):
    now = timezone.now()
    publish(library.local)
    services.set_rights(
        tenants.user("fr-marketer"), library.local, expires_at=now + timedelta(days=10)
    )
    services.set_rights(
        tenants.user("emea-marketer"), library.regional, expires_at=now + timedelta(days=40)
    )
    assert tasks.alert_expiring_rights() == 1
    assert alerted() == {"fr-manager", "fr-admin"}  # EMEA's expiry is beyond the window
    assert alerts.alert_expiring_rights() == 0  # never twice for the same expiry
    services.set_rights(
        tenants.user("fr-marketer"), library.local, expires_at=now + timedelta(days=12)
    )
    assert alerts.alert_expiring_rights() == 1  # a new expiry re-arms the alert


def test_drafts_and_past_expiries_are_not_announced(tenants, library):
    now = timezone.now()
    services.set_rights(
        tenants.user("fr-marketer"), library.local, expires_at=now + timedelta(days=3)
    )  # France's variant is still a draft
    assert alerts.alert_expiring_rights() == 0
    assert alerts.alert_expiring_rights(now=now + timedelta(days=5)) == 0


def test_the_alert_reads_as_a_sentence_and_beat_runs_it_daily(tenants, library):
    from glocal.celery import app

    publish(library.local)
    expiry = timezone.now() + timedelta(days=5)
    services.set_rights(tenants.user("fr-marketer"), library.local, expires_at=expiry)
    alerts.alert_expiring_rights()
    note = Notification.objects.filter(kind=alerts.RIGHTS_EXPIRING).first()
    assert note.message().startswith("Usage rights of “")
    assert "expire on" in note.message()
    entries = [e["task"] for e in app.conf.beat_schedule.values()]
    assert "content.tasks.alert_expiring_rights" in entries
