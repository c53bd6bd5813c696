"""RACI, approvals, consultations and notifications in the isolation matrix.

Targets: EMEA's tailoring of the RACI (read by France, written by EMEA and above) and
AMER's (hidden from EMEA's units); a pending publication France asked EMEA to approve;
a decided one; a consultation of France; a notification to fr-admin.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from glocal.models import OrgUnit
from governance import approvals
from governance.models import ApprovalRequest, Consultation, Directive, Notification, RaciRule
from governance.publishing import PUBLISH_DIRECTIVE, publish_directive
from tests.isolation.outcomes import (
    ADMIN_HIDDEN,
    BAD,
    BLIND,
    CREATED,
    DENIED,
    GONE,
    LOGIN,
    NOT_FOUND,
    OK,
    REDIRECT,
    SEES,
    UNAUTHENTICATED,
)
from tests.isolation.routes import (
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
    everyone,
)

LAUNCH = "campaign-launch"

# The matrix is readable by the whole subtree it governs, written by admins of its scope.
RULE_LIST = each(SEES, SEES, SEES, SEES, BLIND, UNAUTHENTICATED)
RULE_READ = each(OK, OK, OK, OK, NOT_FOUND, UNAUTHENTICATED)
RULE_WRITE = each(DENIED, DENIED, OK, OK, NOT_FOUND, UNAUTHENTICATED)
RULE_DELETE = each(DENIED, DENIED, GONE, GONE, NOT_FOUND, UNAUTHENTICATED)
AT_FR = each(OK, BAD, OK, OK, BAD, UNAUTHENTICATED)  # ?unit=fr: unknown unit is a 400
# Deciding is for the accountable unit's managers (EMEA), not for the units above it.
API_DECIDE = each(DENIED, NOT_FOUND, OK, DENIED, NOT_FOUND, UNAUTHENTICATED)
API_WITHDRAW = each(OK, NOT_FOUND, OK, DENIED, NOT_FOUND, UNAUTHENTICATED)
API_ANSWER = each(OK, NOT_FOUND, DENIED, DENIED, NOT_FOUND, UNAUTHENTICATED)
# Notifications are personal.
MINE_LIST = each(SEES, BLIND, BLIND, BLIND, BLIND, UNAUTHENTICATED)
MINE = each(OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, UNAUTHENTICATED)
PAGE_DECIDE = each(DENIED, NOT_FOUND, REDIRECT, DENIED, NOT_FOUND, LOGIN)
PAGE_WITHDRAW = each(REDIRECT, NOT_FOUND, REDIRECT, DENIED, NOT_FOUND, LOGIN)
PAGE_ANSWER = each(REDIRECT, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)
PAGE_READ = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
PAGE_MINE = each(REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN)
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)


def extend_ctx(ctx) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(
        ["fr-marketer", "fr-admin", "emea-manager", "emea-marketer"], field_name="username"
    )
    fr, emea = ctx["fr"], ctx["emea"]
    amer = OrgUnit.objects.get(organization=fr.organization, code="amer")
    letters = {"global_letters": "I", "region_letters": "A", "local_letters": "R"}
    ctx["raci_emea"] = RaciRule.objects.create(owner_unit=emea, activity=LAUNCH, **letters)
    ctx["raci_amer"] = RaciRule.objects.create(owner_unit=amer, activity=LAUNCH, **letters)
    waiting = Directive.objects.create(owner_unit=fr, title="France: matrix publication")
    ctx["approval"] = publish_directive(users["fr-marketer"], waiting)
    done = Directive.objects.create(owner_unit=fr, title="France: rejected publication")
    ctx["approval_done"] = publish_directive(users["fr-marketer"], done)
    approvals.decide(ctx["approval_done"], users["emea-manager"], approve=False, comment="No")
    ctx["draft"] = Directive.objects.create(owner_unit=fr, title="France: to publish")
    # Budget allocation at France: EMEA is R, Global A, France consulted.
    budget = ApprovalRequest.objects.create(
        owner_unit=emea.parent,
        activity="budget-allocation",
        scope=fr,
        requesting_unit=emea,
        requested_by=users["emea-marketer"],
        action_type="tests.budget",
        title="Budget split for France",
        expires_at=timezone.now() + timedelta(days=7),
    )
    ctx["consultation"] = Consultation.objects.create(
        owner_unit=fr, request=budget, due_at=timezone.now() + timedelta(days=3)
    )
    ctx["notification"] = Notification.objects.create(
        recipient=users["fr-admin"],
        owner_unit=fr,
        kind=Notification.Kind.APPROVAL_REQUESTED,
        request=ctx["approval"],
        params={"title": "matrix notification"},
    )


def _api(route: str) -> str:
    return f"api/v1/{route}"


API = [
    # RACI
    Probe(
        _api("^raci/$"),
        lambda c: "/api/v1/raci/?page_size=500",
        RULE_LIST,
        marker=lambda c: rf'"id":{c["raci_emea"].pk},',
        api=True,
        label="(EMEA's tailoring)",
    ),
    Probe(
        _api("^raci/$"),
        lambda c: "/api/v1/raci/?page_size=500",
        each(BLIND, BLIND, BLIND, SEES, BLIND, UNAUTHENTICATED),
        marker=lambda c: rf'"id":{c["raci_amer"].pk},',
        api=True,
        label="(AMER's tailoring)",
    ),
    Probe(
        _api("^raci/$"),
        lambda c: "/api/v1/raci/",
        each(BAD, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "owner_unit": c["emea"].pk,
            "activity": "regional-content",
            "global_letters": "C",
            "region_letters": "RA",
            "local_letters": "I",
        },
        api=True,
        label="(tailor at EMEA)",
    ),
    Probe(
        _api("^raci/(?P<pk>[^/.]+)/$"),
        lambda c: f"/api/v1/raci/{c['raci_emea'].pk}/",
        RULE_READ,
        api=True,
    ),
    Probe(
        _api("^raci/(?P<pk>[^/.]+)/$"),
        lambda c: f"/api/v1/raci/{c['raci_emea'].pk}/",
        RULE_WRITE,
        method="patch",
        data=lambda c: {"region_letters": "C", "local_letters": "RA"},
        api=True,
    ),
    Probe(
        _api("^raci/(?P<pk>[^/.]+)/$"),
        lambda c: f"/api/v1/raci/{c['raci_emea'].pk}/",
        RULE_DELETE,
        method="delete",
        api=True,
    ),
    Probe(
        _api("^raci/effective/$"),
        lambda c: f"/api/v1/raci/effective/?unit={c['fr'].pk}",
        AT_FR,
        api=True,
    ),
    Probe(
        _api("^raci/authorize/$"),
        lambda c: f"/api/v1/raci/authorize/?activity={LAUNCH}&unit={c['fr'].pk}",
        AT_FR,
        api=True,
    ),
    # Approvals
    Probe(
        _api("^approvals/$"),
        lambda c: "/api/v1/approvals/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["approval"].pk},',
        api=True,
    ),
    Probe(
        _api("^approvals/$"),
        lambda c: "/api/v1/approvals/",
        # France asks, EMEA publishes at once, Global is only consulted.
        each(CREATED, BAD, CREATED, DENIED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"action_type": PUBLISH_DIRECTIVE, "target_id": c["draft"].pk},
        api=True,
        label="(publish a French directive)",
    ),
    Probe(
        _api("^approvals/(?P<pk>[^/.]+)/$"),
        lambda c: f"/api/v1/approvals/{c['approval'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        _api("^approvals/(?P<pk>[^/.]+)/approve/$"),
        lambda c: f"/api/v1/approvals/{c['approval'].pk}/approve/",
        API_DECIDE,
        method="post",
        api=True,
    ),
    Probe(
        _api("^approvals/(?P<pk>[^/.]+)/reject/$"),
        lambda c: f"/api/v1/approvals/{c['approval'].pk}/reject/",
        API_DECIDE,
        method="post",
        data=lambda c: {"comment": "Not now"},
        api=True,
    ),
    Probe(
        _api("^approvals/(?P<pk>[^/.]+)/withdraw/$"),
        lambda c: f"/api/v1/approvals/{c['approval'].pk}/withdraw/",
        API_WITHDRAW,
        method="post",
        api=True,
    ),
    # Consultations
    Probe(
        _api("^consultations/$"),
        lambda c: "/api/v1/consultations/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["consultation"].pk},',
        api=True,
    ),
    Probe(
        _api("^consultations/(?P<pk>[^/.]+)/$"),
        lambda c: f"/api/v1/consultations/{c['consultation'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        _api("^consultations/(?P<pk>[^/.]+)/answer/$"),
        lambda c: f"/api/v1/consultations/{c['consultation'].pk}/answer/",
        API_ANSWER,
        method="post",
        data=lambda c: {"opinion": "favourable"},
        api=True,
    ),
    # Notifications
    Probe(
        _api("^notifications/$"),
        lambda c: "/api/v1/notifications/?page_size=500",
        MINE_LIST,
        marker=lambda c: rf'"id":{c["notification"].pk},',
        api=True,
    ),
    Probe(
        _api("^notifications/(?P<pk>[^/.]+)/$"),
        lambda c: f"/api/v1/notifications/{c['notification'].pk}/",
        MINE,
        api=True,
    ),
    Probe(
        _api("^notifications/(?P<pk>[^/.]+)/read/$"),
        lambda c: f"/api/v1/notifications/{c['notification'].pk}/read/",
        MINE,
        method="post",
        api=True,
    ),
    Probe(
        _api("^notifications/read-all/$"),
        lambda c: "/api/v1/notifications/read-all/",
        everyone(OK, UNAUTHENTICATED),
        method="post",
        api=True,
    ),
]

PAGES = [
    Probe(
        "governance/raci/",
        lambda c: f"/governance/raci/?scope={c['fr'].pk}",
        each(SEES, NOT_FOUND, SEES, SEES, NOT_FOUND, LOGIN),
        marker=lambda c: "RACI matrix for France",
    ),
    Probe(
        "governance/raci/",
        lambda c: "/governance/raci/",
        # Saving EMEA's grid: France and Germany may read it, not write it.
        each(DENIED, DENIED, REDIRECT, REDIRECT, NOT_FOUND, LOGIN),
        method="post",
        data=lambda c: {"scope": c["emea"].pk},
        label="(save EMEA's grid)",
    ),
    Probe(
        "governance/approvals/",
        lambda c: "/governance/approvals/",
        PAGE_LIST,
        marker=lambda c: rf'data-request="{c["approval_done"].pk}"',
    ),
    Probe(
        "governance/approvals/publish/",
        lambda c: "/governance/approvals/publish/",
        # Refusals come back as messages on the inbox; outsiders do not see the draft.
        everyone(REDIRECT, LOGIN),
        method="post",
        data=lambda c: {"directive": c["draft"].pk},
    ),
    Probe(
        "governance/approvals/<int:pk>/",
        lambda c: f"/governance/approvals/{c['approval'].pk}/",
        PAGE_READ,
    ),
    Probe(
        "governance/approvals/<int:pk>/decide/",
        lambda c: f"/governance/approvals/{c['approval'].pk}/decide/",
        PAGE_DECIDE,
        method="post",
        data=lambda c: {"decision": "approve"},
    ),
    Probe(
        "governance/approvals/<int:pk>/withdraw/",
        lambda c: f"/governance/approvals/{c['approval'].pk}/withdraw/",
        PAGE_WITHDRAW,
        method="post",
    ),
    Probe(
        "governance/consultations/<int:pk>/answer/",
        lambda c: f"/governance/consultations/{c['consultation'].pk}/answer/",
        PAGE_ANSWER,
        method="post",
        data=lambda c: {"opinion": "favourable"},
    ),
    Probe(
        "governance/notifications/",
        lambda c: "/governance/notifications/",
        each(SEES, BLIND, BLIND, BLIND, BLIND, LOGIN),
        marker=lambda c: rf'data-notification="{c["notification"].pk}"',
    ),
    Probe(
        "governance/notifications/<int:pk>/read/",
        lambda c: f"/governance/notifications/{c['notification'].pk}/read/",
        PAGE_MINE,
        method="post",
    ),
    Probe(
        "governance/notifications/read-all/",
        lambda c: "/governance/notifications/read-all/",
        everyone(REDIRECT, LOGIN),
        method="post",
    ),
]

ADMIN = [
    *admin_model_probes(
        "governance/racirule",
        "raci_emea",
        changelist=each(SEES, SEES, SEES, SEES, BLIND, LOGIN),
        add=ALL_STAFF,
        change=each(OK, OK, OK, OK, ADMIN_HIDDEN, LOGIN),  # view-only below EMEA
        delete=each(DENIED, DENIED, OK, OK, ADMIN_HIDDEN, LOGIN),
        guarded=each(DENIED, DENIED, OK, OK, NOT_FOUND, LOGIN),
    ),
    *admin_model_probes(
        "governance/approvalrequest",
        "approval",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "governance/consultation",
        "consultation",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "governance/notification",
        "notification",
        changelist=each(SEES, BLIND, BLIND, BLIND, BLIND, LOGIN),
        add=STAFF_FORBIDDEN,
        change=each(OK, ADMIN_HIDDEN, ADMIN_HIDDEN, ADMIN_HIDDEN, ADMIN_HIDDEN, LOGIN),
        delete=STAFF_FORBIDDEN,
        guarded=each(DENIED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN),
    ),
]

PROBES = API + PAGES + ADMIN
