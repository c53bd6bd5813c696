"""Organisation glossary: brand terms that stay verbatim and translations that are mandated.

The glossary is enforced by us, not trusted to the translation engine. Before machine
translation, ``protect`` swaps every glossary term for a placeholder the engine leaves
alone; ``restore`` then writes back the brand term exactly as it was, or the translation
the organisation mandates for the target language. Human and generated text cannot be
protected that way, so ``violations`` checks it afterwards.

Terms are plain values (``GlossaryTerm``) so that the rules do not depend on how the
glossary is stored. Matching respects word boundaries (``Acme`` is not found in
``Acmeville``; scripts without spaces such as Chinese and Japanese have no boundaries),
prefers the longest term where terms overlap (``Acme Cloud`` before ``Acme``), honours
each term's case sensitivity, and in HTML looks only at text, never inside tags.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

Format = Literal["text", "html"]

# Word characters of scripts written without spaces: a term touching them still matches.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f"
_BEFORE = rf"(?<![^\W{_UNSPACED}])"
_AFTER = rf"(?![^\W{_UNSPACED}])"
_MARKUP = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
# Engines may change the case of the marker or pad it with spaces; both are accepted.
_PLACEHOLDER = re.compile(r"⟦\s*G\s*(\d+)\s*⟧", re.IGNORECASE)
_HTML_PLACEHOLDER = re.compile(
    r"<span\b[^>]*\btranslate\s*=\s*[\"']?no[\"']?[^>]*>\s*⟦\s*G\s*(\d+)\s*⟧\s*</span\s*>",
    re.IGNORECASE,
)


class GlossaryError(ValueError):
    """A translation cannot honour the glossary (e.g. the engine dropped a placeholder)."""


@dataclass(frozen=True, eq=False)
class GlossaryTerm:
    """One glossary entry.

    ``translations`` maps a target language (``fr`` or ``fr-CA``) to the mandated
    rendering; the most specific language wins. A mandated translation also wins over
    ``do_not_translate`` for its language (a brand kept in Latin script everywhere but
    transliterated in Japanese, say). A term with neither applies to nothing.
    """

    term: str
    source_language: str = ""
    do_not_translate: bool = False
    translations: Mapping[str, str] = field(default_factory=dict)
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        if not self.term.strip():
            raise ValidationError({"term": _("A glossary term cannot be blank.")})
        if any(not str(value).strip() for value in self.translations.values()):
            raise ValidationError({"translations": _("A mandated translation cannot be blank.")})

    def applies_from(self, source_language: str) -> bool:
        if not self.source_language or not source_language:
            return True
        return self.source_language.lower() in _language_candidates(source_language)

    def mandated(self, target: str) -> str | None:
        """The translation the organisation mandates for ``target``, if any."""
        by_language = {key.lower(): value for key, value in self.translations.items()}
        for candidate in _language_candidates(target):
            if candidate in by_language:
                return by_language[candidate]
        return None

    def constrains(self, target: str) -> bool:
        return self.do_not_translate or self.mandated(target) is not None


@dataclass
class RestoreMap:
    """What each placeholder of a protected text stands for (one entry per occurrence)."""

    fmt: Format
    originals: dict[int, str] = field(default_factory=dict)
    replacements: dict[int, str] = field(default_factory=dict)


def protect(
    text: str,
    terms: Iterable[GlossaryTerm],
    target: str,
    *,
    source: str = "",
    fmt: Format = "text",
) -> tuple[str, RestoreMap]:
    """Replace the glossary terms of ``text`` by placeholders before machine translation.

    Plain text gets ``⟦G1⟧`` tokens; HTML gets ``<span translate="no">⟦G1⟧</span>``,
    which HTML-aware engines skip explicitly. Returns the protected text and the map
    ``restore`` needs.
    """
    restore_map = RestoreMap(fmt=fmt)
    active = _active(terms, target, source)
    pieces: list[str] = []
    position = 0
    for number, (start, end, term) in enumerate(_find(text, active, fmt), start=1):
        pieces.append(text[position:start])
        original = text[start:end]
        mandated = term.mandated(target)
        if mandated is None:
            replacement = original
        else:
            replacement = html.escape(mandated, quote=False) if fmt == "html" else mandated
        restore_map.originals[number] = original
        restore_map.replacements[number] = replacement
        token = f"⟦G{number}⟧"
        pieces.append(f'<span translate="no">{token}</span>' if fmt == "html" else token)
        position = end
    pieces.append(text[position:])
    return "".join(pieces), restore_map


def restore(translated: str, restore_map: RestoreMap) -> str:
    """Put back, in a translated text, what each placeholder stands for.

    Raises ``GlossaryError`` when the engine lost or invented a placeholder, since the
    translation would then silently miss (or duplicate) a brand term.
    """
    seen: set[int] = set()

    def put_back(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number not in restore_map.replacements:
            raise GlossaryError(f"The translation contains an unknown placeholder {match[0]!r}.")
        seen.add(number)
        return restore_map.replacements[number]

    result = _PLACEHOLDER.sub(put_back, _HTML_PLACEHOLDER.sub(put_back, translated))
    lost = sorted(set(restore_map.replacements) - seen)
    if lost:
        names = ", ".join(f"“{restore_map.originals[number]}”" for number in lost)
        raise GlossaryError(f"The translation lost the protected glossary term(s) {names}.")
    return result


def violations(
    source: str,
    translated: str,
    terms: Iterable[GlossaryTerm],
    target: str,
    *,
    source_language: str = "",
    fmt: Format = "text",
) -> list[str]:
    """Glossary rules a translation (human, machine or generated) breaks, as messages.

    Every constrained term found in ``source`` must appear in ``translated`` as many
    times, either verbatim (do not translate) or as its mandated translation.
    """
    active = _active(terms, target, source_language)
    required = Counter(term for _start, _end, term in _find(source, active, fmt))
    # Terms sharing a rendering share its count; renderings are then counted together,
    # longest first, so that "Acme Cloud" in the translation is not also an "Acme".
    renderings: dict[tuple[str, bool], GlossaryTerm] = {}
    rendering_of: dict[GlossaryTerm, GlossaryTerm] = {}
    for term in required:
        rendering = _expected_rendering(term, target)
        key = (rendering.term if rendering.case_sensitive else rendering.term.casefold(),
               rendering.case_sensitive)  # fmt: skip
        rendering_of[term] = renderings.setdefault(key, rendering)
    needed: Counter[GlossaryTerm] = Counter()
    for term, count in required.items():
        needed[rendering_of[term]] += count
    found = Counter(match for _start, _end, match in _find(translated, [*renderings.values()], fmt))
    messages = []
    for term, count in required.items():
        rendering = rendering_of[term]
        if found[rendering] >= needed[rendering]:
            continue
        values = {"term": term.term, "expected": count, "found": found[rendering]}
        mandated = term.mandated(target)
        if mandated is None:
            message = (
                _("“%(term)s” must stay untranslated: expected %(expected)d, found %(found)d.")
                % values
            )
        else:
            message = _(
                "“%(term)s” must be translated as “%(translation)s” (%(language)s): "
                "expected %(expected)d, found %(found)d."
            ) % {**values, "translation": mandated, "language": target}
        messages.append(str(message))
    return messages


def instructions(terms: Iterable[GlossaryTerm], target: str, *, source_language: str = "") -> str:
    """The glossary rules for ``target`` as plain instructions for a language model."""
    lines = []
    for term in _active(terms, target, source_language):
        mandated = term.mandated(target)
        if mandated is None:
            lines.append(f'- Keep "{term.term}" exactly as written; never translate it.')
        else:
            lines.append(f'- Always render "{term.term}" as "{mandated}".')
    return "\n".join(lines)


def _language_candidates(language: str) -> list[str]:
    """``fr-CA`` → ``["fr-ca", "fr"]`` (also accepts ``fr_CA``)."""
    parts = language.replace("_", "-").lower().split("-")
    return ["-".join(parts[:size]) for size in range(len(parts), 0, -1) if parts[0]]


def _active(terms: Iterable[GlossaryTerm], target: str, source: str) -> list[GlossaryTerm]:
    return [term for term in terms if term.applies_from(source) and term.constrains(target)]


def _expected_rendering(term: GlossaryTerm, target: str) -> GlossaryTerm:
    mandated = term.mandated(target)
    if mandated is None:
        return term
    return GlossaryTerm(term=mandated, do_not_translate=True, case_sensitive=term.case_sensitive)


def _find(
    text: str, terms: list[GlossaryTerm], fmt: Format
) -> Iterator[tuple[int, int, GlossaryTerm]]:
    """Occurrences ``(start, end, term)`` of ``terms`` in the text parts of ``text``."""
    if not terms:
        return
    ordered = sorted(terms, key=lambda term: len(term.term), reverse=True)
    pattern = re.compile("|".join(f"({_term_pattern(term, fmt)})" for term in ordered))
    for start, end in _text_spans(text, fmt):
        for match in pattern.finditer(text, start, end):
            yield match.start(), match.end(), ordered[match.lastindex - 1]


def _term_pattern(term: GlossaryTerm, fmt: Format) -> str:
    surface = html.escape(term.term, quote=False) if fmt == "html" else term.term
    # Any run of whitespace (a line break in a paragraph, say) separates words alike.
    body = r"\s+".join(re.escape(word) for word in surface.split())
    if re.match(r"\w", surface[0]):
        body = _BEFORE + body
    if re.match(r"\w", surface[-1]):
        body += _AFTER
    return body if term.case_sensitive else f"(?i:{body})"


def _text_spans(text: str, fmt: Format) -> Iterator[tuple[int, int]]:
    if fmt != "html":
        yield 0, len(text)
        return
    position = 0
    for markup in _MARKUP.finditer(text):
        if markup.start() > position:
            yield position, markup.start()
        position = markup.end()
    if position < len(text):
        yield position, len(text)
