"""Effective content as one recipient sees it: personalisation tokens substituted.

Previews, the resolve endpoint and the orchestration engine render through here, so a
field is escaped the same way everywhere: markup fields (sanitised HTML/Markdown) get
HTML-escaped token values, plain fields get the raw text, and the call-to-action URL is
checked again after substitution — a token must never turn it into ``javascript:``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from content import tokens
from content.models import Asset

if TYPE_CHECKING:
    from content.resolve import Resolution

#: fields stored as sanitised markup: token values are HTML-escaped inside them
HTML_FIELDS = frozenset(Asset.markup_fields)
#: the only field rendered as a link target
URL_FIELD = "cta_url"
#: layered fields holding author text (the others, such as case_study, are ids)
TEXT_FIELDS = tuple(
    name
    for name in Asset.layered_fields
    if Asset._meta.get_field(name).get_internal_type() in ("CharField", "TextField")
)

_web_url = URLValidator(schemes=["http", "https"])


def _safe_url(url: str) -> str:
    """The rendered URL if it is still an http(s) URL, else '' (the link is dropped)."""
    if not url:
        return ""
    try:
        _web_url(url)
    except ValidationError:
        return ""
    return url


def render_with(values: Mapping[str, Any], context: Mapping[str, str]) -> dict[str, Any]:
    """Render ``values`` with a prepared token context; non-text values pass unchanged."""
    rendered: dict[str, Any] = {}
    for name, value in values.items():
        if name not in TEXT_FIELDS or not isinstance(value, str):
            rendered[name] = value
        elif name == URL_FIELD:
            rendered[name] = _safe_url(tokens.render(value, context).strip())
        else:
            rendered[name] = tokens.render(value, context, html=name in HTML_FIELDS)
    return rendered


def render_values(
    values: Mapping[str, Any], *, account: Any = None, contact: Any = None, unit: Any = None
) -> dict[str, Any]:
    """``values`` (effective layered values) personalised for one recipient.

    Text fields come back as strings; ``case_study`` (an id) passes through as is.
    """
    context = tokens.token_context(account=account, contact=contact, unit=unit)
    return render_with(values, context)


def unknown_tokens(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per text field, the tokens that render as nothing (unknown or malformed)."""
    found = {}
    for name in TEXT_FIELDS:
        value = values.get(name)
        if isinstance(value, str) and value:
            unknown = tokens.unknown_tokens(value)
            if unknown:
                found[name] = unknown
    return found


def check_tokens(values: Mapping[str, Any]) -> None:
    """Refuse, at authoring time, text fields with unknown tokens or template tags."""
    errors: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = values.get(name)
        if not isinstance(value, str) or not value:
            continue
        try:
            tokens.validate(value, field=name)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)


def render_resolutions(
    resolutions: Iterable[Resolution], contacts: Iterable[Any]
) -> list[dict[str, Any]]:
    """Render each usable resolution for its contact, without a query.

    ``contacts`` must come with their account and its owning unit loaded in bulk
    (``Contact.objects.select_related("account__owner_unit")``): the account gives the
    ``account.*`` tokens and its unit — the team that sends — the ``unit.*`` tokens.
    Unusable resolutions give ``{"contact": id, "asset": None, "reason": ...}``.
    """
    loaded = {contact.pk: contact for contact in contacts}
    rendered = []
    for resolution in resolutions:
        contact = loaded.get(resolution.contact.pk, resolution.contact)
        item: dict[str, Any] = {
            "contact": contact.pk,
            "asset": resolution.asset.pk if resolution.asset is not None else None,
            "languages": list(resolution.languages),
            "reason": resolution.reason,
            "values": {},
        }
        if resolution.usable:
            account = contact.account if "account" in contact._state.fields_cache else None
            unit = (
                account.owner_unit
                if account is not None and "owner_unit" in account._state.fields_cache
                else None
            )
            item["values"] = render_values(
                resolution.values, account=account, contact=contact, unit=unit
            )
        rendered.append(item)
    return rendered
