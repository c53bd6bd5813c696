"""What every translation provider promises, and how it says it cannot deliver."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from content.external import ExternalServiceError

Format = Literal["text", "html"]


class TranslationError(ExternalServiceError):
    """Machine translation failed (service down, slow, refusing, or answering nonsense).

    ``retryable`` tells a task whether trying again later can help (timeouts, 429, 5xx).
    """


class HumanTranslationRequired(Exception):
    """The configured provider does no machine translation: a person must translate.

    Deliberately not a ``TranslationError``: nothing failed. The translation workflow
    catches it and assigns the request to the responsible unit's translators instead.
    """


@runtime_checkable
class TranslationProvider(Protocol):
    """Translates a batch of texts in one call, keeping their order.

    ``source`` and ``target`` are language tags (``en``, ``fr-CA``); ``fmt`` says
    whether the texts are plain text or HTML (markup must come back intact).
    Implementations raise ``TranslationError`` on any failure and never return fewer
    or more texts than they received.
    """

    name: str
    machine: bool

    def translate(
        self, texts: list[str], source: str, target: str, *, fmt: Format = "text"
    ) -> list[str]: ...
