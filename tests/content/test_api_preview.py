"""Previews and resolution over the API: tokens, hostile texts, rights, languages, PIPL."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Account, Contact
from content import services
from content.models import Asset
from tests.content.conftest import publish

RESOLVE = "/api/v1/content/resolve/"


def errors(response) -> dict[str, str]:
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


def preview_url(asset: Asset, contact: Contact, channel: str = "email") -> str:
    return f"/api/v1/content/assets/{asset.pk}/preview/?contact={contact.pk}&channel={channel}"


def hostile(tenants, library) -> Asset:
    """France's variant carrying tokens, a default, an unknown name and a broken URL."""
    Asset.objects.filter(pk=library.local.pk).update(  # stored as an old import might have
        intro="Bonjour {{ contact.first_name }} de {{ account.name }} ({{ unit.name }}),",
        personal_text=(
            '{{ contact.job_title | default:"ami" }} {{ settings.SECRET_KEY }} '
            "{{ contact.__class__ }} {% load x %}{{ contact.first_name }}"
        ),
        cta_url="{{ contact.first_name }}",
        overridden_fields=["cta_url", "intro", "personal_text"],
    )
    return Asset.objects.get(pk=library.local.pk)


def test_preview_renders_tokens_and_leaves_hostile_text_inert(tenants, api, library):
    asset = hostile(tenants, library)
    library.contact.first_name = "<b>Claire</b>"
    library.contact.save()
    response = api("fr-marketer").get(preview_url(asset, library.contact))
    assert response.status_code == 200, response.json()
    body = response.json()
    values = body["values"]
    assert values["intro"] == "Bonjour &lt;b&gt;Claire&lt;/b&gt; de EDF (France),"
    assert values["title"] == "Grid resilience"
    assert values["personal_text"].startswith("ami  ")  # default used, secrets render empty
    assert "{% load x %}" in values["personal_text"]  # tags stay inert text
    assert "test-only-secret" not in response.content.decode()
    assert values["cta_url"] == ""  # the rendered URL is not http(s): dropped
    assert set(body["unknown_tokens"]["personal_text"]) == {
        "settings.SECRET_KEY",
        "contact.__class__",
    }
    assert body["personal_data_masked"] is False
    # Only the published layers count for a send: EMEA's adaptation, and why.
    resolved = body["resolved"]
    assert resolved["usable"] and resolved["asset"] == library.regional.pk
    assert resolved["layer"] == "regional" and "EMEA" in resolved["why"]
    assert resolved["values"]["body"] == "<p>Outages cost EU utilities money.</p>"


def test_preview_inputs_are_validated_and_contacts_restricted(tenants, api, library):
    client = api("fr-marketer")
    base = f"/api/v1/content/assets/{library.local.pk}/preview/"
    assert "contact" in errors(client.get(base))
    assert "contact" in errors(client.get(base, {"contact": "abc"}))
    assert "contact" in errors(client.get(base, {"contact": 10**9}))
    bad_channel = client.get(base, {"contact": library.contact.pk, "channel": "pigeon"})
    assert bad_channel.status_code == 400 and "channel" in errors(bad_channel)
    german = Contact.objects.create(
        account=Account.objects.create(owner_unit=tenants.unit("de"), name="RWE", country="DE"),
        first_name="Jonas",
    )
    hidden = api("de-marketer").get(preview_url(library.regional, library.contact))
    assert hidden.status_code == 400 and "contact" in errors(hidden)
    assert client.get(preview_url(library.local, german)).status_code == 400
    assert api("de-marketer").get(preview_url(library.local, german)).status_code == 404


