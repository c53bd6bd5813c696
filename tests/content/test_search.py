"""Full-text search over effective content, on SQLite and (with DATABASE_URL) PostgreSQL."""

from __future__ import annotations

from django.db import connection

from content import search, services
from content.models import Asset
from tests.content.conftest import fresh, publish, run_cascade


def _found(user, query: str) -> list[int]:
    return list(
        search.search_assets(Asset.objects.restrict(user, "view"), query).values_list(
            "pk", flat=True
        )
    )


def test_it_finds_an_asset_by_a_word_of_its_body(tenants, library):
    found = _found(tenants.user("global-viewer"), "outages")
    assert library.core.pk in found


def test_a_variant_is_found_by_the_words_it_inherits(tenants, library):
    # "Grid resilience" is the core's title; the French variant inherits it.
    assert library.local.pk in _found(tenants.user("fr-viewer"), "resilience")


def test_every_word_must_match(tenants, library):
    user = tenants.user("emea-viewer")
    assert library.regional.pk in _found(user, "outages utilities")
    assert _found(user, "outages zeppelin") == []


def test_it_is_case_insensitive(tenants, library):
    assert library.core.pk in _found(tenants.user("global-viewer"), "OUTAGES")


def test_html_tags_are_not_words(tenants):
    asset = services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="email", language="en",
        values={"title": "Markup", "body": "<p><strong>Turbines</strong> spin</p>"},
    )  # fmt: skip
    user = tenants.user("global-viewer")
    assert asset.pk in _found(user, "turbines")
    assert asset.pk not in _found(user, "strong")


def test_it_respects_the_restriction(tenants, library):
    # France's draft variant is invisible to Germany, whatever it searches for.
    assert library.local.pk in _found(tenants.user("fr-viewer"), "France")
    assert library.local.pk not in _found(tenants.user("de-viewer"), "France")
    assert _found(tenants.user("globex-global-admin"), "outages") == []


def test_a_blank_query_changes_nothing(tenants, library):
    base = Asset.objects.restrict(tenants.user("fr-viewer"), "view")
    assert set(search.search_assets(base, "  ").values_list("pk", flat=True)) == set(
        base.values_list("pk", flat=True)
    )


def test_title_matches_rank_first(tenants):
    author, unit = tenants.user("global-marketer"), tenants.unit("global")
    in_body = services.create_asset(
        author, unit, kind="email", language="en",
        values={"title": "Quarterly letter", "body": "<p>Hydrogen is coming.</p>"},
    )  # fmt: skip
    in_title = services.create_asset(
        author, unit, kind="email", language="en",
        values={"title": "Hydrogen roadmap", "body": "<p>Plans.</p>"},
    )  # fmt: skip
    found = _found(tenants.user("global-viewer"), "hydrogen")
    assert found.index(in_title.pk) < found.index(in_body.pk)


def test_an_edit_of_the_source_is_searchable_below(tenants, library):
    publish(library.local)
    services.edit_asset(
        tenants.user("global-marketer"), library.core, {"cta_label": "Book a substation audit"}
    )
    run_cascade(library.core, "cta_label")
    run_cascade(fresh(library.regional), "cta_label")
    assert library.local.pk in _found(tenants.user("fr-viewer"), "substation")


def test_french_assets_match_inflected_words_on_postgresql(tenants):
    asset = services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="email", language="fr",
        values={"title": "Réseaux", "body": "<p>Les centrales électriques modernisées</p>"},
    )  # fmt: skip
    user = tenants.user("global-viewer")
    assert asset.pk in _found(user, "centrales")
    if connection.vendor == "postgresql":  # French stemming: singular finds the plural
        assert asset.pk in _found(user, "centrale moderniser")


def test_websearch_syntax_is_accepted(tenants, library):
    user = tenants.user("global-viewer")
    assert library.core.pk in _found(user, '"cost money"')
    if connection.vendor == "postgresql":
        assert library.core.pk not in _found(user, "outages -money")


def test_chinese_text_matches_by_substring(tenants):
    asset = services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="email", language="zh",
        values={"title": "电网韧性", "body": "<p>停电代价高昂</p>"},
    )  # fmt: skip
    assert asset.pk in _found(tenants.user("global-viewer"), "代价")


def test_the_api_searches_effective_content_like_the_dashboard(api, library):
    found = api("fr-marketer").get("/api/v1/content/assets/", {"q": "outages"}).json()
    ids = {row["id"] for row in found["results"]}
    assert library.core.pk in ids  # matched by a word of its body, not its title
    assert (
        api("de-marketer").get("/api/v1/content/assets/", {"q": "Hello France"}).json()["results"]
        == []
    )  # France's draft variant stays France's
