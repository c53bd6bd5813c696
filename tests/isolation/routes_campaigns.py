"""Playbooks, campaigns, touches and the channel mix in the isolation matrix.

The targets are France's draft adaptation of a published global playbook, a draft and a
running French campaign (on a selected French account with one contact), a touch of the
running one and a channel-mix rule France set. The global playbook is the target of one
derive probe: Germany sees it (published, "up" rule) but may not adapt it *for France*.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from accounts.models import Account, Consent, Contact, Lifecycle
from campaigns.models import (
    Campaign,
    CampaignStatus,
    OutboxMessage,
    Playbook,
    PlaybookStatus,
    SendLedger,
    Touch,
)
from glocal import layering
from glocal.layering.models import Bound
from tests.isolation.outcomes import (
    BAD,
    CREATED,
    DENIED,
    NOT_FOUND,
    OK,
    UNAUTHENTICATED,
    Outcome,
)
from tests.isolation.routes import (
    ADMIN_LIST,
    ADMIN_READ,
    API_DELETE,
    API_LIST,
    API_READ,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
    everyone,
)
from tests.isolation.routes_budgets import READ_ONLY_PERMS

ACCEPTED = Outcome("accepted", (202,))
NOT_ALLOWED = Outcome("method not allowed", (405,))
API_CREATE_AT_FR = each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED)
# The global playbook is published: Germany sees it but may not adapt it *for France*.
API_DERIVE_FOR_FR = each(CREATED, BAD, CREATED, CREATED, NOT_FOUND, UNAUTHENTICATED)
# A move the target's state refuses: 400 for whoever may change it, 404 for the others.
API_REFUSED_MOVE = each(BAD, NOT_FOUND, BAD, BAD, NOT_FOUND, UNAUTHENTICATED)
# France is responsible for its launches and EMEA accountable (default RACI): France waits,
# EMEA launches at once, Global sees the campaign but holds no RACI role for it.
API_LAUNCH = each(ACCEPTED, NOT_FOUND, CREATED, DENIED, NOT_FOUND, UNAUTHENTICATED)
CAP = "campaigns.frequency.account_7d"


def extend_ctx(ctx) -> None:
    fr, world = ctx["fr"], ctx["emea"].parent
    source = Playbook.objects.create(
        owner_unit=world,
        name="Matrix playbook",
        steps=[
            {
                "channel": "email",
                "content": str(uuid.uuid4()),
                "delay_days": 0,
                "condition": "always",
            }
        ],
        status=PlaybookStatus.PUBLISHED,
    )
    account = Account.objects.create(
        owner_unit=fr, name="Matrix Campagne SA", country="FR", lifecycle=Lifecycle.SELECTED
    )
    contact = Contact.objects.create(account=account, first_name="Matrix", country="FR")
    Consent.objects.create(
        contact=contact,
        channel="email",
        status=Consent.Status.GRANTED,
        lawful_basis=Consent.LawfulBasis.CONSENT,
        recorded_at=timezone.now(),
    )
    today = timezone.localdate()
    window = {"starts_on": today + dt.timedelta(days=7), "ends_on": today + dt.timedelta(days=60)}
    draft = Campaign.objects.create(
        owner_unit=fr, playbook=source, name="Matrix draft campaign", **window
    )
    live = Campaign.objects.create(
        owner_unit=fr,
        playbook=source,
        name="Matrix live campaign",
        status=CampaignStatus.RUNNING,
        **window,
    )
    for campaign in (draft, live):
        campaign.accounts.set([account])
    when = timezone.now() + dt.timedelta(days=7)
    ctx["campaigns_source"] = source
    ctx["campaigns_playbook"] = layering.adapt(source, fr, {"name": "Matrix playbook FR"})
    ctx["campaigns_account"] = account
    ctx["campaigns_draft"] = draft
    ctx["campaigns_live"] = live
    ctx["campaigns_touch"] = Touch.objects.create(
        owner_unit=fr,
        campaign=live,
        step=0,
        account=account,
        family_root=account,
        contact=contact,
        channel="email",
        content_family=source.steps[0]["content"],
        scheduled_at=when,
        local_scheduled=f"{when:%Y-%m-%d %H:%M} Europe/Paris",
        idempotency_key=f"c{live.pk}-s0-p{contact.pk}",
    )
    ctx["campaigns_bound"] = Bound.objects.create(owner_unit=fr, key=CAP, value=4)
    ctx["campaigns_ledger"] = SendLedger.objects.create(
        owner_unit=fr,
        idempotency_key=f"matrix-{uuid.uuid4().hex[:8]}",
        channel="email",
        provider="sandbox",
        sent_at=when,
    )
    ctx["campaigns_outbox"] = OutboxMessage.objects.create(
        owner_unit=fr,
        idempotency_key=ctx["campaigns_ledger"].idempotency_key,
        channel="email",
        recipient="someone@matrix.example",
        subject="Matrix",
    )


def _playbook(suffix: str = "") -> callable:
    return lambda c: f"/api/v1/playbooks/{c['campaigns_playbook'].pk}/{suffix}"


def _campaign(target: str, suffix: str = "") -> callable:
    return lambda c: f"/api/v1/campaigns/{c[target].pk}/{suffix}"


def _mix(suffix: str = "") -> callable:
    return lambda c: f"/api/v1/channel-mix/{c['fr'].pk}/{suffix}"


def _new_campaign(c) -> dict:
    return {
        "owner_unit": c["fr"].pk,
        "playbook": c["campaigns_source"].pk,
        "name": "Matrix new campaign",
        "starts_on": c["campaigns_draft"].starts_on.isoformat(),
        "ends_on": c["campaigns_draft"].ends_on.isoformat(),
        "accounts": [c["campaigns_account"].pk],
    }


PLAYBOOK = "api/v1/^playbooks/(?P<pk>[^/.]+)/"
CAMPAIGN = "api/v1/^campaigns/(?P<pk>[^/.]+)/"
TOUCH = "api/v1/^touches/(?P<pk>[^/.]+)/$"
MIX = "api/v1/^channel-mix/(?P<pk>[^/.]+)/"

PROBES = [
    # Playbooks
    Probe(
        "api/v1/^playbooks/$",
        lambda c: "/api/v1/playbooks/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["campaigns_playbook"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^playbooks/$",
        lambda c: "/api/v1/playbooks/",
        API_CREATE_AT_FR,
        method="post",
        data=lambda c: {"owner_unit": c["fr"].pk, "name": "Matrix new playbook"},
        api=True,
        label="(owned by fr)",
    ),
    Probe(PLAYBOOK + "$", _playbook(), API_READ, api=True),
    Probe(
        PLAYBOOK + "$",
        _playbook(),
        API_READ,
        method="patch",
        data=lambda c: {"description": "Pour la France"},
        api=True,
    ),
    Probe(PLAYBOOK + "$", _playbook(), API_DELETE, method="delete", api=True),
    Probe(
        PLAYBOOK + "derive/$",
        lambda c: f"/api/v1/playbooks/{c['campaigns_source'].pk}/derive/",
        API_DERIVE_FOR_FR,
        method="post",
        data=lambda c: {"owner_unit": c["fr"].pk, "values": {"name": "Pour la France"}},
        api=True,
        label="(the global playbook, for fr)",
    ),
    Probe(PLAYBOOK + "governance/$", _playbook("governance/"), API_READ, api=True),
    Probe(
        PLAYBOOK + "revert/$",
        _playbook("revert/"),
        API_READ,
        method="post",
        data=lambda c: {"fields": ["name"]},
        api=True,
    ),
    Probe(
        PLAYBOOK + "keep/$",
        _playbook("keep/"),
        API_READ,
        method="post",
        data=lambda c: {"fields": ["name"]},
        api=True,
    ),
    Probe(
        PLAYBOOK + "locks/$",
        _playbook("locks/"),
        API_READ,
        method="post",
        data=lambda c: {"lock": ["name"]},
        api=True,
    ),
    Probe(PLAYBOOK + "publish/$", _playbook("publish/"), API_READ, method="post", api=True),
    # Campaigns
    Probe(
        "api/v1/^campaigns/$",
        lambda c: "/api/v1/campaigns/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["campaigns_draft"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^campaigns/$",
        lambda c: "/api/v1/campaigns/",
        API_CREATE_AT_FR,
        method="post",
        data=_new_campaign,
        api=True,
        label="(for fr)",
    ),
    Probe(CAMPAIGN + "$", _campaign("campaigns_draft"), API_READ, api=True),
    Probe(
        CAMPAIGN + "$",
        _campaign("campaigns_draft"),
        API_READ,
        method="patch",
        data=lambda c: {"name": "Matrix renamed"},
        api=True,
    ),
    Probe(
        CAMPAIGN + "launch/$",
        _campaign("campaigns_draft", "launch/"),
        API_LAUNCH,
        method="post",
        api=True,
    ),
    Probe(
        CAMPAIGN + "pause/$",
        _campaign("campaigns_live", "pause/"),
        API_READ,
        method="post",
        api=True,
    ),
    Probe(
        CAMPAIGN + "resume/$",
        _campaign("campaigns_live", "resume/"),
        API_REFUSED_MOVE,  # it runs: nothing to resume
        method="post",
        api=True,
    ),
    Probe(
        CAMPAIGN + "cancel/$",
        _campaign("campaigns_live", "cancel/"),
        API_READ,
        method="post",
        api=True,
    ),
    Probe(CAMPAIGN + "preview/$", _campaign("campaigns_draft", "preview/"), API_READ, api=True),
    # Touches (read-only)
    Probe(
        "api/v1/^touches/$",
        lambda c: "/api/v1/touches/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["campaigns_touch"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^touches/$",
        lambda c: "/api/v1/touches/",
        everyone(NOT_ALLOWED, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"campaign": c["campaigns_live"].pk},
        api=True,
        label="(read-only)",
    ),
    Probe(TOUCH, lambda c: f"/api/v1/touches/{c['campaigns_touch'].pk}/", API_READ, api=True),
    # Channel mix
    Probe(
        "api/v1/^channel-mix/$",
        lambda c: "/api/v1/channel-mix/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"unit":{c["fr"].pk},"unit_code"',
        api=True,
    ),
    Probe(MIX + "$", _mix(), API_READ, api=True),
    Probe(
        MIX + "set/$",
        _mix("set/"),
        API_READ,
        method="post",
        data=lambda c: {"key": CAP, "value": 3},
        api=True,
    ),
    Probe(
        MIX + "remove/$",
        _mix("remove/"),
        API_READ,
        method="post",
        data=lambda c: {"key": CAP},
        api=True,
    ),
]

__all__ = ["OK", "PROBES", "extend_ctx"]

# The engine's rows are read-only in the admin (services move campaigns and touches).
PROBES += [
    probe
    for model, target in (
        ("playbook", "campaigns_playbook"),
        ("campaign", "campaigns_live"),
        ("touch", "campaigns_touch"),
        ("sendledger", "campaigns_ledger"),
        ("outboxmessage", "campaigns_outbox"),
    )
    for probe in admin_model_probes(
        f"campaigns/{model}",
        target,
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    )
]

# Provider webhooks authenticate by signature only: no user's session or token opens them.
PROBES += [
    Probe(
        "api/v1/events/webhook/<slug:provider>/",
        lambda c: "/api/v1/events/webhook/matrix/",
        everyone(UNAUTHENTICATED, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "events": [
                {
                    "id": "matrix-1",
                    "type": "opened",
                    "touch": c["campaigns_touch"].idempotency_key,
                    "occurred_at": "2031-01-06T09:00:00+01:00",
                }
            ]
        },
        api=True,
    ),
]
