"""Engagement events and hand-offs (API and dashboard) in the isolation matrix."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Account, EngagementEvent, Handoff, SalesOwner
from tests.isolation.outcomes import (
    BAD,
    CREATED,
    DENIED,
    LOGIN,
    NOT_FOUND,
    UNAUTHENTICATED,
    Outcome,
)
from tests.isolation.routes import (
    ADMIN_404,
    ADMIN_LIST,
    ADMIN_READ,
    ALL_STAFF,
    API_LIST,
    API_READ,
    PAGE_LIST,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
)

SEE_OTHER = Outcome("redirect", (303,))
API_CREATE_AT_FR = each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED)


def extend_ctx(ctx) -> None:
    fr = ctx["fr"]
    account = Account.objects.create(owner_unit=fr, name="Matrix Handoff SA")
    now = timezone.now()
    ctx["engaged_account"] = account
    ctx["engagement_event"] = EngagementEvent.objects.create(
        owner_unit=fr, account=account, kind="meeting", occurred_at=now, external_id="matrix-ev"
    )
    ctx["handoff"] = Handoff.objects.create(
        owner_unit=fr, account=account, sla_due_at=now, score=60, threshold=50
    )
    ctx["sales_owner"] = SalesOwner.objects.create(owner_unit=fr, user=ctx["fr_viewer"])


PROBES = [
    Probe(
        "api/v1/^engagement-events/$",
        lambda c: "/api/v1/engagement-events/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["engagement_event"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^engagement-events/$",
        lambda c: "/api/v1/engagement-events/",
        API_CREATE_AT_FR,
        method="post",
        data=lambda c: {
            "account": c["engaged_account"].pk,
            "kind": "clicked",
            "occurred_at": timezone.now().isoformat(),
            "external_id": "matrix-intake",
        },
        api=True,
        label="(for an fr account)",
    ),
    Probe(
        "api/v1/^engagement-events/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/engagement-events/{c['engagement_event'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^handoffs/$",
        lambda c: "/api/v1/handoffs/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["handoff"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^handoffs/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/handoffs/{c['handoff'].pk}/",
        API_READ,
        api=True,
    ),
    # Unit admins of fr and above decide; outsiders do not learn the hand-off exists.
    Probe(
        "api/v1/^handoffs/(?P<pk>[^/.]+)/accept/$",
        lambda c: f"/api/v1/handoffs/{c['handoff'].pk}/accept/",
        API_READ,
        method="post",
        api=True,
    ),
    Probe(
        "api/v1/^handoffs/(?P<pk>[^/.]+)/reject/$",
        lambda c: f"/api/v1/handoffs/{c['handoff'].pk}/reject/",
        API_READ,
        method="post",
        data=lambda c: {"reason": "Not now"},
        api=True,
    ),
    Probe(
        "accounts/handoffs/",
        lambda c: "/accounts/handoffs/",
        PAGE_LIST,
        marker=lambda c: f'data-handoff="{c["handoff"].pk}"',
    ),
    Probe(
        "accounts/handoffs/<int:pk>/decide/",
        lambda c: f"/accounts/handoffs/{c['handoff'].pk}/decide/",
        each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN),
        method="post",
        data=lambda c: {"decision": "accept"},
    ),
]

# Read-only admin pages: nobody edits events or hand-offs by hand; outsiders get a 404.
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)

PROBES += [
    *admin_model_probes(
        "accounts/engagementevent",
        "engagement_event",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "accounts/handoff",
        "handoff",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "accounts/salesowner",
        "sales_owner",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
]
