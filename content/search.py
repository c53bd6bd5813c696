"""Full-text search over the effective content of assets.

The layered columns hold materialised effective values (see ``LayeredModel``), so a
local variant is found by the words it inherits as well as by those it overrides.

* **PostgreSQL**: weighted full-text search (title A, summary B, body/intro/personal
  text C, call to action/brand claim D), with each asset's text configuration chosen
  from its language (French stemming for French assets; ``simple`` where PostgreSQL has
  no dictionary, e.g. Chinese or Japanese), ``websearch`` syntax (``"exact phrase"``,
  ``-excluded``, ``or``) and results ordered by rank. PostgreSQL's parser reads HTML
  tags as tag tokens and indexes none of them, so ``<strong>`` never matches "strong".
  Languages written without spaces also match by substring, since a whole sentence
  would otherwise be one "word".
* **SQLite** (the embedded default): every word of the query must appear,
  case-insensitively, in one of the fields; markup is stripped before the check so
  tag and attribute names are not words either.

Both take and return a queryset, so callers restrict first and search second.
"""

from __future__ import annotations

import html
import re
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils.html import strip_tags

#: searched fields and their weight (A is the strongest)
WEIGHTS: dict[str, str] = {
    "title": "A",
    "summary": "B",
    "body": "C",
    "intro": "C",
    "personal_text": "C",
    "cta_label": "D",
    "brand_claim": "D",
}
#: base language → PostgreSQL text search configuration shipped with the server
PG_CONFIGS: dict[str, str] = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
#: languages written without spaces between words
UNSPACED = ("zh", "ja", "ko", "th")
#: at most this many words of a query are used (a query is typed, not pasted)
MAX_WORDS = 12

_WORD = re.compile(r"[^\s\"']+")


def words(query: str) -> list[str]:
    """The words of a query, without quotes or websearch operators (``-``, ``or``)."""
    found = [w.lstrip("-") for w in _WORD.findall(query or "")]
    return [w for w in found if w and w.lower() != "or"][:MAX_WORDS]


def search_assets(queryset: QuerySet, query: str) -> QuerySet:
    """``queryset`` narrowed to assets matching ``query``, best matches first.

    A blank query returns ``queryset`` unchanged.
    """
    if not words(query):
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return _postgres(queryset, query)
    return _fallback(queryset, query)


def _in_language(code: str) -> Q:
    """The language itself or a regional variant of it (``fr``, ``fr-CA``)."""
    return Q(language=code) | Q(language__startswith=f"{code}-")


def _config() -> Case:
    whens = [When(_in_language(code), then=Value(config)) for code, config in PG_CONFIGS.items()]
    return Case(*whens, default=Value("simple"), output_field=CharField())


def _postgres(queryset: QuerySet, query: str) -> QuerySet:
    config = _config()
    vector = reduce(
        lambda a, b: a + b,
        (SearchVector(name, weight=weight, config=config) for name, weight in WEIGHTS.items()),
    )
    search = SearchQuery(query, search_type="websearch", config=config)
    unspaced = reduce(or_, (_in_language(code) for code in UNSPACED))
    substring = unspaced & _every_word_somewhere(words(query))
    return (
        queryset.alias(document=vector)
        .filter(Q(document=search) | substring)
        .annotate(search_rank=SearchRank(vector, search))
        .order_by("-search_rank", "-updated_at", "-id")
    )


def _every_word_somewhere(terms: list[str]) -> Q:
    return reduce(
        and_, (reduce(or_, (Q(**{f"{f}__icontains": t}) for f in WEIGHTS)) for t in terms)
    )


def plain_text(value: str) -> str:
    """Visible text of stored markup: tags dropped, entities decoded."""
    return html.unescape(strip_tags(value or ""))


def _fallback(queryset: QuerySet, query: str) -> QuerySet:
    terms = words(query)
    # SQL narrows the candidates; markup is then stripped in Python, so a word that only
    # occurs inside a tag (``<strong>``, ``href=…``) does not count as a match.
    candidates = queryset.filter(_every_word_somewhere(terms)).values_list("pk", *WEIGHTS.keys())
    matched, in_title = [], []
    for pk, *texts in candidates:
        visible = [plain_text(t).casefold() for t in texts]
        if all(any(t.casefold() in text for text in visible) for t in terms):
            matched.append(pk)
            if all(t.casefold() in visible[0] for t in terms):
                in_title.append(pk)
    ranked = Case(When(pk__in=in_title, then=Value(0)), default=Value(1))
    return (
        queryset.filter(pk__in=matched)
        .annotate(search_rank=ranked)
        .order_by("search_rank", "-updated_at", "-id")
    )
