"""The content dashboard pages in the isolation matrix.

Targets are France's: a local variant of a published EMEA adaptation of a published
global core, with a stale override (the region changed the intro after France adapted
it), and a French contact for the preview.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from accounts.models import Account, Contact
from content import services
from content.models import Asset, Status
from glocal import layering
from tests.isolation.outcomes import LOGIN, NOT_FOUND, OK, Outcome
from tests.isolation.routes import PAGE_LIST, Probe, each

SEE_OTHER = Outcome("redirect", (303,))
PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
# Writes answer with a redirect to the asset page (refusals are shown as messages).
PAGE_WRITE = each(SEE_OTHER, NOT_FOUND, SEE_OTHER, SEE_OTHER, NOT_FOUND, LOGIN)


def extend_ctx(ctx) -> None:
    fr, emea = ctx["fr"], ctx["emea"]
    world = emea.parent
    users = get_user_model().objects
    admin = users.get(username="global-admin")
    core = services.create_asset(
        admin, world, kind="email", language="en",
        values={"title": "Matrix core", "intro": "Dear reader,", "body": "<p>Core body</p>"},
    )  # fmt: skip
    Asset.objects.filter(pk=core.pk).update(status=Status.PUBLISHED)
    regional = services.derive_asset(users.get(username="emea-admin"), core, emea, {})
    Asset.objects.filter(pk=regional.pk).update(status=Status.PUBLISHED)
    local = services.derive_asset(
        users.get(username="fr-admin"), regional, fr, {"intro": "Matrix bonjour,"}
    )
    services.edit_asset(users.get(username="emea-admin"), regional, {"intro": "Dear EMEA,"})
    layering.cascade(Asset.objects.get(pk=regional.pk), ["intro"])
    Asset.objects.filter(pk=local.pk).update(status=Status.IN_REVIEW)
    account = Account.objects.create(owner_unit=fr, name="Matrix Preview SAS", country="FR")
    ctx["cp_local"] = local
    ctx["cp_contact"] = Contact.objects.create(
        account=account, first_name="Matrix", last_name="Preview", country="FR"
    )


def _asset(suffix: str = "") -> callable:
    return lambda c: f"/content/{c['cp_local'].pk}/{suffix}"


PROBES = [
    Probe(
        "content/",
        lambda c: "/content/",
        PAGE_LIST,
        marker=lambda c: f'data-id="asset-{c["cp_local"].pk}"',
    ),
    Probe(
        "content/review/",
        lambda c: "/content/review/",
        PAGE_LIST,
        marker=lambda c: f'href="/content/{c["cp_local"].pk}/diff/#stale-intro"',
    ),
    Probe("content/<int:pk>/", _asset(), PAGE_DETAIL),
    Probe("content/<int:pk>/diff/", _asset("diff/"), PAGE_DETAIL),
    Probe(
        "content/<int:pk>/preview/",
        lambda c: (
            f"/content/{c['cp_local'].pk}/preview/?contact={c['cp_contact'].pk}&channel=email"
        ),
        PAGE_DETAIL,
    ),
    Probe(
        "content/<int:pk>/edit/",
        _asset("edit/"),
        PAGE_WRITE,
        method="post",
        data=lambda c: {"title": "Matrix core", "intro": "Matrix salut,"},
    ),
    Probe(
        "content/<int:pk>/field/",
        _asset("field/"),
        PAGE_WRITE,
        method="post",
        data=lambda c: {"field": "intro", "operation": "keep"},
    ),
    Probe(
        "content/<int:pk>/derive/",
        _asset("derive/"),
        PAGE_WRITE,  # a unit that is not the actor's is refused as a message
        method="post",
        data=lambda c: {"unit": c["fr"].pk, "account": ""},
    ),
    Probe(
        "content/<int:pk>/status/",
        _asset("status/"),
        PAGE_WRITE,
        method="post",
        data=lambda c: {"operation": "retire"},
    ),
]

__all__ = ["PROBES", "extend_ctx"]
