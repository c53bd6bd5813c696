"""Translation providers: the LibreTranslate adapter over the wire, the human default."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from content.translation import (
    HumanProvider,
    HumanTranslationRequired,
    LibreTranslateProvider,
    TranslationError,
    get_provider,
)
from tests.content.conftest import LIBRETRANSLATE_KEY


def provider_for(fake, **options) -> LibreTranslateProvider:
    options.setdefault("api_key", LIBRETRANSLATE_KEY)
    options.setdefault("timeout", 2.0)
    return LibreTranslateProvider(fake.url, **options)


def test_it_translates_a_batch_in_one_call(libretranslate):
    translated = provider_for(libretranslate).translate(["Hello world", "Secure data"], "en", "fr")

    assert translated == ["[fr] bonjour monde", "[fr] sécurisée données"]
    assert len(libretranslate.requests) == 1
    assert libretranslate.requests[0]["path"] == "/translate"
    assert libretranslate.requests[0]["body"] == {
        "q": ["Hello world", "Secure data"],
        "source": "en",
        "target": "fr",
        "format": "text",
        "api_key": LIBRETRANSLATE_KEY,
    }


def test_it_sends_regional_tags_as_engine_languages(libretranslate):
    provider_for(libretranslate).translate(["Hello"], "en-GB", "de_AT")

    body = libretranslate.requests[0]["body"]
    assert (body["source"], body["target"]) == ("en", "de")


def test_it_keeps_markup_in_html_mode(libretranslate):
    translated = provider_for(libretranslate).translate(
        ['<p class="Hero">Hello <b>world</b></p>'], "en", "fr", fmt="html"
    )

    assert translated == ['[fr] <p class="Hero">bonjour <b>monde</b></p>']
    assert libretranslate.requests[0]["body"]["format"] == "html"


def test_it_makes_no_call_for_nothing(libretranslate):
    assert provider_for(libretranslate).translate([], "en", "fr") == []
    assert libretranslate.requests == []


def test_a_wrong_api_key_is_a_clear_permanent_error(libretranslate):
    with pytest.raises(TranslationError) as error:
        provider_for(libretranslate, api_key="stolen").translate(["Hello"], "en", "fr")

    assert "HTTP 403" in str(error.value)
    assert "Invalid API key" in str(error.value)
    assert error.value.status == 403
    assert not error.value.retryable


def test_an_unsupported_language_names_the_language(libretranslate):
    with pytest.raises(TranslationError, match="ja is not supported") as error:
        provider_for(libretranslate).translate(["Hello"], "en", "ja-JP")

    assert error.value.status == 400
    assert not error.value.retryable


@pytest.mark.parametrize(
    ("mode", "status", "explanation"),
    [("error", 500, "engine crashed"), ("rate-limit", 429, "Too many request")],
)
def test_server_side_failures_are_retryable(libretranslate, mode, status, explanation):
    libretranslate.mode = mode

    with pytest.raises(TranslationError, match=explanation) as error:
        provider_for(libretranslate).translate(["Hello"], "en", "fr")

    assert error.value.status == status
    assert error.value.retryable


def test_a_slow_engine_times_out_with_a_clear_message(libretranslate):
    libretranslate.mode = "slow"

    with pytest.raises(TranslationError, match=r"did not answer within 0\.2 s") as error:
        provider_for(libretranslate, timeout=0.2).translate(["Hello"], "en", "fr")

    assert error.value.retryable


def test_an_unreachable_engine_is_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = LibreTranslateProvider(f"http://127.0.0.1:{port}", timeout=1)

    with pytest.raises(TranslationError, match="could not be reached"):
        provider.translate(["Hello"], "en", "fr")


@pytest.mark.parametrize(
    ("mode", "message"),
    [("garbage", "not JSON"), ("short", r"one translation per text \(sent 2, got 1\)")],
)
def test_a_nonsensical_answer_is_rejected(libretranslate, mode, message):
    libretranslate.mode = mode

    with pytest.raises(TranslationError, match=message):
        provider_for(libretranslate).translate(["Hello", "world"], "en", "fr")


def test_the_human_provider_asks_for_a_person_instead_of_failing():
    provider = HumanProvider()

    with pytest.raises(HumanTranslationRequired, match="must be translated by a person"):
        provider.translate(["Hello"], "en", "fr")
    assert provider.machine is False
    assert not issubclass(HumanTranslationRequired, TranslationError)


def test_people_translate_unless_configured_otherwise(settings):
    del settings.CONTENT_TRANSLATION_PROVIDER  # absent from the project settings too

    assert isinstance(get_provider(), HumanProvider)


def test_the_configured_libretranslate_is_used(settings, libretranslate):
    settings.CONTENT_TRANSLATION_PROVIDER = "libretranslate"
    settings.LIBRETRANSLATE_URL = libretranslate.url + "/"
    settings.LIBRETRANSLATE_API_KEY = LIBRETRANSLATE_KEY
    settings.LIBRETRANSLATE_TIMEOUT = "3"

    provider = get_provider()

    assert provider.timeout == 3.0
    assert provider.translate(["Hello"], "en", "de") == ["[de] hallo"]


def test_a_dotted_path_names_a_custom_provider(settings):
    settings.CONTENT_TRANSLATION_PROVIDER = "content.translation.HumanProvider"

    assert isinstance(get_provider(), HumanProvider)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CONTENT_TRANSLATION_PROVIDER": "libretranslate", "LIBRETRANSLATE_URL": ""},
         "LIBRETRANSLATE_URL is empty"),
        ({"CONTENT_TRANSLATION_PROVIDER": "libretranslate",
          "LIBRETRANSLATE_URL": "http://mt.example", "LIBRETRANSLATE_TIMEOUT": "soon"},
         "LIBRETRANSLATE_TIMEOUT must be a positive number"),
        ({"CONTENT_TRANSLATION_PROVIDER": "deepl"}, "not 'deepl'"),
        ({"CONTENT_TRANSLATION_PROVIDER": "content.nowhere.Provider"},
         "CONTENT_TRANSLATION_PROVIDER"),
    ],
)  # fmt: skip
def test_bad_settings_fail_loudly(settings, overrides, message):
    for name, value in overrides.items():
        setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        get_provider()


def test_a_bare_stand_in_answers_501_for_any_endpoint():
    import httpx

    from tests.fakes.server import FakeService, JsonHandler

    class Bare(FakeService):
        handler = JsonHandler

    with Bare() as fake:
        response = httpx.post(f"{fake.url}/anything", json={})
    assert response.status_code == 501 and "/anything" in response.json()["error"]
