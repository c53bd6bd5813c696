"""Content assets, previews, resolution and language chains in the isolation matrix.

The targets are France's draft variant of a published global core, a French account
and contact to preview and resolve for, and France's language chain. The global core
itself is the target of one derive probe: it is visible up the tree ("up" rule), but
only the units that may own content for France may adapt it for France.
"""

from __future__ import annotations

from accounts.models import Account, Contact
from content import versions
from content.models import Asset, AssetVersion, LocaleChain, Status
from glocal import layering
from tests.isolation.outcomes import (
    BAD,
    BLIND,
    CREATED,
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    SEES,
    UNAUTHENTICATED,
    Outcome,
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
)

ACCEPTED = Outcome("accepted", (202,))
API_CREATE_AT_FR = each(CREATED, BAD, CREATED, CREATED, BAD, UNAUTHENTICATED)
# Below fr's variant: only who sees the variant may build on it.
API_CREATE_BELOW_FR = each(CREATED, NOT_FOUND, CREATED, CREATED, NOT_FOUND, UNAUTHENTICATED)
# The global core is published: Germany sees it but may not adapt it *for France*.
API_DERIVE_CORE_FOR_FR = each(CREATED, BAD, CREATED, CREATED, NOT_FOUND, UNAUTHENTICATED)
# Input naming an asset the caller cannot see is refused like an unknown id.
API_RESOLVE = each(OK, BAD, OK, OK, BAD, UNAUTHENTICATED)
READ_ONLY_PERMS = each(DENIED, NOT_FOUND, DENIED, DENIED, NOT_FOUND, LOGIN)


def extend_ctx(ctx) -> None:
    fr, world = ctx["fr"], ctx["emea"].parent
    core = Asset.objects.create(
        owner_unit=world,
        kind="email",
        language="en",
        title="Matrix core",
        intro="Hello {{ contact.first_name }}",
        status=Status.PUBLISHED,
    )
    variant = layering.adapt(
        core,
        fr,
        {"intro": "Bonjour {{ contact.first_name }}"},
        kind="email",
        language="en",
        family=core.family,
    )
    account = Account.objects.create(owner_unit=fr, name="Matrix Contenu SA", country="FR")
    ctx["content_core"] = core
    ctx["content_asset"] = variant
    ctx["content_account"] = account
    ctx["content_contact"] = Contact.objects.create(
        account=account, first_name="Matrix", language="fr", country="FR"
    )
    version = AssetVersion.objects.filter(asset=variant).first()
    ctx["content_version"] = version or versions.record(variant)
    ctx["locale_chain"] = LocaleChain.objects.create(owner_unit=fr, chain=["fr", "en"])


def _asset(suffix: str = "") -> callable:
    return lambda c: f"/api/v1/content/assets/{c['content_asset'].pk}/{suffix}"


def _chain(c) -> str:
    return f"/api/v1/content/locale-chains/{c['locale_chain'].pk}/"


def _new_chain_for_fr(c) -> dict:
    # A unit has one chain: free fr's for the create probe (each case gets a fresh ctx).
    c["locale_chain"].delete()
    return {"owner_unit": c["fr"].pk, "chain": ["fr", "en"]}


ASSET = "api/v1/^content/assets/(?P<pk>[^/.]+)/"

