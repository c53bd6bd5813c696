"""Rendering effective values for recipients: per-field escaping, URLs, bulk rendering."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Contact
from content import rendering
from content.resolve import resolve
from tests.content.conftest import publish


def test_fields_are_escaped_by_kind_and_urls_stay_web_urls(library):
    contact = Contact(first_name="<i>Ana</i>", last_name="Lee")
    values = {
        "title": "For {{ contact.first_name }}",
        "body": "<p>{{ contact.first_name }}</p>",
        "cta_url": "https://acme.example/?who={{ contact.last_name }}",
        "case_study": 7,
    }
    got = rendering.render_values(values, contact=contact)
    assert got["title"] == "For <i>Ana</i>"  # plain text: escaped by whoever displays it
    assert got["body"] == "<p>&lt;i&gt;Ana&lt;/i&gt;</p>"
    assert got["cta_url"] == "https://acme.example/?who=Lee"
    assert got["case_study"] == 7
    hijacked = rendering.render_values({"cta_url": "{{ contact.first_name }}"}, contact=contact)
    assert hijacked["cta_url"] == ""


def test_many_contacts_render_without_a_query_each(tenants, library):
    publish(library.local)
    library.local.intro = "Hello {{ contact.first_name }} at {{ account.name }} ({{ unit.name }})"
    library.local.overridden_fields = ["intro"]
    library.local.save()
    Contact.objects.bulk_create(
        Contact(account=library.account, owner_unit=library.account.owner_unit, first_name=f"C{i}")
        for i in range(40)
    )
    contacts = list(
        Contact.objects.filter(account=library.account).select_related("account__owner_unit")
    )
    resolutions = resolve(library.core, contacts=contacts, channel="email")
    with CaptureQueriesContext(connection) as queries:
        rendered = rendering.render_resolutions(resolutions, contacts)
    assert len(queries) == 0
    assert len(rendered) == 41
    first = next(r for r in rendered if r["contact"] == library.contact.pk)
    assert first["values"]["intro"] == "Hello Claire at EDF (France)"
    assert first["asset"] == library.local.pk and first["reason"] == ""
