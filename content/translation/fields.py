"""Translate the fields of one asset in a single provider call, glossary enforced."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Mapping

from content.glossary import GlossaryError, GlossaryTerm, protect, restore
from content.translation.base import TranslationError, TranslationProvider


def translate_fields(
    values: Mapping[str, str],
    source: str,
    target: str,
    terms: Iterable[GlossaryTerm],
    provider: TranslationProvider,
    *,
    html_fields: Collection[str] = (),
) -> dict[str, str]:
    """Machine-translate ``values`` (field → text) from ``source`` to ``target``.

    Glossary terms are protected before the provider sees them and restored afterwards,
    so brand terms stay verbatim and mandated translations apply whatever the engine.
    Fields named in ``html_fields`` are HTML; when there are any, the whole batch goes
    as HTML (plain fields escaped, then unescaped) so one call still suffices. Blank
    fields are returned blank without being sent.

    Raises ``TranslationError`` (including when the engine lost a protected term) and
    lets ``HumanTranslationRequired`` through for the human workflow.
    """
    terms = list(terms)
    fmt = "html" if any(name in html_fields for name in values if values[name]) else "text"
    names = [name for name, value in values.items() if value and value.strip()]
    protected, maps = [], []
    for name in names:
        value = values[name]
        if fmt == "html" and name not in html_fields:
            value = html.escape(value, quote=False)
        text, restore_map = protect(value, terms, target, source=source, fmt=fmt)
        protected.append(text)
        maps.append(restore_map)
    translated = provider.translate(protected, source, target, fmt=fmt) if names else []
    if len(translated) != len(names):
        raise TranslationError(
            f"The {provider.name} provider returned {len(translated)} texts for {len(names)}."
        )
    result = {name: value for name, value in values.items() if name not in names}
    for name, text, restore_map in zip(names, translated, maps, strict=True):
        try:
            text = restore(text, restore_map)
        except GlossaryError as exc:
            raise TranslationError(f"Field {name!r}: {exc}") from exc
        if fmt == "html" and name not in html_fields:
            text = html.unescape(text)
        result[name] = text
    return {name: result[name] for name in values}