PROBES = [
    # Assets
    Probe(
        "api/v1/^content/assets/$",
        lambda c: "/api/v1/content/assets/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["content_asset"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^content/assets/$",
        lambda c: "/api/v1/content/assets/",
        API_CREATE_AT_FR,
        method="post",
        data=lambda c: {
            "owner_unit": c["fr"].pk,
            "kind": "email",
            "language": "fr",
            "title": "Matrix nouveau",
        },
        api=True,
        label="(core owned by fr)",
    ),
    Probe(ASSET + "$", _asset(), API_READ, api=True),
    Probe(
        ASSET + "$",
        _asset(),
        API_READ,
        method="patch",
        data=lambda c: {"intro": "Salut {{ contact.first_name }}"},
        api=True,
    ),
    Probe(ASSET + "$", _asset(), API_DELETE, method="delete", api=True),
    # Without instructions: 400 for whoever sees the asset (the generator is never called).
    Probe(
        ASSET + "generate-draft/$",
        _asset("generate-draft/"),
        each(BAD, NOT_FOUND, BAD, BAD, NOT_FOUND, UNAUTHENTICATED),
        method="post",
        data=lambda c: {},
        api=True,
    ),
    Probe(
        ASSET + "derive/$",
        _asset("derive/"),
        API_CREATE_BELOW_FR,
        method="post",
        data=lambda c: {
            "owner_unit": c["fr"].pk,
            "account": c["content_account"].pk,
            "values": {"personal_text": "Pour vous"},
        },
        api=True,
        label="(for a French account)",
    ),
    Probe(
        ASSET + "derive/$",
        lambda c: f"/api/v1/content/assets/{c['content_core'].pk}/derive/",
        API_DERIVE_CORE_FOR_FR,
        method="post",
        data=lambda c: {"owner_unit": c["fr"].pk, "values": {"intro": "Salut"}},
        api=True,
        label="(the global core, for fr)",
    ),
    Probe(ASSET + "governance/$", _asset("governance/"), API_READ, api=True),
    Probe(
        ASSET + "revert/$",
        _asset("revert/"),
        API_READ,
        method="post",
        data=lambda c: {"fields": ["intro"]},
        api=True,
    ),
    Probe(
        ASSET + "keep/$",
        _asset("keep/"),
        API_READ,
        method="post",
        data=lambda c: {"fields": ["intro"]},
        api=True,
    ),
    Probe(
        ASSET + "locks/$",
        _asset("locks/"),
        API_READ,
        method="post",
        data=lambda c: {"lock": ["intro"]},
        api=True,
    ),
    Probe(ASSET + "submit/$", _asset("submit/"), API_READ, method="post", api=True),
    Probe(
        ASSET + "publish/$",
        _asset("publish/"),
        # France is responsible, EMEA accountable: fr waits for an approval; global
        # sees the variant but holds no RACI role for publication at France.
        each(ACCEPTED, NOT_FOUND, OK, DENIED, NOT_FOUND, UNAUTHENTICATED),
        method="post",
        api=True,
    ),
    Probe(ASSET + "retire/$", _asset("retire/"), API_READ, method="post", api=True),
    Probe(ASSET + "versions/$", _asset("versions/"), API_READ, api=True),
    Probe(ASSET + "diff/$", _asset("diff/"), API_READ, api=True),
    Probe(
        ASSET + "preview/$",
        lambda c: (
            f"/api/v1/content/assets/{c['content_asset'].pk}/preview/"
            f"?contact={c['content_contact'].pk}&channel=email"
        ),
        API_READ,
        api=True,
    ),
    # Resolution
    Probe(
        "api/v1/content/resolve/",
        lambda c: (
            f"/api/v1/content/resolve/?asset={c['content_asset'].pk}"
            f"&contact={c['content_contact'].pk}&channel=email"
        ),
        API_RESOLVE,
        api=True,
    ),
    Probe(
        "api/v1/content/resolve/",
        lambda c: "/api/v1/content/resolve/",
        API_RESOLVE,
        method="post",
        data=lambda c: {
            "asset": c["content_asset"].pk,
            "account": c["content_account"].pk,
            "channel": "email",
        },
        api=True,
        label="(for an account)",
    ),
    # Language chains (unit admins configure theirs)
    Probe(
        "api/v1/^content/locale-chains/$",
        lambda c: "/api/v1/content/locale-chains/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["locale_chain"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^content/locale-chains/$",
        lambda c: "/api/v1/content/locale-chains/",
        API_CREATE_AT_FR,
        method="post",
        data=_new_chain_for_fr,
        api=True,
        label="(for fr)",
    ),
    Probe("api/v1/^content/locale-chains/(?P<pk>[^/.]+)/$", _chain, API_READ, api=True),
    Probe(
        "api/v1/^content/locale-chains/(?P<pk>[^/.]+)/$",
        _chain,
        API_READ,
        method="patch",
        data=lambda c: {"chain": ["fr-CA", "fr", "en"]},
        api=True,
    ),
    Probe(
        "api/v1/^content/locale-chains/(?P<pk>[^/.]+)/$",
        _chain,
        API_DELETE,
        method="delete",
        api=True,
    ),
    # Admin
    *admin_model_probes(
        "content/asset",
        "content_asset",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
    *admin_model_probes(
        "content/assetversion",
        "content_version",
        changelist=ADMIN_LIST,
        add=STAFF_FORBIDDEN,
        change=ADMIN_READ,
        delete=STAFF_FORBIDDEN,
        guarded=READ_ONLY_PERMS,
    ),
    *admin_model_probes(
        "content/localechain",
        "locale_chain",
        changelist=ADMIN_LIST,
        add=ALL_STAFF,
        change=ADMIN_READ,
        delete=ADMIN_READ,
        guarded=ADMIN_404,
    ),
]

__all__ = ["BLIND", "PROBES", "SEES", "extend_ctx"]
