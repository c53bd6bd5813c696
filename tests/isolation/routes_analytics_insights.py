"""Insights and replications in the isolation matrix: API, dashboard and admin routes.

The targets are insights written by ``fr`` (one submitted, one endorsed by its region, one
duplicate) and a campaign of ``fr`` with its replication. Insights flow up: the region and
global see and curate them; the sibling and the other organisation must not learn they
exist. Curation is by tier: fr's own admin sees its insight but may not endorse it (403).
"""

from __future__ import annotations

from analytics import insights
from tests.isolation.outcomes import (
    BAD,
    CREATED,
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    UNAUTHENTICATED,
    Outcome,
)
from tests.isolation.routes import (
    ADMIN_LIST,
    ADMIN_READ,
    API_LIST,
    API_READ,
    PAGE_LIST,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
    everyone,
)

SEE_OTHER = Outcome("redirect", (303,))
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
PAGE_WRITE = each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN)
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)

CURATE = each(DENIED, NOT_FOUND, OK, OK, NOT_FOUND, UNAUTHENTICATED)


def extend_ctx(ctx) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    fr = ctx["fr"]
    marketer = users.get(username="fr-marketer")
    ctx["insight"] = insights.submit(marketer, fr, text="Matrix insight", tags=["matrix"])
    ctx["insight_duplicate"] = insights.submit(marketer, fr, text="Matrix duplicate")
    endorsed = insights.submit(marketer, fr, text="Matrix endorsed insight")
    ctx["insight_endorsed"] = insights.endorse(users.get(username="emea-manager"), endorsed)
    ctx["insight_comment"] = insights.comment(marketer, ctx["insight"], "Matrix comment")
    _replication_targets(ctx, users)


def _replication_targets(ctx, users) -> None:
    """A running campaign of fr (on a published global playbook) replicated to emea."""
    import datetime as dt
    import uuid

    from analytics import replication
    from campaigns.models import Campaign, CampaignStatus, Playbook, PlaybookStatus

    family = str(uuid.uuid4())
    playbook = Playbook(
        owner_unit=ctx["fr"].parent.parent,
        name="Matrix playbook",
        status=PlaybookStatus.PUBLISHED,
        steps=[{"channel": "email", "content": family, "delay_days": 0, "condition": "always"}],
    )
    playbook.full_clean()
    playbook.save()
    campaign = Campaign.objects.create(
        owner_unit=ctx["fr"],
        playbook=playbook,
        name="Matrix replicated campaign",
        starts_on=dt.date(2031, 1, 6),
        ends_on=dt.date(2031, 2, 6),
        status=CampaignStatus.RUNNING,
    )
    ctx["replicated_campaign"] = campaign
    ctx["replication"] = replication.replicate(
        campaign, ctx["emea"], users.get(username="emea-marketer")
    )


def _detail(target: str, suffix: str = ""):
    return lambda c: f"/api/v1/insights/{c[target].pk}/{suffix}"


