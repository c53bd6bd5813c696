"""A stand-in for LibreTranslate that translates deterministically and mangles brands.

Words found in a small dictionary are translated, every other word is lowercased, and
the result is prefixed with ``[fr]`` (the target). So "Acme Cloud" comes back as
"[fr] acmé nuage": any brand term that reaches it unprotected is visibly mangled. In
HTML mode only text is translated; tags, and elements marked ``translate="no"``, are
left alone, as real engines do.

Modes: ``ok``, ``error`` (500), ``rate-limit`` (429), ``slow`` (answers after
``delay`` seconds), ``garbage`` (200 with an HTML page), ``short`` (one text missing),
``drop-markers`` (loses anything between ``⟦`` and ``⟧``, as a careless engine might).
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.server import FakeService, JsonHandler

DICTIONARY = {
    ("en", "fr"): {
        "hello": "bonjour", "world": "monde", "the": "le", "cloud": "nuage",
        "platform": "plateforme", "secure": "sécurisée", "data": "données", "with": "avec",
        "and": "et", "for": "pour", "your": "votre", "our": "notre", "team": "équipe",
        "acme": "acmé", "discover": "découvrez", "new": "nouvelle", "brand": "marque",
        "is": "est", "webinar": "webinaire", "join": "rejoignez", "us": "nous",
        "suite": "suite", "analytics": "analytique",
    },
    ("en", "de"): {
        "hello": "hallo", "world": "welt", "the": "die", "cloud": "wolke",
        "platform": "plattform", "secure": "sichere", "data": "daten", "with": "mit",
        "and": "und", "for": "für", "your": "ihr", "our": "unsere", "team": "team",
        "acme": "akme", "discover": "entdecken", "new": "neue", "brand": "marke",
        "is": "ist", "webinar": "webinar", "join": "besuchen", "us": "uns",
        "suite": "paket", "analytics": "analytik",
    },
}  # fmt: skip
LANGUAGES = {"en", "fr", "de"}
_WORD = re.compile(r"\w+")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")


def fake_translate(text: str, source: str, target: str, fmt: str) -> str:
    words = DICTIONARY.get((source, target), {})

    def word(match: re.Match[str]) -> str:
        return words.get(match[0].lower(), match[0].lower())

    if fmt != "html":
        return f"[{target}] " + _WORD.sub(word, text)
    pieces, skipping = [], None
    for piece in _TAG.split(text):
        tag = _TAG_NAME.match(piece) if piece.startswith("<") else None
        if tag:
            closing, name = tag.group(1), tag.group(2).lower()
            if skipping is None and not closing and 'translate="no"' in piece:
                skipping = name
            elif closing and name == skipping:
                skipping = None
            pieces.append(piece)
        else:
            pieces.append(piece if skipping else _WORD.sub(word, piece))
    return f"[{target}] " + "".join(pieces)


class LibreTranslateHandler(JsonHandler):
    def answer(self, body: Any) -> tuple[int, Any]:
        fake = self.fake
        if self.path.rstrip("/") != "/translate":
            return 404, {"error": "Not Found"}
        if not isinstance(body, dict) or "q" not in body:
            return 400, {"error": "Invalid request: missing q parameter"}
        if fake.api_key and body.get("api_key") != fake.api_key:
            return 403, {"error": "Invalid API key"}
        if fake.mode == "error":
            return 500, {"error": "Cannot translate text: engine crashed"}
        if fake.mode == "rate-limit":
            return 429, {"error": "Too many request limits violations"}
        if fake.mode == "garbage":
            return 200, "<html><body>Gateway says hi</body></html>"
        for language in (body.get("source"), body.get("target")):
            if language not in LANGUAGES:
                return 400, {"error": f"{language} is not supported"}
        fmt = body.get("format", "text")
        texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
        translated = [fake_translate(t, body["source"], body["target"], fmt) for t in texts]
        if fake.mode == "drop-markers":
            translated = [re.sub(r"⟦[^⟧]*⟧", "", text) for text in translated]
        if fake.mode == "short":
            translated = translated[:-1]
        return 200, {"translatedText": translated if isinstance(body["q"], list) else translated[0]}


class FakeLibreTranslate(FakeService):
    handler = LibreTranslateHandler

    def __init__(self, api_key: str = "") -> None:
        super().__init__()
        self.api_key = api_key
