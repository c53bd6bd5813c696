"""Draft variants from an OpenAI-compatible model: parsing, errors, glossary checks."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from content.drafting import (
    ChatCompletionsDraftGenerator,
    DraftGenerationError,
    DraftProposal,
    get_draft_generator,
    propose_draft,
)
from content.glossary import GlossaryTerm
from tests.content.conftest import LLM_KEY

FIELDS = {"title": "Acme Cloud for finance", "summary": "Close faster with Acme", "cta": ""}
TERMS = [
    GlossaryTerm("Acme", do_not_translate=True, case_sensitive=True),
    GlossaryTerm("finance", translations={"fr": "la finance"}),
]


def generator_for(fake, **options) -> ChatCompletionsDraftGenerator:
    options.setdefault("api_key", LLM_KEY)
    options.setdefault("timeout", 2.0)
    return ChatCompletionsDraftGenerator(fake.url, model="local-7b", **options)


def generate(fake, **options) -> dict[str, str]:
    return generator_for(fake, **options).generate(
        FIELDS, instructions="Warmer tone", language="fr", audience="CFO"
    )


def test_it_asks_the_model_and_reads_its_json_object(chat_llm):
    draft = generate(chat_llm)

    assert draft == {
        "title": "[fr · CFO] Acme Cloud for finance",
        "summary": "[fr · CFO] Close faster with Acme",
    }
    [request] = chat_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == f"Bearer {LLM_KEY}"
    assert request["body"]["model"] == "local-7b"
    assert request["body"]["temperature"] == 0.3
    system, user = request["body"]["messages"]
    assert system["role"] == "system" and "one JSON object" in system["content"]
    assert json.loads(user["content"]) == {
        "language": "fr",
        "audience": "CFO",
        "instructions": "Warmer tone",
        "fields": FIELDS,
    }


def test_a_base_url_ending_in_v1_is_accepted(chat_llm):
    generator = ChatCompletionsDraftGenerator(chat_llm.url + "/v1/", model="m", api_key=LLM_KEY)

    assert generator.url == chat_llm.url + "/v1/chat/completions"


@pytest.mark.parametrize("mode", ["fenced", "prose"])
def test_json_wrapped_in_a_fence_or_chatter_is_found(chat_llm, mode):
    chat_llm.mode = mode

    assert generate(chat_llm)["title"] == "[fr · CFO] Acme Cloud for finance"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("bad-json", "invalid JSON"),
        ("not-object", "without a JSON object"),
        ("unknown-field", r"unknown field\(s\): price"),
        ("not-text", "not text for: summary, title"),
        ("oversize", "more than 20000 characters for: summary, title"),
        ("truncated", "stopped before finishing"),
        ("no-choices", "without a message"),
    ],
)
def test_an_unusable_answer_is_rejected_with_a_reason(chat_llm, mode, message):
    chat_llm.mode = mode

    with pytest.raises(DraftGenerationError, match=message) as error:
        generate(chat_llm)

    assert "'local-7b'" in str(error.value)


def test_an_oversized_answer_is_refused_before_parsing(chat_llm):
    chat_llm.mode = "oversize"

    with pytest.raises(DraftGenerationError, match=r"characters \(at most 1000\)"):
        generate(chat_llm, max_response_chars=1000)


def test_a_server_error_quotes_the_server_and_may_be_retried(chat_llm):
    chat_llm.mode = "error"

    with pytest.raises(DraftGenerationError, match=r"HTTP 500\): The model is overloaded") as error:
        generate(chat_llm)

    assert error.value.retryable


def test_a_wrong_key_is_a_permanent_error(chat_llm):
    with pytest.raises(DraftGenerationError, match="Incorrect API key") as error:
        generate(chat_llm, api_key="nope")

    assert error.value.status == 401
    assert not error.value.retryable


def test_a_slow_model_times_out(chat_llm):
    chat_llm.mode = "slow"

    with pytest.raises(DraftGenerationError, match=r"did not answer within 0\.2 s"):
        generate(chat_llm, timeout=0.2)


def test_a_proposal_carries_the_glossary_both_ways(chat_llm):
    chat_llm.mode = "mangle-brand"

    proposal = propose_draft(
        FIELDS,
        instructions="Warmer tone",
        language="fr",
        audience="CFO",
        terms=TERMS,
        source_language="en",
        generator=generator_for(chat_llm),
    )

    assert isinstance(proposal, DraftProposal)
    assert proposal.generator == "chat-completions"
    assert proposal.fields == {
        "title": "[fr · CFO] Akme Cloud for finance",
        "summary": "[fr · CFO] Close faster with Akme",
    }
    assert proposal.violations == {
        "title": [
            "“Acme” must stay untranslated: expected 1, found 0.",
            "“finance” must be translated as “la finance” (fr): expected 1, found 0.",
        ],
        "summary": ["“Acme” must stay untranslated: expected 1, found 0."],
    }
    system = chat_llm.requests[0]["body"]["messages"][0]["content"]
    assert 'Keep "Acme" exactly as written' in system
    assert 'Always render "finance" as "la finance"' in system


def test_fields_the_model_did_not_change_are_not_proposed(chat_llm):
    chat_llm.mode = "unchanged"

    proposal = propose_draft(
        FIELDS, instructions="", language="en", audience="CFO", generator=generator_for(chat_llm)
    )

    assert proposal.fields == {}
    assert proposal.violations == {}


def test_generation_is_off_unless_configured(settings):
    settings.CONTENT_DRAFT_GENERATOR = "none"

    assert get_draft_generator() is None
    with pytest.raises(ImproperlyConfigured, match="No draft generator"):
        propose_draft(FIELDS, instructions="", language="fr", audience="CFO")


def test_the_configured_model_server_is_used(settings, chat_llm):
    settings.CONTENT_DRAFT_GENERATOR = "chat-completions"
    settings.DRAFT_LLM_URL = chat_llm.url
    settings.DRAFT_LLM_MODEL = "local-7b"
    settings.DRAFT_LLM_API_KEY = LLM_KEY
    settings.DRAFT_LLM_TIMEOUT = 5

    proposal = propose_draft(FIELDS, instructions="", language="de", audience="CTO")

    assert proposal.fields["title"] == "[de · CTO] Acme Cloud for finance"
    assert get_draft_generator().timeout == 5.0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CONTENT_DRAFT_GENERATOR": "openai", "DRAFT_LLM_URL": "", "DRAFT_LLM_MODEL": ""},
         "DRAFT_LLM_URL and DRAFT_LLM_MODEL are empty"),
        ({"CONTENT_DRAFT_GENERATOR": "openai", "DRAFT_LLM_URL": "http://llm.example",
          "DRAFT_LLM_MODEL": "m", "DRAFT_LLM_TIMEOUT": -1},
         "DRAFT_LLM_TIMEOUT must be a positive number"),
        ({"CONTENT_DRAFT_GENERATOR": "gpt"}, "not 'gpt'"),
    ],
)  # fmt: skip
def test_bad_settings_fail_loudly(settings, overrides, message):
    for name, value in overrides.items():
        setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        get_draft_generator()


class WideningGenerator:
    """A plug-in generator (named by dotted path) that invents a field."""

    name = "widening"

    def generate(self, fields, *, instructions, language, audience, glossary_rules=""):
        return {**fields, "price": "49 EUR"}


def test_a_plugged_in_generator_cannot_add_fields(settings):
    settings.CONTENT_DRAFT_GENERATOR = f"{__name__}.WideningGenerator"

    with pytest.raises(
        DraftGenerationError, match=r"widening generator .* unknown field\(s\): price"
    ):
        propose_draft(FIELDS, instructions="", language="fr", audience="CFO")
