"""The personalisation preview page: tokens rendered for a chosen contact, inert otherwise."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import Account, Contact
from content import services
from content.models import Asset
from tests.content.conftest import publish

pytestmark = pytest.mark.django_db


def _preview(client, asset, contact, channel: str = "email") -> str:
    response = client.get(
        f"/content/{asset.pk}/preview/", {"contact": contact.pk, "channel": channel}
    )
    assert response.status_code == 200
    return response.content.decode()


def _field(page: str, name: str) -> str:
    match = re.search(rf'<dd data-field="{name}">(.*?)</dd>', page, re.S)
    assert match, name
    return match.group(1)


def test_the_preview_renders_tokens_for_the_contact(client, tenants, library):
    services.edit_asset(
        tenants.user("fr-marketer"),
        library.local,
        {"intro": "Bonjour {{ contact.first_name }} de {{ account.name }} ({{ unit.name }}),"},
    )
    client.force_login(tenants.user("fr-marketer"))
    page = _preview(client, library.local, library.contact)
    assert "Bonjour Claire de EDF (France)," in _field(page, "intro")
    assert "Unknown tokens" not in page


def test_the_preview_shows_the_resolvers_choice_and_reason(client, tenants, library):
    client.force_login(tenants.user("fr-marketer"))
    # France's variant is a draft: a send would use EMEA's published adaptation.
    page = _preview(client, library.local, library.contact)
    assert f'href="/content/{library.regional.pk}/"' in page
    assert "(not the asset previewed below)" in page
    services.set_rights(tenants.user("global-marketer"), library.core, channels=["linkedin"])
    page = _preview(client, library.local, library.contact)
    assert 'id="resolution-reason"' in page
    assert "Not licensed for email" in page


def test_hostile_text_stays_inert(client, tenants, library):
    hostile = {
        "intro": "Hi {{ settings.SECRET_KEY }} {% debug %} {{ contact.__class__ }}",
        "personal_text": "<p>{{ request.user.password }}{% load static %}</p>",
    }
    with pytest.raises(ValidationError):  # authoring refuses it ...
        services.edit_asset(tenants.user("fr-marketer"), library.local, hostile)
    # ... and text that got in another way (older data, a raw import) still renders inert.
    Asset.objects.filter(pk=library.local.pk).update(**hostile)
    publish(library.local)
    client.force_login(tenants.user("fr-marketer"))
    page = _preview(client, library.local, library.contact)
    assert settings.SECRET_KEY not in page
    intro = _field(page, "intro")
    assert "{% debug %}" in intro  # shown as text, never executed
    assert "settings.SECRET_KEY" in intro  # listed as an unknown token
    assert "sql_queries" not in page and "&lt;class" not in page
    personal = _field(page, "personal_text")
    assert "request.user.password" in personal  # only in the unknown-token list
    assert "{% load static %}" in personal
    # the asset page reports the same tokens at authoring time
    detail = client.get(f"/content/{library.local.pk}/").content.decode()
    assert "Tokens that will render empty:" in detail and settings.SECRET_KEY not in detail


def test_token_values_are_escaped(client, tenants, library):
    account = Account.objects.create(
        owner_unit=tenants.unit("fr"), name='<script>alert("x")</script> SA', country="FR"
    )
    contact = Contact.objects.create(account=account, first_name="<b>Eve</b>", country="FR")
    services.edit_asset(
        tenants.user("fr-marketer"),
        library.local,
        {"intro": "<p>Hi {{ contact.first_name }} at {{ account.name }}</p>"},
    )
    client.force_login(tenants.user("fr-marketer"))
    intro = _field(_preview(client, library.local, contact), "intro")
    assert "<script>" not in intro and "<b>Eve</b>" not in intro
    assert "&lt;b&gt;Eve&lt;/b&gt;" in intro


def test_a_pipl_contact_renders_masked(client, tenants, library):
    account = Account.objects.create(owner_unit=tenants.unit("cn"), name="Sinopec", country="CN")
    contact = Contact.objects.create(
        account=account, first_name="Li", last_name="Wei", country="CN"
    )
    assert contact.residency_zone == "CN"
    services.edit_asset(
        tenants.user("global-marketer"), library.core, {"intro": "Dear {{ contact.first_name }},"}
    )
    client.force_login(tenants.user("global-marketer"))  # global is outside the CN zone
    page = _preview(client, library.core, contact)
    assert "Dear •••," in _field(page, "intro")
    assert "Li" not in re.sub(r"<[^>]+>", "", _field(page, "intro"))
    client.force_login(tenants.user("cn-marketer"))
    assert "Dear Li," in _field(_preview(client, library.core, contact), "intro")


def test_contacts_outside_the_users_scope_cannot_be_chosen(client, tenants, library):
    publish(library.local)
    german = Account.objects.create(owner_unit=tenants.unit("de"), name="RWE", country="DE")
    stranger = Contact.objects.create(account=german, first_name="Jonas", country="DE")
    client.force_login(tenants.user("fr-marketer"))
    response = client.get(
        f"/content/{library.core.pk}/preview/", {"contact": stranger.pk, "channel": "email"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jonas" not in page and 'id="rendered"' not in page
    assert "Claire" in page  # its own contacts are offered
