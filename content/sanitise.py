"""Sanitising author-supplied markup before it is stored.

Bodies are HTML or Markdown typed by marketers in many markets, then shown in the
dashboard and sent by email. Whatever reaches the database must already be inert, so
every later consumer (templates, exports, channel adapters) can trust it.
"""

from __future__ import annotations

import nh3

#: tags authors need for rich email and landing-page copy; nothing that runs code
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def clean_markup(text: str) -> str:
    """Strip scripts, event handlers and unsafe URLs; keep formatting.

    Text without a ``<`` cannot contain an element, so it is kept verbatim: Markdown
    (``> quote``, ``a & b``) stays readable instead of being entity-encoded. Applying it
    twice gives the same result, so re-saving never looks like an edit.
    """
    if not text or "<" not in text:
        return text or ""
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
