"""``Asset.objects.restrict``: down always, up only published, never sideways or across."""

from __future__ import annotations

from content import services
from content.models import Asset, AssetVersion, LocaleChain
from tests.content.conftest import publish


def visible(user, action: str = "view") -> set[int]:
    return set(Asset.objects.restrict(user, action).values_list("pk", flat=True))


def test_a_sibling_local_unit_does_not_see_a_local_variant(tenants, library):
    publish(library.local)
    assert library.local.pk in visible(tenants.user("fr-viewer"))
    assert library.local.pk not in visible(tenants.user("de-manager"))
    assert library.local.pk in visible(tenants.user("emea-viewer"))  # down


def test_descendants_see_published_ancestors_only(tenants, library):
    draft_core = services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="deck", language="en",
        values={"title": "Unreleased"},
    )  # fmt: skip
    seen = visible(tenants.user("fr-viewer"))
    assert {library.core.pk, library.regional.pk} <= seen
    assert draft_core.pk not in seen
    assert library.core.pk not in visible(tenants.user("fr-manager"), "change")  # up is read-only


def test_another_organisation_sees_nothing(tenants, library):
    publish(library.local)
    assert visible(tenants.user("globex-global-admin")) == set()
    assert visible(tenants.user("globex-fr-viewer")) == set()
    assert not AssetVersion.objects.restrict(tenants.user("globex-global-admin")).exists()


def test_versions_follow_their_asset_and_chains_are_read_below(tenants, library):
    fr_versions = AssetVersion.objects.restrict(tenants.user("fr-viewer"))
    assert set(fr_versions.values_list("asset_id", flat=True)) == {
        library.core.pk,
        library.regional.pk,
        library.local.pk,
    }
    assert (
        not AssetVersion.objects.restrict(tenants.user("de-viewer"))
        .filter(asset=library.local)
        .exists()
    )
    chain = LocaleChain.objects.create(owner_unit=tenants.unit("emea"), chain=["fr", "en"])
    assert LocaleChain.objects.restrict(tenants.user("fr-viewer")).filter(pk=chain.pk).exists()
    assert not LocaleChain.objects.restrict(tenants.user("fr-manager"), "change").exists()
    assert not LocaleChain.objects.restrict(tenants.user("us-viewer")).exists()
