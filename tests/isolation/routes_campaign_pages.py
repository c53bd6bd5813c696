"""The campaigns dashboard pages in the isolation matrix.

Targets are France's: a draft playbook of its own, a draft campaign on one of its
selected accounts (run from a published global playbook) and a touch of that campaign
that gave up — so the sibling and the other organisation must not learn they exist,
while France's region and the global root see them.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Account, Contact, Lifecycle
from campaigns import services
from campaigns.models import Playbook, PlaybookStatus, Touch, TouchStatus
from tests.isolation.outcomes import LOGIN, NOT_FOUND, OK, Outcome
from tests.isolation.routes import PAGE_LIST, Probe, each, everyone

SEE_OTHER = Outcome("redirect", (303,))
REFUSED = Outcome("refused", (400,))
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
# Writes answer with a redirect to the page (refusals are shown as messages).
PAGE_WRITE = each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN)


def _steps() -> list[dict]:
    content = str(uuid.uuid4())
    return [
        {"channel": "email", "content": content, "delay_days": 0, "condition": "always"},
        {"channel": "linkedin", "content": content, "delay_days": 2, "condition": "always"},
    ]


def extend_ctx(ctx) -> None:
    fr = ctx["fr"]
    world = ctx["emea"].parent
    users = get_user_model().objects
    core = Playbook.objects.create(
        owner_unit=world, name="Matrix core", steps=_steps(), status=PlaybookStatus.PUBLISHED
    )
    ctx["cp_playbook"] = Playbook.objects.create(
        owner_unit=fr, name="Matrix France draft", steps=_steps()
    )
    account = Account.objects.create(
        owner_unit=fr, name="Matrix Campaign SA", country="FR", lifecycle=Lifecycle.SELECTED
    )
    contact = Contact.objects.create(account=account, first_name="Matrix", country="FR")
    start = timezone.localdate() + dt.timedelta(days=30)
    campaign = services.create_campaign(
        users.get(username="fr-marketer"),
        fr,
        playbook=core,
        name="Matrix campaign",
        starts_on=start,
        ends_on=start + dt.timedelta(days=30),
        accounts=[account],
    )
    ctx["cp_core"], ctx["cp_account"], ctx["cp_campaign"] = core, account, campaign
    ctx["cp_touch"] = Touch.objects.create(
        owner_unit=fr,
        campaign=campaign,
        step=0,
        account=account,
        family_root=account,
        contact=contact,
        channel="email",
        content_family=core.steps[0]["content"],
        scheduled_at=timezone.now(),
        local_scheduled="2031-01-06 09:00 Europe/Paris",
        status=TouchStatus.DEAD,
        attempts=5,
        last_error="Matrix provider error",
        idempotency_key=f"c{campaign.pk}-s0-p{contact.pk}",
    )


def _campaign(suffix: str = "") -> callable:
    return lambda c: f"/campaigns/{c['cp_campaign'].pk}/{suffix}"


def _campaign_form(c) -> dict:
    start = timezone.localdate() + dt.timedelta(days=30)
    return {
        "playbook": c["cp_core"].pk,
        "name": "Matrix campaign (edited)",
        "starts_on": start.isoformat(),
        "ends_on": (start + dt.timedelta(days=20)).isoformat(),
        "accounts": [c["cp_account"].pk],
        "delay_0": 0,
        "delay_1": 2,
    }


PROBES = [
    Probe(
        "campaigns/",
        lambda c: "/campaigns/",
        PAGE_LIST,
        marker=lambda c: f'data-id="campaign-{c["cp_campaign"].pk}"',
    ),
    Probe("campaigns/new/", lambda c: "/campaigns/new/", everyone(OK, LOGIN)),
    Probe(
        "campaigns/new/",
        lambda c: f"/campaigns/new/?playbook={c['cp_core'].pk}",
        # France creates; Germany may not target France's account; the region and the
        # root are not local teams; Globex cannot see the playbook.
        each(SEE_OTHER, REFUSED, REFUSED, REFUSED, REFUSED, LOGIN),
        method="post",
        data=_campaign_form,
    ),
    Probe(
        "campaigns/dead-letters/",
        lambda c: "/campaigns/dead-letters/",
        PAGE_LIST,
        marker=lambda c: f'data-id="touch-{c["cp_touch"].pk}"',
    ),
    Probe(
        "campaigns/dead-letters/retry/",
        lambda c: "/campaigns/dead-letters/retry/",
        PAGE_WRITE,
        method="post",
        data=lambda c: {"campaign": c["cp_touch"].campaign_id},
    ),
    Probe(
        "campaigns/playbooks/",
        lambda c: "/campaigns/playbooks/",
        PAGE_LIST,
        marker=lambda c: f'data-id="playbook-{c["cp_playbook"].pk}"',
    ),
    Probe(
        "campaigns/playbooks/<int:pk>/",
        lambda c: f"/campaigns/playbooks/{c['cp_playbook'].pk}/",
        PAGE_DETAIL,
    ),
    Probe("campaigns/mix/", lambda c: f"/campaigns/mix/?unit={c['fr'].pk}", PAGE_DETAIL),
    Probe(
        "campaigns/mix/set/",
        lambda c: "/campaigns/mix/set/",
        PAGE_WRITE,
        method="post",
        data=lambda c: {
            "unit": c["fr"].pk,
            "key": "campaigns.frequency.account_7d",
            "value": "4",
        },
    ),
    Probe("campaigns/<int:pk>/", _campaign(), PAGE_DETAIL),
    Probe("campaigns/<int:pk>/edit/", _campaign("edit/"), PAGE_DETAIL),
    Probe(
        "campaigns/<int:pk>/edit/",
        _campaign("edit/"),
        PAGE_WRITE,
        method="post",
        data=_campaign_form,
    ),
    Probe("campaigns/<int:pk>/preview/", _campaign("preview/"), PAGE_DETAIL),
    Probe("campaigns/<int:pk>/progress.json", _campaign("progress.json"), PAGE_DETAIL),
    Probe(
        "campaigns/<int:pk>/action/",
        _campaign("action/"),
        PAGE_WRITE,
        method="post",
        data=lambda c: {"operation": "cancel"},
    ),
]

__all__ = ["PROBES", "extend_ctx"]
