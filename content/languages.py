"""BCP-47 language tags as content uses them: ``fr``, ``fr-CA``, ``zh-Hans-CN``.

Tags are normalised (``FR-ca`` → ``fr-CA``) so that matching a contact's language against
an asset's is a plain string comparison.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: language, optional script, optional region (ISO 3166 alpha-2 or UN M.49 digits)
_TAG = re.compile(r"^([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|[0-9]{3}))?$")

#: the language every organisation falls back to when nothing else is configured
DEFAULT_LANGUAGE = "en"


def normalise_tag(tag: str) -> str:
    """Canonical case of a tag (``FR_ca`` → ``fr-CA``); unparseable input is returned trimmed."""
    raw = (tag or "").strip().replace("_", "-")
    match = _TAG.match(raw.lower())
    if not match:
        return raw
    language, script, region = match.groups()
    parts = [language]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


def is_valid_tag(tag: str) -> bool:
    return bool(tag) and _TAG.match(normalise_tag(tag).lower()) is not None


def validate_language_tag(tag: str) -> None:
    """Field validator: a language subtag, optionally a script and a region."""
    if not is_valid_tag(tag):
        raise ValidationError(
            _("“%(tag)s” is not a language tag such as en, fr or fr-CA."),
            params={"tag": tag},
            code="language",
        )


def base_language(tag: str) -> str:
    """The language subtag alone: ``fr-CA`` → ``fr``."""
    return normalise_tag(tag).split("-")[0]


def same_language(a: str, b: str) -> bool:
    """Whether two tags name the same language (regional variants of it included)."""
    return bool(a) and bool(b) and base_language(a) == base_language(b)
