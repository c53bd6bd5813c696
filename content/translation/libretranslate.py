"""Adapter for a self-hosted LibreTranslate (or a service speaking its protocol).

Protocol: ``POST {base_url}/translate`` with JSON ``{"q": [...], "source": "en",
"target": "fr", "format": "text"|"html", "api_key": "..."}``; the answer is
``{"translatedText": [...]}`` (a list when ``q`` is a list) or, on error, an HTTP
400/403/429/500 with ``{"error": "..."}``.
"""

from __future__ import annotations

from content.external import post_json
from content.translation.base import Format, TranslationError


def engine_language(tag: str) -> str:
    """LibreTranslate knows languages, not regions: ``fr-CA`` → ``fr``."""
    return tag.replace("_", "-").split("-")[0].lower()


class LibreTranslateProvider:
    """Sends all texts of one request in a single call."""

    name = "libretranslate"
    machine = True

    def __init__(self, base_url: str, *, api_key: str = "", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def translate(
        self, texts: list[str], source: str, target: str, *, fmt: Format = "text"
    ) -> list[str]:
        if not texts:
            return []
        payload = {
            "q": list(texts),
            "source": engine_language(source),
            "target": engine_language(target),
            "format": fmt,
        }
        if self.api_key:
            payload["api_key"] = self.api_key
        service = f"LibreTranslate at {self.base_url}"
        answer = post_json(
            f"{self.base_url}/translate",
            payload,
            service=service,
            timeout=self.timeout,
            error_class=TranslationError,
        )
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, list) or len(translated) != len(texts):
            raise TranslationError(
                f"{service} answered without one translation per text "
                f"(sent {len(texts)}, got {_describe(translated)})."
            )
        if not all(isinstance(text, str) for text in translated):
            raise TranslationError(f"{service} answered with translations that are not text.")
        return translated


def _describe(value: object) -> str:
    if isinstance(value, list):
        return str(len(value))
    return "none" if value is None else type(value).__name__
