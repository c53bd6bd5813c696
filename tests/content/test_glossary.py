"""Glossary: brand terms survive machine translation, mandated translations apply."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from content.glossary import GlossaryError, GlossaryTerm, protect, restore, violations
from content.translation import (
    HumanProvider,
    HumanTranslationRequired,
    LibreTranslateProvider,
    TranslationError,
    translate_fields,
)
from tests.content.conftest import LIBRETRANSLATE_KEY

ACME = GlossaryTerm("Acme", do_not_translate=True, case_sensitive=True)
ACME_CLOUD = GlossaryTerm("Acme Cloud", do_not_translate=True)
DATA_ROOM = GlossaryTerm(
    "data room", translations={"fr": "salle de données", "de": "Datenraum", "fr-CA": "voûte"}
)
TERMS = [ACME, ACME_CLOUD, DATA_ROOM]


def round_trip(text: str, terms=TERMS, target: str = "fr", fmt: str = "text") -> str:
    protected, restore_map = protect(text, terms, target, fmt=fmt)
    return restore(protected, restore_map)


@pytest.fixture
def engine(libretranslate) -> LibreTranslateProvider:
    return LibreTranslateProvider(libretranslate.url, api_key=LIBRETRANSLATE_KEY, timeout=2)


def test_the_fake_engine_would_mangle_an_unprotected_brand(engine):
    assert engine.translate(["Acme Cloud"], "en", "fr") == ["[fr] acmé nuage"]


def test_brand_terms_survive_machine_translation_verbatim(engine, libretranslate):
    translated = translate_fields(
        {"title": "Discover Acme Cloud with Acme", "summary": "Secure data for your team"},
        "en",
        "fr",
        TERMS,
        engine,
    )

    assert translated == {
        "title": "[fr] découvrez Acme Cloud avec Acme",
        "summary": "[fr] sécurisée données pour votre équipe",
    }
    assert len(libretranslate.requests) == 1  # all fields in one call


def test_mandated_translations_replace_the_term(engine):
    translated = translate_fields({"body": "Join the data room"}, "en", "de", TERMS, engine)

    assert translated == {"body": "[de] besuchen die Datenraum"}


def test_html_fields_keep_markup_and_terms(engine, libretranslate):
    translated = translate_fields(
        {
            "title": "Acme & the data room < 5 min",
            "body": '<p>Join <a href="https://acme.example/data-room">Acme</a> and '
            "the data room</p>",
            "cta_label": "",
        },
        "en",
        "fr",
        TERMS,
        engine,
        html_fields={"body"},
    )

    assert translated == {
        "title": "[fr] Acme & le salle de données < 5 min",
        "body": '[fr] <p>rejoignez <a href="https://acme.example/data-room">Acme</a> '
        "et le salle de données</p>",
        "cta_label": "",
    }
    sent = libretranslate.requests[0]["body"]
    assert sent["format"] == "html"
    assert len(sent["q"]) == 2  # the blank field is not sent
    assert '<span translate="no">' in sent["q"][1]


def test_an_engine_that_loses_a_protected_term_is_an_error(engine, libretranslate):
    libretranslate.mode = "drop-markers"

    with pytest.raises(TranslationError, match=r"'title'.*lost.*“Acme”"):
        translate_fields({"title": "Hello Acme"}, "en", "fr", TERMS, engine)


def test_without_a_machine_people_translate(engine):
    with pytest.raises(HumanTranslationRequired):
        translate_fields({"title": "Hello Acme"}, "en", "fr", TERMS, HumanProvider())


def test_the_longest_overlapping_term_wins():
    protected, restore_map = protect("Acme Cloud and Acme", TERMS, "fr")

    assert protected == "⟦G1⟧ and ⟦G2⟧"
    assert restore_map.originals == {1: "Acme Cloud", 2: "Acme"}


def test_terms_only_match_whole_words():
    protected, _ = protect("Acmeville and NotAcme use a data roomba", TERMS, "fr")

    assert protected == "Acmeville and NotAcme use a data roomba"


def test_case_sensitivity_is_per_term():
    protected, restore_map = protect("ACME and acme cloud and Data  Room", TERMS, "fr")

    # "Acme" is case sensitive, "Acme Cloud" and "data room" are not.
    assert protected == "ACME and ⟦G1⟧ and ⟦G2⟧"
    assert restore(protected, restore_map) == "ACME and acme cloud and salle de données"


def test_the_most_specific_language_decides_the_mandated_translation():
    assert round_trip("a data room", target="fr-CA") == "a voûte"
    assert round_trip("a data room", target="fr-BE") == "a salle de données"
    assert round_trip("a data room", target="ja") == "a data room"  # unconstrained


def test_terms_of_another_source_language_are_ignored():
    german = GlossaryTerm("Acme", source_language="de", translations={"fr": "Akmé"})

    assert protect("Acme", [german], "fr", source="en-GB")[0] == "Acme"
    assert protect("Acme", [german], "fr", source="de-AT")[0] == "⟦G1⟧"


def test_terms_are_found_in_scripts_without_spaces():
    brand = GlossaryTerm("Acme", do_not_translate=True)

    assert protect("欢迎使用Acme云", [brand], "en")[0] == "欢迎使用⟦G1⟧云"


def test_html_tags_and_attributes_are_never_touched():
    text = '<img alt="Acme" src="/acme.png"><p title="data room">Acme</p>'

    protected, _ = protect(text, TERMS, "fr", fmt="html")

    assert protected == (
        '<img alt="Acme" src="/acme.png"><p title="data room"><span translate="no">⟦G1⟧</span></p>'
    )


def test_mandated_translations_are_escaped_in_html():
    term = GlossaryTerm("R&D", translations={"fr": "R&D <labo>"})

    assert round_trip("<p>R&amp;D</p>", [term], fmt="html") == "<p>R&amp;D &lt;labo&gt;</p>"


def test_placeholders_survive_engines_that_recase_or_pad_them():
    _, restore_map = protect("Hello Acme", TERMS, "fr")

    assert restore("Bonjour ⟦ g1 ⟧", restore_map) == "Bonjour Acme"


def test_an_invented_placeholder_is_refused():
    _, restore_map = protect("Hello Acme", TERMS, "fr")

    with pytest.raises(GlossaryError, match="unknown placeholder"):
        restore("⟦G1⟧ ⟦G7⟧", restore_map)


def test_a_faithful_human_translation_has_no_violations():
    assert (
        violations(
            "Acme Cloud: the data room by Acme",
            "Acme Cloud : la salle de données d'Acme",
            TERMS,
            "fr",
        )
        == []
    )


def test_a_translated_brand_is_a_violation():
    found = violations("Acme Cloud and Acme", "Acme Cloud et Acmé", TERMS, "fr")

    assert found == ["“Acme” must stay untranslated: expected 1, found 0."]


def test_a_missing_mandated_translation_is_a_violation():
    found = violations("Open the data room", "Ouvrez la data room", TERMS, "fr")

    assert found == [
        "“data room” must be translated as “salle de données” (fr): expected 1, found 0."
    ]


def test_violations_look_at_html_text_only():
    found = violations("<p>Acme</p>", '<p><img alt="Acme">Acmé</p>', TERMS, "fr", fmt="html")

    assert found == ["“Acme” must stay untranslated: expected 1, found 0."]


def test_a_blank_term_names_the_field():
    with pytest.raises(ValidationError) as error:
        GlossaryTerm("  ", do_not_translate=True)

    assert "term" in error.value.message_dict
