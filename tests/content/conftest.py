"""Local stand-ins for the external content services, real servers over real HTTP."""

from __future__ import annotations

import pytest

from tests.fakes.chat_completions import FakeChatCompletions
from tests.fakes.libretranslate import FakeLibreTranslate

LIBRETRANSLATE_KEY = "libre-test-key"
LLM_KEY = "llm-test-key"


@pytest.fixture
def libretranslate():
    """A LibreTranslate stand-in requiring ``LIBRETRANSLATE_KEY``."""
    with FakeLibreTranslate(api_key=LIBRETRANSLATE_KEY) as fake:
        yield fake


@pytest.fixture
def chat_llm():
    """An OpenAI-compatible chat-completions stand-in requiring ``LLM_KEY``."""
    with FakeChatCompletions(api_key=LLM_KEY) as fake:
        yield fake
