"""Approvals and consultations: routing, notifications, decisions once, revoke, expiry."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from glocal.changes import acting_as
from governance import actions, approvals, notify, tasks
from governance.models import (
    Activity,
    ApprovalRequest,
    AuditEntry,
    Consultation,
    Directive,
    Notification,
)
from governance.publishing import PUBLISH_DIRECTIVE, publish_directive
from tests.services import require_postgres

Status = ApprovalRequest.Status


def recipients(request: ApprovalRequest, kind: str) -> set[str]:
    rows = Notification.objects.filter(request=request, kind=kind).select_related("recipient")
    return {n.recipient.username for n in rows}


@pytest.fixture
def draft(tenants) -> Directive:
    return Directive.objects.create(owner_unit=tenants.unit("fr"), title="Q1 shortlist")


@pytest.fixture
def pending(tenants, draft) -> ApprovalRequest:
    request = publish_directive(tenants.user("fr-marketer"), draft, comment="Please")
    assert request.status == Status.PENDING
    return request


@pytest.fixture
def launches(tenants):
    """A governed action with Informed units (campaign launch: global is I), counting
    how often its handlers run."""
    runs = {"approved": 0, "revoked": 0}

    def approved(request, target):
        runs["approved"] += 1

    def revoked(request, target):
        runs["revoked"] += 1

    actions.register(
        "tests.launch",
        approved,
        revoked,
        activity=Activity.CAMPAIGN_LAUNCH,
        model=Directive,
        describe=lambda d: f"Launch {d.title}",
    )
    yield runs
    actions.unregister("tests.launch")


@pytest.fixture(autouse=True)
def _fresh_login_quota():
    """These tests log in through the token endpoint many times in a row; don't let the
    anonymous quota they use up throttle the test modules that run after them."""
    yield
    cache.clear()


# --- routing -----------------------------------------------------------------------


def test_an_r_not_a_publication_waits_for_the_accountable_managers(tenants, pending, draft):
    assert pending.owner_unit.code == "emea" and pending.requesting_unit.code == "fr"
    assert pending.activity == Activity.CONTENT_PUBLICATION
    assert pending.target == draft
    assert Directive.objects.get(pk=draft.pk).status == "draft"
    # Managers of the A unit only: not its marketers, not the managers above it.
    assert recipients(pending, "approval_requested") == {"emea-manager", "emea-admin"}


def test_consulted_units_get_a_consultation_with_a_deadline(tenants, pending):
    consultation = Consultation.objects.get(request=pending)
    assert consultation.owner_unit.code == "global"
    assert timezone.now() < consultation.due_at <= pending.expires_at
    assert recipients(pending, "consultation_requested") == {"global-manager", "global-admin"}


def test_the_managers_are_mailed_once_after_commit(tenants, pending):
    assert notify.deliver_emails() == 4
    addresses = sorted(address for message in mail.outbox for address in message.to)
    assert addresses == [
        "emea-admin@example.com",
        "emea-manager@example.com",
        "global-admin@example.com",
        "global-manager@example.com",
    ]
    assert any("asks EMEA to approve" in message.subject for message in mail.outbox)
    assert notify.deliver_emails() == 0  # never twice


def test_emails_are_queued_on_commit(
    tenants, draft, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks.deliver_notification_emails, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        request = publish_directive(tenants.user("fr-marketer"), draft)
    ids = {pk for batch in queued for pk in batch}
    assert ids == set(Notification.objects.filter(request=request).values_list("pk", flat=True))


def test_an_accountable_manager_publishes_at_once(tenants, draft):
    request = publish_directive(tenants.user("emea-manager"), draft)
    assert request.status == Status.APPROVED and request.decided_by.username == "emea-manager"
    assert Directive.objects.get(pk=draft.pk).status == "published"
    assert not Consultation.objects.filter(request=request).exists()


def test_forbidden_actors_get_the_reason(tenants, draft):
    with pytest.raises(PermissionDenied, match="only consulted"):
        publish_directive(tenants.user("global-manager"), draft)
    with pytest.raises(PermissionDenied, match="only lets you view"):
        publish_directive(tenants.user("fr-viewer"), draft)
    assert not ApprovalRequest.objects.exists()


def test_one_pending_request_per_action_and_object(tenants, pending, draft):
    with pytest.raises(ValidationError, match="already waits for approval"):
        publish_directive(tenants.user("fr-manager"), draft)


# --- decisions ---------------------------------------------------------------------


def test_approval_runs_the_action_and_tells_the_requester_and_consulted(tenants, pending, draft):
    with acting_as(tenants.user("emea-manager")):
        approvals.decide(pending, tenants.user("emea-manager"), approve=True, comment="Go")
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED and pending.decision_comment == "Go"
    assert Directive.objects.get(pk=draft.pk).status == "published"
    assert recipients(pending, "approved") == {"fr-marketer", "global-manager", "global-admin"}
    entry = AuditEntry.objects.get(action="approved", target_id=str(pending.pk))
    assert entry.actor.username == "emea-manager" and entry.owner_unit.code == "emea"
    assert entry.before == {"status": "pending"} and entry.note == "Go"


def test_informed_units_are_notified_of_the_decision(tenants, draft, launches):
    request = approvals.request_action(tenants.user("fr-marketer"), "tests.launch", draft)
    assert request.owner_unit.code == "emea"
    assert recipients(request, "approved") == set()
    approvals.decide(request, tenants.user("emea-manager"), approve=True)
    informed = recipients(request, "approved")
    assert {"global-viewer", "global-marketer", "global-manager", "global-admin"} <= informed
    assert "fr-marketer" in informed
    assert not any(name.startswith(("de-", "emea-")) for name in informed)
    assert launches == {"approved": 1, "revoked": 0}


def test_approving_twice_has_one_effect(tenants, pending, launches):
    manager = tenants.user("emea-manager")
    approvals.decide(pending, manager, approve=True)
    with pytest.raises(ValidationError, match="already approved by emea-manager"):
        approvals.decide(pending, tenants.user("emea-admin"), approve=True)
    assert AuditEntry.objects.filter(action="approved", target_id=str(pending.pk)).count() == 1


def test_only_managers_of_the_accountable_unit_decide(tenants, pending):
    for username in ("fr-manager", "global-manager", "emea-marketer"):
        with pytest.raises(PermissionDenied, match="Only the managers of EMEA"):
            approvals.decide(pending, tenants.user(username), approve=True)
    assert ApprovalRequest.objects.get(pk=pending.pk).status == Status.PENDING


def test_a_rejection_needs_a_reason_and_changes_nothing(tenants, pending, draft):
    manager = tenants.user("emea-manager")
    with pytest.raises(ValidationError) as caught:
        approvals.decide(pending, manager, approve=False)
    assert "comment" in caught.value.message_dict
    approvals.decide(pending, manager, approve=False, comment="Not before the audit")
    assert ApprovalRequest.objects.get(pk=pending.pk).status == Status.REJECTED
    assert Directive.objects.get(pk=draft.pk).status == "draft"
    assert "fr-marketer" in recipients(pending, "rejected")
    assert AuditEntry.objects.filter(action="rejected", target_id=str(pending.pk)).exists()


def test_a_failing_handler_leaves_the_request_pending(tenants, draft):
    def explode(request, target):
        raise ValidationError({"target_id": "The launch window is closed."})

    actions.register("tests.fails", explode, activity=Activity.CAMPAIGN_LAUNCH, model=Directive)
    try:
        request = approvals.request_action(tenants.user("fr-marketer"), "tests.fails", draft)
        with pytest.raises(ValidationError, match="window is closed"):
            approvals.decide(request, tenants.user("emea-manager"), approve=True)
    finally:
        actions.unregister("tests.fails")
    assert ApprovalRequest.objects.get(pk=request.pk).status == Status.PENDING
    assert not AuditEntry.objects.filter(action="approved", target_id=str(request.pk)).exists()


# --- withdrawal --------------------------------------------------------------------


def test_withdrawing_a_pending_request_tells_the_deciders(tenants, pending, draft):
    approvals.withdraw(pending, tenants.user("fr-marketer"), comment="Wrong file")
    pending.refresh_from_db()
    assert pending.status == Status.WITHDRAWN and pending.withdraw_comment == "Wrong file"
    assert recipients(pending, "withdrawn") == {"emea-manager", "emea-admin"}
    assert Directive.objects.get(pk=draft.pk).status == "draft"
    with pytest.raises(ValidationError):
        approvals.decide(pending, tenants.user("emea-manager"), approve=True)


def test_withdrawing_an_approval_revokes_what_it_allowed(tenants, pending, draft):
    approvals.decide(pending, tenants.user("emea-manager"), approve=True)
    assert Directive.objects.get(pk=draft.pk).status == "published"
    approvals.withdraw(pending, tenants.user("emea-manager"), comment="Legal asked")
    assert Directive.objects.get(pk=draft.pk).status == "draft"
    assert ApprovalRequest.objects.get(pk=pending.pk).status == Status.WITHDRAWN
    entry = AuditEntry.objects.get(action="withdrawn", target_id=str(pending.pk))
    assert entry.before == {"status": "approved"}
    with pytest.raises(ValidationError, match="this one is withdrawn"):
        approvals.withdraw(pending, tenants.user("emea-manager"))


def test_withdrawal_runs_the_handlers_revoke_once(tenants, draft, launches):
    request = approvals.request_action(tenants.user("fr-marketer"), "tests.launch", draft)
    approvals.decide(request, tenants.user("emea-manager"), approve=True)
    approvals.withdraw(request, tenants.user("fr-manager"))
    assert launches == {"approved": 1, "revoked": 1}


def test_outsiders_cannot_withdraw(tenants, pending):
    for username in ("de-manager", "global-manager", "fr-viewer"):
        with pytest.raises(PermissionDenied):
            approvals.withdraw(pending, tenants.user(username))


# --- consultations -----------------------------------------------------------------


def test_a_consulted_manager_answers_and_the_approver_sees_it(tenants, pending, api):
    consultation = Consultation.objects.get(request=pending)
    with pytest.raises(PermissionDenied):
        approvals.answer_consultation(
            consultation, tenants.user("global-marketer"), opinion="favourable"
        )
    approvals.answer_consultation(
        consultation,
        tenants.user("global-manager"),
        opinion="reservations",
        answer="Keep the tagline",
    )
    assert AuditEntry.objects.filter(action="consulted", target_id=str(pending.pk)).exists()
    body = api("emea-manager").get(f"/api/v1/approvals/{pending.pk}/").json()
    [answer] = body["consultations"]
    assert (answer["owner_unit_code"], answer["opinion"], answer["answer"]) == (
        "global",
        "reservations",
        "Keep the tagline",
    )
    with pytest.raises(ValidationError, match="already answered"):
        approvals.answer_consultation(
            consultation, tenants.user("global-admin"), opinion="favourable"
        )


def test_answers_close_at_the_deadline_and_at_the_decision(tenants, pending):
    consultation = Consultation.objects.get(request=pending)
    Consultation.objects.filter(pk=consultation.pk).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="deadline passed"):
        approvals.answer_consultation(
            consultation, tenants.user("global-manager"), opinion="favourable"
        )
    approvals.decide(pending, tenants.user("emea-manager"), approve=False, comment="No")
    with pytest.raises(ValidationError, match="already decided"):
        approvals.answer_consultation(
            consultation, tenants.user("global-manager"), opinion="favourable"
        )


# --- expiry ------------------------------------------------------------------------


def test_pending_requests_expire_by_the_beat_task(tenants, pending, draft):
    ApprovalRequest.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        approvals.decide(pending, tenants.user("emea-manager"), approve=True)
    assert tasks.expire_approvals() == 1
    pending.refresh_from_db()
    assert pending.status == Status.EXPIRED
    assert "fr-marketer" in recipients(pending, "expired")
    assert AuditEntry.objects.filter(action="expired", target_id=str(pending.pk)).exists()
    assert Directive.objects.get(pk=draft.pk).status == "draft"
    assert tasks.expire_approvals() == 0


# --- API ---------------------------------------------------------------------------


def test_api_request_approve_and_approve_again(tenants, draft, api):
    created = api("fr-marketer").post(
        "/api/v1/approvals/",
        {"action_type": PUBLISH_DIRECTIVE, "target_id": draft.pk, "comment": "Ready"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["owner_unit_code"]) == ("pending", "emea")
    assert [c["owner_unit_code"] for c in body["consultations"]] == ["global"]
    url = f"/api/v1/approvals/{body['id']}/approve/"
    assert api("fr-manager").post(url, {}).status_code == 403
    manager = api("emea-manager")
    approved = manager.post(url, {"comment": "OK"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = manager.post(url, {}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"][0]["attr"] == "status"
    assert Directive.objects.get(pk=draft.pk).status == "published"


def test_api_refusals_are_400_or_403_with_the_reason(tenants, draft, api):
    unknown = api("fr-marketer").post(
        "/api/v1/approvals/", {"action_type": "nope", "target_id": draft.pk}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"] == "action_type"
    hidden = api("de-marketer").post(
        "/api/v1/approvals/", {"action_type": PUBLISH_DIRECTIVE, "target_id": draft.pk}
    )
    assert hidden.status_code == 400 and hidden.json()["errors"][0]["attr"] == "target_id"
    forbidden = api("global-manager").post(
        "/api/v1/approvals/", {"action_type": PUBLISH_DIRECTIVE, "target_id": draft.pk}
    )
    assert forbidden.status_code == 403
    assert "only consulted" in forbidden.json()["errors"][0]["detail"]


def test_api_reject_withdraw_and_consultation_answer(tenants, pending, api):
    reject_url = f"/api/v1/approvals/{pending.pk}/reject/"
    no_reason = api("emea-manager").post(reject_url, {}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["attr"] == "comment"
    consultation = Consultation.objects.get(request=pending)
    answer_url = f"/api/v1/consultations/{consultation.pk}/answer/"
    bad = api("global-manager").post(answer_url, {"opinion": "meh"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "opinion"
    assert api("emea-manager").post(answer_url, {"opinion": "favourable"}).status_code == 403
    answered = api("global-manager").post(answer_url, {"opinion": "favourable"}, format="json")
    assert answered.status_code == 200 and answered.json()["answered_by"] == "global-manager"
    withdrawn = api("fr-marketer").post(f"/api/v1/approvals/{pending.pk}/withdraw/", {})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_api_lists_without_n_plus_one(tenants, api, django_assert_max_num_queries):
    for n in range(5):
        draft = Directive.objects.create(owner_unit=tenants.unit("fr"), title=f"Draft {n}")
        publish_directive(tenants.user("fr-marketer"), draft)
    client = api("emea-manager")
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/approvals/", {"status": "pending"})
    assert response.json()["count"] == 5
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/notifications/").json()["count"] == 5


def test_api_notifications_are_the_callers_own(tenants, pending, api):
    mine = api("emea-manager").get("/api/v1/notifications/", {"unread": True}).json()
    assert mine["count"] == 1
    [note] = mine["results"]
    assert note["message"] == "fr-marketer (France) asks EMEA to approve: Publish “Q1 shortlist”"
    assert api("emea-admin").get(f"/api/v1/notifications/{note['id']}/").status_code == 404
    assert api("ops").get("/api/v1/notifications/").json()["count"] == 0
    read = api("emea-manager").post(f"/api/v1/notifications/{note['id']}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert api("emea-admin").post("/api/v1/notifications/read-all/").json() == {"marked": 1}


def test_the_schema_documents_the_new_endpoints(tenants):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    for path in (
        "/api/v1/raci/",
        "/api/v1/raci/effective/",
        "/api/v1/raci/authorize/",
        "/api/v1/approvals/{id}/approve/",
        "/api/v1/approvals/{id}/reject/",
        "/api/v1/approvals/{id}/withdraw/",
        "/api/v1/consultations/{id}/answer/",
        "/api/v1/notifications/read-all/",
    ):
        assert path in schema["paths"], path
    assert "post" not in schema["paths"]["/api/v1/consultations/"]


# --- dashboard ---------------------------------------------------------------------


def test_the_inbox_shows_what_to_decide_and_to_answer(tenants, pending, client):
    client.force_login(tenants.user("emea-manager"))
    page = client.get("/governance/approvals/").content.decode()
    assert f'data-request="{pending.pk}"' in page.split('id="consultations"')[0]
    response = client.post(
        f"/governance/approvals/{pending.pk}/decide/",
        {"decision": "approve", "comment": "Fine", "back": "inbox"},
    )
    assert response.status_code == 303 and response["Location"] == "/governance/approvals/"
    assert ApprovalRequest.objects.get(pk=pending.pk).status == Status.APPROVED
    client.force_login(tenants.user("global-manager"))
    detail = client.get(f"/governance/approvals/{pending.pk}/").content.decode()
    assert "Approved" in detail and "Fine" in detail


def test_a_consulted_manager_answers_from_the_dashboard(tenants, pending, client):
    consultation = Consultation.objects.get(request=pending)
    client.force_login(tenants.user("global-manager"))
    inbox = client.get("/governance/approvals/").content.decode()
    assert f'data-consultation="{consultation.pk}"' in inbox
    response = client.post(
        f"/governance/consultations/{consultation.pk}/answer/",
        {"opinion": "unfavourable", "answer": "Brand tagline missing"},
    )
    assert response.status_code == 303
    client.force_login(tenants.user("emea-manager"))
    detail = client.get(f"/governance/approvals/{pending.pk}/").content.decode()
    assert "Unfavourable" in detail and "Brand tagline missing" in detail


def test_publication_is_requested_from_the_dashboard(tenants, draft, client):
    client.force_login(tenants.user("fr-marketer"))
    inbox = client.get("/governance/approvals/").content.decode()
    assert "Q1 shortlist (France)" in inbox
    response = client.post("/governance/approvals/publish/", {"directive": draft.pk})
    request = ApprovalRequest.objects.get()
    assert response["Location"] == f"/governance/approvals/{request.pk}/"
    inbox = client.get("/governance/approvals/").content.decode()
    assert "Q1 shortlist (France)" not in inbox  # it already waits for approval
    refused = client.post("/governance/approvals/publish/", {"directive": draft.pk}, follow=True)
    assert "Choose one of your draft directives." in refused.content.decode()


def test_dashboard_refusals_are_messages_not_errors(tenants, pending, client):
    client.force_login(tenants.user("emea-manager"))
    response = client.post(
        f"/governance/approvals/{pending.pk}/decide/", {"decision": "reject"}, follow=True
    )
    assert "Say why you reject the request." in response.content.decode()
    client.force_login(tenants.user("fr-manager"))
    assert client.post(f"/governance/approvals/{pending.pk}/decide/", {}).status_code == 403
    client.force_login(tenants.user("de-manager"))
    assert client.get(f"/governance/approvals/{pending.pk}/").status_code == 404


def test_the_notifications_page_lists_and_marks_read(tenants, pending, client):
    client.force_login(tenants.user("emea-manager"))
    page = client.get("/governance/notifications/").content.decode()
    note = Notification.objects.get(recipient__username="emea-manager")
    assert f'data-notification="{note.pk}"' in page and "asks EMEA to approve" in page
    opened = client.post(f"/governance/notifications/{note.pk}/read/", {"open": "1"})
    assert opened["Location"] == f"/governance/approvals/{pending.pk}/"
    assert Notification.objects.get(pk=note.pk).is_read
    client.force_login(tenants.user("emea-admin"))
    assert client.post(f"/governance/notifications/{note.pk}/read/").status_code == 404


# --- concurrency (PostgreSQL) ------------------------------------------------------


@pytest.mark.services
def test_two_concurrent_approvals_run_the_action_once(transactional_db, tenants):
    require_postgres()
    runs: list[int] = []

    def approved(request, target):
        runs.append(request.pk)
        time.sleep(0.3)  # hold the row while the other approver arrives

    actions.register("tests.slow", approved, activity=Activity.CAMPAIGN_LAUNCH, model=Directive)
    try:
        draft = Directive.objects.create(owner_unit=tenants.unit("fr"), title="Race")
        request = approvals.request_action(tenants.user("fr-marketer"), "tests.slow", draft)
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def approve(username: str) -> None:
            from django.contrib.auth import get_user_model
            from django.db import connections

            try:
                user = get_user_model().objects.get(username=username)
                barrier.wait(timeout=10)
                approvals.decide(request.pk, user, approve=True)
                outcomes[username] = "approved"
            except ValidationError as exc:
                outcomes[username] = "; ".join(exc.messages)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=approve, args=(name,))
            for name in ("emea-manager", "emea-admin")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        actions.unregister("tests.slow")
    assert connection.vendor == "postgresql"
    assert runs == [request.pk], outcomes
    results = sorted(outcomes.values(), key=lambda text: text != "approved")
    assert len(results) == 2 and results[0] == "approved"
    assert "already approved" in results[1]
    assert AuditEntry.objects.filter(action="approved", target_id=str(request.pk)).count() == 1
    assert ApprovalRequest.objects.get(pk=request.pk).status == Status.APPROVED
