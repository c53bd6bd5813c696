"""Hand-offs: one per threshold crossing, accept / reject with reason, overdue once."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from accounts import engagement, handoffs
from accounts.models import Account, Handoff, HandoffStatus, SalesOwner
from accounts.tasks import flag_overdue_handoffs
from glocal.layering.models import Bound
from governance.models import AuditEntry, Notification

_ids = itertools.count()


@pytest.fixture
def account(tenants):
    return Account.objects.create(owner_unit=tenants.unit("fr"), name="Michelin")


def meetings(account, n: int, when=None) -> None:
    """Each meeting scores 20 when fresh (default threshold: 50)."""
    for _ in range(n):
        engagement.record_event(
            account=account,
            kind="meeting",
            occurred_at=when or timezone.now(),
            external_id=f"meeting-{next(_ids)}",
        )


def test_crossing_the_threshold_creates_exactly_one_handoff(account, tenants):
    meetings(account, 2)  # 40: below
    assert not Handoff.objects.exists()
    meetings(account, 1)  # 60: crosses
    meetings(account, 2)  # 100: still above, still one
    handoff = Handoff.objects.get()
    assert handoff.status == HandoffStatus.PENDING
    assert handoff.sales_owner == tenants.user("fr-manager")
    assert handoff.owner_unit_id == account.owner_unit_id
    assert (handoff.score, handoff.threshold) == (60.0, 50.0)
    assert handoff.sla_due_at - handoff.created_at == datetime.timedelta(hours=48)
    assert AuditEntry.objects.filter(target_type="accounts.Handoff", action="create").exists()
    opened = Notification.objects.get(kind=Notification.Kind.HANDOFF_OPENED)
    assert opened.recipient == handoff.sales_owner
    assert opened.message().startswith("“Michelin” is marketing-qualified")


def test_the_organisation_threshold_and_sla_are_bounds(account, tenants):
    root = tenants.unit("fr").parent.parent
    Bound.objects.create(owner_unit=root, key=handoffs.THRESHOLD.key, value=70)
    Bound.objects.create(owner_unit=root, key=handoffs.SLA_HOURS.key, value=24)
    meetings(account, 3)  # 60 < 70
    assert not Handoff.objects.exists()
    meetings(account, 1)  # 80
    handoff = Handoff.objects.get()
    assert handoff.threshold == 70
    assert handoff.sla_due_at - handoff.created_at == datetime.timedelta(hours=24)


def test_the_database_refuses_a_second_open_handoff(account, tenants):
    meetings(account, 3)
    with pytest.raises(IntegrityError):
        Handoff.objects.create(
            owner_unit=account.owner_unit, account=account, sla_due_at=timezone.now()
        )


def test_a_rejected_account_returns_only_after_crossing_again(account, tenants):
    now = timezone.now()
    meetings(account, 3, when=now - datetime.timedelta(days=1))
    manager = tenants.user("fr-manager")
    with pytest.raises(ValidationError) as exc:
        handoffs.reject(Handoff.objects.get(), manager, "  ")
    assert "reason" in exc.value.message_dict
    rejected = handoffs.reject(Handoff.objects.get(), manager, "No budget this year")
    assert (rejected.status, rejected.reason, rejected.decided_by) == (
        "rejected", "No budget this year", manager,
    )  # fmt: skip
    meetings(account, 1)  # still above: no new hand-off
    assert Handoff.objects.count() == 1
    # Ninety days later the score has faded below the threshold ...
    engagement.recompute([account.owner_unit_id], at=now + datetime.timedelta(days=90))
    account.refresh_from_db()
    assert account.engagement_score < 50
    # ... and a burst of meetings then crosses it again.
    meetings(account, 3, when=now + datetime.timedelta(days=90))
    engagement.recompute([account.owner_unit_id], at=now + datetime.timedelta(days=90))
    assert Handoff.objects.filter(status="pending").count() == 1
    assert Handoff.objects.count() == 2


def test_accept_by_the_sales_owner_once(account, tenants):
    meetings(account, 3)
    handoff = Handoff.objects.get()
    accepted = handoffs.accept(handoff, tenants.user("fr-manager"))
    assert accepted.status == "accepted" and accepted.decided_at is not None
    with pytest.raises(ValidationError):
        handoffs.reject(handoff, tenants.user("fr-admin"), "too late")
    assert AuditEntry.objects.filter(target_type="accounts.Handoff", action="update").exists()


def test_only_the_owner_or_a_manager_decides(account, tenants):
    meetings(account, 3)
    handoff = Handoff.objects.get()
    for username in ("fr-marketer", "de-manager", "globex-fr-admin"):
        with pytest.raises(PermissionDenied):
            handoffs.accept(handoff, tenants.user(username))
    handoff.sales_owner = tenants.user("fr-marketer")
    handoff.save()
    assert handoffs.accept(handoff, tenants.user("fr-marketer")).status == "accepted"


def test_overdue_handoffs_are_flagged_and_notified_once(account, tenants, mailoutbox):
    meetings(account, 3)
    handoff = Handoff.objects.get()
    assert handoffs.flag_overdue(at=handoff.sla_due_at - datetime.timedelta(minutes=1)) == 0
    later = handoff.sla_due_at + datetime.timedelta(minutes=1)
    assert handoffs.flag_overdue(at=later) == 1
    assert handoffs.flag_overdue(at=later + datetime.timedelta(hours=5)) == 0
    assert flag_overdue_handoffs() == 0
    handoff.refresh_from_db()
    assert handoff.overdue and handoff.overdue_notified_at == later
    note = Notification.objects.exclude(kind=Notification.Kind.HANDOFF_OPENED).get()
    assert note.recipient == tenants.user("fr-manager")
    assert "Michelin" in note.message() and "overdue" in note.message()


def test_an_accepted_handoff_is_never_overdue(account, tenants):
    meetings(account, 3)
    handoff = handoffs.accept(Handoff.objects.get(), tenants.user("fr-manager"))
    assert handoffs.flag_overdue(at=handoff.sla_due_at + datetime.timedelta(days=1)) == 0


# --- API and dashboard ------------------------------------------------------------------


def test_api_reject_needs_a_reason_and_accept_answers_the_decided_handoff(api, account):
    meetings(account, 3)
    handoff = Handoff.objects.get()
    client = api("fr-manager")
    refused = client.post(f"/api/v1/handoffs/{handoff.pk}/reject/", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "reason"
    done = client.post(f"/api/v1/handoffs/{handoff.pk}/accept/", {"reason": "ok"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    twice = client.post(f"/api/v1/handoffs/{handoff.pk}/accept/", {}, format="json")
    assert twice.status_code == 400
    assert api("fr-viewer").post(f"/api/v1/handoffs/{handoff.pk}/accept/").status_code == 403
    assert api("de-admin").post(f"/api/v1/handoffs/{handoff.pk}/accept/").status_code == 404
    assert client.post("/api/v1/handoffs/", {}, format="json").status_code == 405


def test_api_list_filters_mine(api, account, tenants):
    meetings(account, 3)
    mine = api("fr-manager").get("/api/v1/handoffs/?mine=true").json()
    assert [row["account_name"] for row in mine["results"]] == ["Michelin"]
    theirs = api("fr-admin").get("/api/v1/handoffs/?mine=true").json()
    assert theirs["results"] == []


def test_dashboard_inbox_lists_and_decides(client, account, tenants):
    meetings(account, 3)
    handoff = Handoff.objects.get()
    client.force_login(tenants.user("fr-manager"))
    page = client.get("/accounts/handoffs/")
    assert page.status_code == 200 and f'data-handoff="{handoff.pk}"' in page.content.decode()
    response = client.post(
        f"/accounts/handoffs/{handoff.pk}/decide/", {"decision": "reject", "reason": ""}
    )
    assert response.status_code == 303
    handoff.refresh_from_db()
    assert handoff.status == "pending"  # no reason: refused
    client.post(f"/accounts/handoffs/{handoff.pk}/decide/", {"decision": "reject", "reason": "No"})
    handoff.refresh_from_db()
    assert handoff.status == "rejected"


def test_dashboard_inbox_ignores_bad_filters_and_hides_other_units(client, account, tenants):
    meetings(account, 3)
    handoff = Handoff.objects.get()
    client.force_login(tenants.user("de-manager"))
    page = client.get("/accounts/handoffs/?status=bogus&overdue=maybe&q=Mich")
    assert page.status_code == 200
    assert f'data-handoff="{handoff.pk}"' not in page.content.decode()
    refused = client.post(f"/accounts/handoffs/{handoff.pk}/decide/", {"decision": "accept"})
    assert refused.status_code == 404


# --- Configured sales owners ------------------------------------------------------------


def test_a_configured_sales_owner_wins_nearest_unit_first(account, tenants):
    fr = tenants.unit("fr")
    SalesOwner.objects.create(owner_unit=fr.parent, user=tenants.user("emea-manager"))
    assert handoffs.default_sales_owner(fr) == tenants.user("emea-manager")
    SalesOwner.objects.create(owner_unit=fr, user=tenants.user("fr-marketer"))
    meetings(account, 3)
    handoff = Handoff.objects.get()
    assert handoff.sales_owner == tenants.user("fr-marketer")
    assert handoffs.accept(handoff, tenants.user("fr-marketer")).status == "accepted"


def test_a_sales_owner_must_see_the_units_handoffs(tenants):
    owner = SalesOwner(owner_unit=tenants.unit("fr"), user=tenants.user("de-manager"))
    with pytest.raises(ValidationError) as exc:
        owner.full_clean()
    assert "user" in exc.value.message_dict
    SalesOwner(owner_unit=tenants.unit("fr"), user=tenants.user("emea-viewer")).full_clean()


def test_list_endpoints_do_not_query_per_row(api, tenants):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fr = tenants.unit("fr")
    client = api("fr-manager")

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    def add(n: int) -> None:
        for _ in range(n):
            account = Account.objects.create(owner_unit=fr, name=f"Co {next(_ids)}")
            meetings(account, 3)

    add(1)
    # Warm up: first requests also fill per-process caches (token, content types).
    count("/api/v1/handoffs/")
    count("/api/v1/engagement-events/")
    few = (count("/api/v1/handoffs/"), count("/api/v1/engagement-events/"))
    add(4)
    assert (count("/api/v1/handoffs/"), count("/api/v1/engagement-events/")) == few
