"""The default provider: people translate, so machine translation is never attempted."""

from __future__ import annotations

from content.translation.base import Format, HumanTranslationRequired


class HumanProvider:
    """Routes every translation to people by raising ``HumanTranslationRequired``.

    Callers can also test ``provider.machine`` before calling. Human translations are
    checked afterwards with ``content.glossary.violations``.
    """

    name = "human"
    machine = False

    def translate(
        self, texts: list[str], source: str, target: str, *, fmt: Format = "text"
    ) -> list[str]:
        raise HumanTranslationRequired(
            f"No machine translation is configured: {len(texts)} text(s) from {source} "
            f"to {target} must be translated by a person."
        )
