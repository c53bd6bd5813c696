"""Personalisation preview: an asset as one contact would receive it on one channel.

The contact list is the user's restricted contacts, masked where their residency zone
forbids (PIPL): a masked contact previews with masked values. Texts go through the
allowlisted token renderer only; rendered markup is sanitised again before display.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import privacy
from accounts.models import Contact
from content import tokens
from content.display import TOKEN_FIELDS, safe_markup
from content.forms import PreviewForm
from content.models import Asset
from content.resolve import resolve_one
from content.views import access_asset, visible_assets

#: contacts offered in the picker (any visible contact can still be asked for by id)
CONTACT_CHOICES = 200


def _contacts(user, asset: Asset, chosen: str | None) -> list[Contact]:
    base = Contact.objects.restrict(user, "view").select_related("account__owner_unit")
    if asset.account_id:
        base = base.filter(account_id=asset.account_id)
    contacts = list(base.order_by("last_name", "first_name", "pk")[:CONTACT_CHOICES])
    if chosen and chosen.isdigit() and all(c.pk != int(chosen) for c in contacts):
        contacts += list(base.filter(pk=int(chosen)))
    return privacy.protect(user, contacts)


def render_fields(asset: Asset, contact: Contact) -> list[dict[str, Any]]:
    """Each text field rendered for ``contact``, with the tokens that rendered empty."""
    account = contact.account
    context = tokens.token_context(account=account, contact=contact, unit=account.owner_unit)
    rows = []
    for name in TOKEN_FIELDS:
        text = getattr(asset, name) or ""
        if not text:
            continue
        markup = name in asset.markup_fields
        try:
            rendered = tokens.render(text, context, html=markup)
        except tokens.TokenError as exc:
            rows.append({"field": name, "label": _label(name), "error": str(exc)})
            continue
        rows.append(
            {
                "field": name,
                "label": _label(name),
                "value": safe_markup(rendered) if markup else rendered,
                "unknown": tokens.unknown_tokens(text),
            }
        )
    return rows


def _label(name: str) -> str:
    return str(Asset._meta.get_field(name).verbose_name)


@login_required
def asset_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a contact and a channel; see the rendered content and what a send would use."""
    asset = access_asset(request, pk)
    contacts = _contacts(request.user, asset, request.GET.get("contact"))
    form = PreviewForm(request.GET or None, contacts=contacts)
    context: dict[str, Any] = {"asset": asset, "form": form}
    if form.is_bound and form.is_valid():
        contact = next(c for c in contacts if c.pk == form.cleaned_data["contact"])
        resolution = resolve_one(asset, contact, channel=form.cleaned_data["channel"])
        chosen = resolution.asset
        context.update(
            contact=contact,
            rows=render_fields(asset, contact),
            resolution=resolution,
            chosen_visible=chosen is not None
            and visible_assets(request.user).filter(pk=chosen.pk).exists(),
        )
    return render(request, "content/asset_preview.html", context)
