"""Personalisation tokens: ``{{ contact.first_name | default:"there" }}`` and nothing more.

Asset texts are written by marketers in every unit, so they are untrusted input. They are
never handed to a template engine: one regular expression finds the tokens, each token must
name an entry of an explicit allowlist, and the values come from a dict of plain strings
built beforehand by :func:`token_context`. There is no attribute lookup, no filter other
than ``default``, no tag, no loop and no second pass, so a text cannot reach a Python object,
a setting or a method, and rendering takes time proportional to the size of the text.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Bounds, in characters. An email or landing page is far below them; a text above
# MAX_INPUT is refused before scanning, and rendering stops as soon as MAX_OUTPUT is passed.
MAX_INPUT = 500_000
MAX_OUTPUT = 1_000_000
# Longest text between "{{" and "}}" taken as a token. Bounding it keeps the scan linear:
# every "{{" is examined over at most this many characters, whatever follows.
MAX_EXPRESSION = 200
# validate() names at most this many problems, so an error message stays readable.
MAX_REPORTED = 20

# One pass, left to right. Braces are excluded inside a token so that tokens never nest;
# an opening "{{" that does not start a token, and every "{%"/"{#" of the Django or Jinja
# syntax, are matched too so that validate() can report them (render() leaves them as text).
_SCAN = re.compile(
    r"\{\{(?P<expr>[^{}]{0," + str(MAX_EXPRESSION) + r"})\}\}|(?P<tag>\{%|\{#)|(?P<stray>\{\{)"
)
_EXPRESSION = re.compile(
    r"""\s*
    (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    \s*
    (?:\|\s*default\s*:\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\s*)?
    """,
    re.VERBOSE,
)


class TokenError(ValueError):
    """A text or its rendering is beyond the size bounds."""


@dataclass(frozen=True)
class Token:
    """One allowlisted token: its name in texts, its label in the authoring UI, its source."""

    name: str
    label: Promise | str
    source: str  # "account", "contact" or "unit": which object of token_context() feeds it
    extract: Callable[[Any], str]


def _field(attribute: str) -> Callable[[Any], str]:
    """Read one known attribute as text; anything that is not a plain value reads as ''."""

    def extract(obj: Any) -> str:
        value = getattr(obj, attribute, "")
        if isinstance(value, bool) or not isinstance(value, str | int):
            return ""
        return str(value)

    return extract


def _full_name(contact: Any) -> str:
    # Same order as Contact.__str__, so the preview and the contact lists agree.
    first, last = _field("first_name")(contact), _field("last_name")(contact)
    return f"{first} {last}".strip()


def _first_country(unit: Any) -> str:
    countries = getattr(unit, "countries", None)
    if isinstance(countries, list) and countries and isinstance(countries[0], str):
        return countries[0]
    return ""


TOKENS: Mapping[str, Token] = {
    token.name: token
    for token in (
        Token("account.name", _("Account name"), "account", _field("name")),
        Token("account.legal_name", _("Account legal name"), "account", _field("legal_name")),
        Token("account.domain", _("Account website domain"), "account", _field("domain")),
        Token("account.country", _("Account country (ISO code)"), "account", _field("country")),
        Token("account.industry", _("Account industry"), "account", _field("industry")),
        Token("contact.first_name", _("Contact first name"), "contact", _field("first_name")),
        Token("contact.last_name", _("Contact last name"), "contact", _field("last_name")),
        Token("contact.full_name", _("Contact full name"), "contact", _full_name),
        Token("contact.job_title", _("Contact job title"), "contact", _field("job_title")),
        Token("unit.name", _("Team name"), "unit", _field("name")),
        Token("unit.country", _("Team country (ISO code)"), "unit", _first_country),
    )
}


def token_context(account: Any = None, contact: Any = None, unit: Any = None) -> dict[str, str]:
    """The allowlisted values of the given objects, as plain strings keyed by token name.

    Only concrete fields are read, never a relation, so this issues no query: the caller
    passes the objects it already loaded (the resolver loads them in bulk). An object left
    out contributes no key, and its tokens fall back to their defaults.
    """
    sources = {"account": account, "contact": contact, "unit": unit}
    return {
        name: token.extract(sources[token.source])
        for name, token in TOKENS.items()
        if sources[token.source] is not None
    }


@dataclass(frozen=True)
class _Parsed:
    name: str
    default: str
    valid: bool  # well-formed; an unknown but well-formed name is still valid syntax


def _parse(expression: str) -> _Parsed:
    match = _EXPRESSION.fullmatch(expression)
    if match is None:
        return _Parsed(expression.strip(), "", valid=False)
    default = match["dq"] if match["dq"] is not None else (match["sq"] or "")
    return _Parsed(match["name"], default, valid=True)


def _check_input(text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"Expected text as str, got {type(text).__name__}.")
    if len(text) > MAX_INPUT:
        raise TokenError(
            f"Text of {len(text)} characters is too long to personalise "
            f"(at most {MAX_INPUT} characters)."
        )


def render(text: str, context: Mapping[str, str], *, html: bool = False) -> str:
    """Substitute the tokens of ``text`` with values from ``context`` (see token_context).

    A missing or empty value gives the token's default, or ''. An unknown or malformed
    token renders as ''. Values are inserted once, never rendered again, and escaped for
    HTML when ``html`` is true. Raises TokenError when the text or the result is too large.
    """
    _check_input(text)
    parts: list[str] = []
    size = 0
    position = 0
    for match in _SCAN.finditer(text):
        expression = match["expr"]
        if expression is None:
            continue  # tags and stray braces stay as written; validate() reports them
        parsed = _parse(expression)
        value = ""
        if parsed.valid and parsed.name in TOKENS:
            value = context.get(parsed.name, "")
            if not isinstance(value, str):
                raise TypeError(
                    f"Context value for {parsed.name} must be a str, not {type(value).__name__}."
                )
            value = value or parsed.default
        if html:
            value = html_lib.escape(value)
        literal = text[position : match.start()]
        size += len(literal) + len(value)
        if size > MAX_OUTPUT:
            raise TokenError(f"Personalised text exceeds {MAX_OUTPUT} characters.")
        parts += (literal, value)
        position = match.end()
    size += len(text) - position
    if size > MAX_OUTPUT:
        raise TokenError(f"Personalised text exceeds {MAX_OUTPUT} characters.")
    parts.append(text[position:])
    return "".join(parts)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _expressions(text: str) -> list[_Parsed]:
    _check_input(text)
    return [_parse(m["expr"]) for m in _SCAN.finditer(text) if m["expr"] is not None]


def tokens_used(text: str) -> list[str]:
    """Allowlisted token names that ``text`` uses, once each, in order of appearance."""
    return _unique(p.name for p in _expressions(text) if p.valid and p.name in TOKENS)


def unknown_tokens(text: str) -> list[str]:
    """Tokens of ``text`` that will render as '': unknown names and malformed expressions."""
    return _unique(p.name for p in _expressions(text) if not (p.valid and p.name in TOKENS))


def _excerpt(text: str, start: int) -> str:
    """Up to the first closing brace(s) after ``start``, on one line, at most 40 chars."""
    excerpt = text[start : start + 40].split("\n", 1)[0]
    end = excerpt.find("}", 2)
    if end == -1:
        return excerpt
    end += 2 if excerpt[end + 1 : end + 2] == "}" else 1
    return excerpt[:end]


def validate(text: str, *, field: str | None = None) -> None:
    """Refuse, at authoring time, a text whose tokens would not all render a value.

    Raises ValidationError listing each unknown token, malformed token, template tag and
    unmatched "{{" (keyed by ``field`` when given, so a model's clean() can pass it on).
    """
    try:
        _check_input(text)
    except TokenError:
        error = ValidationError(
            _("The text is too long to personalise (at most %(max)s characters)."),
            code="too_long",
            params={"max": MAX_INPUT},
        )
        raise ValidationError({field: error}) if field else error from None
    errors: list[ValidationError] = []
    seen: set[tuple[str, str]] = set()
    for match in _SCAN.finditer(text):
        if match["expr"] is not None:
            parsed = _parse(match["expr"])
            if not parsed.valid:
                problem = ("invalid_token", parsed.name)
                message = _(
                    'Invalid token "%(token)s": write {{ name }} or '
                    '{{ name | default:"text" }}, with no other filter.'
                )
            elif parsed.name not in TOKENS:
                problem = ("unknown_token", parsed.name)
                message = _('Unknown token "%(token)s".')
            else:
                continue
        elif match["tag"] is not None:
            problem = ("template_tag", _excerpt(text, match.start()))
            message = _('Template tags are not allowed: "%(token)s".')
        else:
            problem = ("unmatched_braces", _excerpt(text, match.start()))
            message = _('"{{" does not start a valid token: "%(token)s".')
        if problem in seen:
            continue
        seen.add(problem)
        errors.append(ValidationError(message, code=problem[0], params={"token": problem[1]}))
    if not errors:
        return
    if len(errors) > MAX_REPORTED:
        more = len(errors) - MAX_REPORTED
        errors = errors[:MAX_REPORTED]
        errors.append(
            ValidationError(
                _("… and %(count)s more problems."), code="more", params={"count": more}
            )
        )
    raise ValidationError({field: errors}) if field else ValidationError(errors)


def preview(
    text: str, account: Any = None, contact: Any = None, unit: Any = None, *, html: bool = False
) -> str:
    """``text`` as the given contact of the given account would receive it from ``unit``."""
    return render(text, token_context(account=account, contact=contact, unit=unit), html=html)
