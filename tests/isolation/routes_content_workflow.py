"""Translation requests and tasks, the glossary (API and admin) in the isolation matrix.

Targets: a translation request made by France for a France-owned core, its France task,
and a France glossary term. Every actor is a unit admin (see ``routes.ACTORS``).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from content import services, workflow
from content.models import GlossaryTerm
from tests.isolation.outcomes import (
    BAD,
    CREATED,
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    UNAUTHENTICATED,
)
from tests.isolation.routes import (
    ADMIN_404,
    ADMIN_LIST,
    ADMIN_READ,
    ALL_STAFF,
    API_DELETE,
    API_LIST,
    API_READ,
    STAFF_FORBIDDEN,
    Probe,
    admin_model_probes,
    each,
    everyone,
)

# Requests and tasks are read-only in the admin: nobody manages their object permissions.
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)
API_CREATE_AT_FR = each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED)


def extend_ctx(ctx) -> None:
    from django.contrib.auth import get_user_model

    fr = ctx["fr"]
    fr_admin = get_user_model().objects.get(username="fr-admin")
    core = services.create_asset(
        fr_admin, fr, kind="email", language="fr", values={"title": "Matrice"}
    )
    request = workflow.request_variants(
        fr_admin, core, [(fr, "en")], timezone.now() + timedelta(days=7)
    )
    ctx["wf_core"] = core
    ctx["wf_request"] = request
    ctx["wf_task"] = request.tasks.get()
    ctx["wf_term"] = GlossaryTerm.objects.create(
        owner_unit=fr, term="Matrix Brand", do_not_translate=True
    )


def _list(name: str, key: str) -> Probe:
    return Probe(
        f"api/v1/^content/{name}/$",
        lambda c: f"/api/v1/content/{name}/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c[key].pk},',
        api=True,
    )


def _detail(name: str, key: str, expect, *, action: str = "", method="get", data=None) -> Probe:
    route = f"api/v1/^content/{name}/(?P<pk>[^/.]+)/{action + '/' if action else ''}$"
    return Probe(
        route,
        lambda c: f"/api/v1/content/{name}/{c[key].pk}/{action + '/' if action else ''}",
        expect,
        method=method,
        data=data,
        api=True,
    )


PROBES = [
    _list("translation-requests", "wf_request"),
    Probe(
        "api/v1/^content/translation-requests/$",
        lambda c: "/api/v1/content/translation-requests/",
        # Outsiders cannot name fr's asset at all (400 on the field, nothing revealed).
        API_CREATE_AT_FR,
        method="post",
        data=lambda c: {
            "asset": c["wf_core"].pk,
            "targets": [{"unit": c["fr"].pk, "language": "de"}],
            "due_at": (timezone.now() + timedelta(days=3)).isoformat(),
        },
        api=True,
        label="(for an fr asset)",
    ),
    _detail("translation-requests", "wf_request", API_READ),
    _detail("translation-requests", "wf_request", API_READ, action="cancel", method="post"),
    _list("translation-tasks", "wf_task"),
    _detail("translation-tasks", "wf_task", API_READ),
    _detail(
        "translation-tasks",
        "wf_task",
        API_READ,
        action="submit",
        method="post",
        data=lambda c: {"values": {"title": "Matrix"}},
    ),
    # The variant is not published yet: those who may act get a field error.
    _detail(
        "translation-tasks",
        "wf_task",
        each(BAD, NOT_FOUND, BAD, BAD, NOT_FOUND, UNAUTHENTICATED),
        action="complete",
        method="post",
    ),
    _detail("translation-tasks", "wf_task", API_READ, action="cancel", method="post"),
    _list("glossary", "wf_term"),
    Probe(
        "api/v1/^content/glossary/$",
        lambda c: "/api/v1/content/glossary/",
        API_CREATE_AT_FR,
        method="post",
        data=lambda c: {"owner_unit": c["fr"].pk, "term": "Gridline", "do_not_translate": True},
        api=True,
        label="(owned by fr)",
    ),
    _detail("glossary", "wf_term", API_READ),
    _detail(
        "glossary",
        "wf_term",
        API_READ,
        method="patch",
        data=lambda c: {"note": "Our product line"},
    ),
    _detail("glossary", "wf_term", API_DELETE, method="delete"),
    # Admin (the content app index is declared with the other app indexes)
    *admin_model_probes(
        "content/glossaryterm",
        "wf_term",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "content/translationrequest",
        "wf_request",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,  # the view-only page
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "content/translationtask",
        "wf_task",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
]

__all__ = ["OK", "PROBES", "everyone", "extend_ctx"]