PROBES = [
    Probe(
        "api/v1/^insights/$",
        lambda c: "/api/v1/insights/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["insight"].pk},',
        api=True,
    ),
    # Written by a member of the unit only: the region sees fr but does not speak for it.
    Probe(
        "api/v1/^insights/$",
        lambda c: "/api/v1/insights/",
        each(CREATED, BAD, DENIED, DENIED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"owner_unit": c["fr"].pk, "text": "Matrix feedback", "tags": ["x"]},
        api=True,
        label="(for fr)",
    ),
    Probe("api/v1/^insights/(?P<pk>[^/.]+)/$", _detail("insight"), API_READ, api=True),
    Probe(
        "api/v1/^insights/(?P<pk>[^/.]+)/comment/$",
        _detail("insight", "comment/"),
        each(CREATED, NOT_FOUND, CREATED, CREATED, NOT_FOUND, UNAUTHENTICATED),
        method="post",
        data=lambda c: {"text": "Matrix remark"},
        api=True,
    ),
    Probe(
        "api/v1/^insights/(?P<pk>[^/.]+)/endorse/$",
        _detail("insight", "endorse/"),
        CURATE,
        method="post",
        api=True,
    ),
    Probe(
        "api/v1/^insights/(?P<pk>[^/.]+)/archive/$",
        _detail("insight", "archive/"),
        CURATE,
        method="post",
        api=True,
    ),
    Probe(
        "api/v1/^insights/(?P<pk>[^/.]+)/merge/$",
        _detail("insight", "merge/"),
        CURATE,
        method="post",
        data=lambda c: {"duplicates": [c["insight_duplicate"].pk]},
        api=True,
    ),
    Probe(
        "api/v1/^insights/(?P<pk>[^/.]+)/publish/$",
        _detail("insight_endorsed", "publish/"),
        each(DENIED, NOT_FOUND, DENIED, OK, NOT_FOUND, UNAUTHENTICATED),
        method="post",
        api=True,
    ),
    # Replications: seen from the target's subtree and from the origin's team and above.
    Probe(
        "api/v1/^replications/$",
        lambda c: "/api/v1/replications/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["replication"].pk},',
        api=True,
    ),
    # Sideways to the sibling: only who sees fr's campaign and writes for de may; de is
    # not even a valid choice for fr, fr's campaign not for de.
    Probe(
        "api/v1/^replications/$",
        lambda c: "/api/v1/replications/",
        each(BAD, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "origin_campaign": c["replicated_campaign"].pk,
            "target_unit": c["de"].pk,
            "starts_on": "2031-03-02",
        },
        api=True,
        label="(fr's campaign to de)",
    ),
    # Up to the region: fr sees emea but does not write for it.
    Probe(
        "api/v1/^replications/$",
        lambda c: "/api/v1/replications/",
        each(DENIED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED),
        method="post",
        data=lambda c: {
            "origin_campaign": c["replicated_campaign"].pk,
            "target_unit": c["emea"].pk,
        },
        api=True,
        label="(fr's campaign up to emea)",
    ),
    Probe(
        "api/v1/^replications/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/replications/{c['replication'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^replications/suggestions/$",
        lambda c: "/api/v1/replications/suggestions/",
        everyone(OK, UNAUTHENTICATED),
        api=True,
    ),
]

# Dashboard pages
PROBES += [
    Probe(
        "analytics/insights/",
        lambda c: "/analytics/insights/",
        PAGE_LIST,
        marker=lambda c: rf'data-id="insight-{c["insight"].pk}"',
    ),
    Probe("analytics/insights/new/", lambda c: "/analytics/insights/new/", everyone(OK, LOGIN)),
    # Only a member of fr writes for fr: for everyone else fr is not a valid choice.
    Probe(
        "analytics/insights/new/",
        lambda c: "/analytics/insights/new/",
        each(SEE_OTHER, BAD, BAD, BAD, BAD, LOGIN),
        method="post",
        data=lambda c: {
            "owner_unit": c["fr"].pk,
            "text": "Matrix page insight",
            "sentiment": "neutral",
        },
        label="(for fr)",
    ),
    Probe(
        "analytics/insights/<int:pk>/",
        lambda c: f"/analytics/insights/{c['insight'].pk}/",
        PAGE_DETAIL,
    ),
    Probe(
        "analytics/insights/<int:pk>/action/",
        lambda c: f"/analytics/insights/{c['insight'].pk}/action/",
        PAGE_WRITE,
        method="post",
        data=lambda c: {"operation": "endorse"},
    ),
    Probe(
        "analytics/best-practices/",
        lambda c: "/analytics/best-practices/",
        everyone(OK, LOGIN),
    ),
    Probe("analytics/replication/", lambda c: "/analytics/replication/", everyone(OK, LOGIN)),
    # Sideways to de: fr's admin does not write for de; the sibling cannot see the origin;
    # every refusal comes back to the suggestions page with a message.
    Probe(
        "analytics/replication/replicate/",
        lambda c: "/analytics/replication/replicate/",
        each(SEE_OTHER, SEE_OTHER, SEE_OTHER, SEE_OTHER, SEE_OTHER, LOGIN),
        method="post",
        data=lambda c: {"origin_campaign": c["replicated_campaign"].pk, "target_unit": c["de"].pk},
    ),
]

# Admin: read-only rows (curation runs as actions through the services).
PROBES += [
    *admin_model_probes(
        "analytics/insight",
        "insight",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "analytics/insightcomment",
        "insight_comment",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "analytics/replication",
        "replication",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
]