def test_preview_masks_personal_data_outside_its_residency_zone(tenants, api, library):
    core = library.core
    chinese = Contact.objects.create(
        account=Account.objects.create(owner_unit=tenants.unit("cn"), name="State Grid"),
        first_name="Wei",
        last_name="Zhang",
        job_title="CTO",
        country="CN",
    )
    assert chinese.residency_zone == "CN"
    services.edit_asset(
        tenants.user("global-marketer"), core, {"intro": "Dear {{ contact.full_name }},"}
    )
    masked = api("global-admin").get(preview_url(core, chinese)).json()
    assert masked["personal_data_masked"] is True
    assert "Wei" not in str(masked) and "Zhang" not in str(masked)
    assert masked["values"]["intro"] == "Dear ••• •••,"
    assert masked["resolved"]["values"]["intro"] == "Dear ••• •••,"
    clear = api("cn-marketer").get(preview_url(core, chinese)).json()
    assert clear["values"]["intro"] == "Dear Wei Zhang," and not clear["personal_data_masked"]


def test_resolve_follows_rights_and_the_language_chain(tenants, api, library):
    publish(library.local)
    client = api("fr-marketer")
    query = {"asset": library.core.pk, "contact": library.contact.pk, "channel": "email"}
    body = client.get(RESOLVE, query).json()
    assert body["asset"] == library.local.pk and body["layer"] == "local"
    assert body["values"]["intro"] == "Hello France," and body["languages"][0] == "en"
    # France's variant is email-only: a LinkedIn send falls back to EMEA's adaptation.
    services.set_rights(tenants.user("fr-marketer"), library.local, channels=["email"])
    linkedin = client.post(RESOLVE, {**query, "channel": "linkedin"}).json()
    assert linkedin["asset"] == library.regional.pk
    # A French translation of the core wins for French speakers, by family key too.
    french = services.translate_asset(
        tenants.user("global-marketer"), library.core, "fr", {"title": "Résilience du réseau"}
    )
    publish(french)
    by_family = client.get(
        RESOLVE,
        {"family": str(library.core.family), "account": library.account.pk, "channel": "email",
         "language": "fr-CA"},
    ).json()  # fmt: skip
    assert by_family["asset"] == french.pk and by_family["language"] == "fr"
    assert by_family["languages"][:2] == ["fr-CA", "fr"] and by_family["contact"] is None
    assert by_family["title"] == "Résilience du réseau"


def test_resolve_reports_why_nothing_is_usable(tenants, api, library):
    past = timezone.now() - timedelta(days=1)
    services.set_rights(tenants.user("global-marketer"), library.core, expires_at=past)
    response = api("fr-marketer").get(
        RESOLVE, {"asset": library.local.pk, "contact": library.contact.pk, "channel": "email"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["usable"] is False and body["asset"] is None and body["values"] == {}
    assert "rights expired" in body["reason"] and "Acme Global" in body["reason"]


def test_resolve_validates_every_input(tenants, api, library):
    client = api("fr-marketer")
    ok = {"asset": library.core.pk, "contact": library.contact.pk, "channel": "email"}
    cases = [
        ({**ok, "channel": "fax"}, "channel"),
        ({**ok, "asset": "x"}, "asset"),
        ({**ok, "asset": 10**9}, "asset"),
        ({k: v for k, v in ok.items() if k != "asset"}, "asset"),
        ({**ok, "family": str(library.core.family)}, "asset"),
        ({"asset": library.core.pk, "channel": "email"}, "contact"),
        ({**ok, "family": "not-a-uuid", "asset": ""}, "family"),
        ({**ok, "language": "français"}, "language"),
        ({**ok, "when": "tomorrow"}, "when"),
        ({**ok, "contact": "1; drop table"}, "contact"),
    ]
    for params, field in cases:
        response = client.get(RESOLVE, params)
        assert response.status_code == 400, (params, response.content)
        assert field in errors(response), (params, errors(response))
    other = Account.objects.create(owner_unit=tenants.unit("fr"), name="Engie", country="FR")
    mismatch = client.post(RESOLVE, {**ok, "account": other.pk})
    assert mismatch.status_code == 400 and "account" in errors(mismatch)
    # Another organisation names nothing it can see.
    outsider = api("globex-fr-admin").get(RESOLVE, ok)
    assert outsider.status_code == 400 and {"asset", "contact"} <= set(errors(outsider))
    assert api().get(RESOLVE, ok).status_code == 401
