"""Touches over the API: read-only, filterable, no contact personal data, isolated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from accounts.models import Contact
from campaigns.models import Campaign, Touch, TouchStatus

from .conftest import make_account, make_campaign, plan

TOUCHES = "/api/v1/touches/"


@pytest.fixture
def campaign(tenants, playbook) -> Campaign:
    fr = tenants.unit("fr")
    accounts = [
        make_account(fr, country="FR", contacts=2),
        make_account(fr, country="FR", channels=("email",)),  # LinkedIn skipped: no consent
    ]
    return plan(make_campaign(tenants, "fr", playbook, accounts))


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_touches_show_when_why_and_how_delivery_went(tenants, api, campaign):
    touch = Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED).first()
    Touch.objects.filter(pk=touch.pk).update(
        status=TouchStatus.FAILED, attempts=2, last_error="Provider timed out"
    )
    body = api("fr-viewer").get(f"{TOUCHES}{touch.pk}/").json()
    assert body["status"] == "failed" and body["attempts"] == 2
    assert body["last_error"] == "Provider timed out" and body["personal_data_masked"] is False
    assert body["local_scheduled"].endswith("Europe/Paris")
    assert body["campaign"] == campaign.pk and body["contact"] == touch.contact_id
    assert {"first_name", "last_name", "email", "phone"}.isdisjoint(body)
    skipped = api("fr-viewer").get(TOUCHES, {"reason_code": "no_consent"}).json()["results"]
    assert skipped and skipped[0]["status"] == "skipped"
    assert skipped[0]["reason"] == "No consent recorded for LinkedIn."


def test_touches_are_read_only(tenants, api, campaign):
    touch = Touch.objects.filter(campaign=campaign).first()
    client = api("fr-admin")
    assert client.post(TOUCHES, {"campaign": campaign.pk}).status_code == 405
    assert client.patch(f"{TOUCHES}{touch.pk}/", {"status": "sent"}).status_code == 405
    assert client.put(f"{TOUCHES}{touch.pk}/", {"status": "sent"}).status_code == 405
    assert client.delete(f"{TOUCHES}{touch.pk}/").status_code == 405
    assert Touch.objects.get(pk=touch.pk).status == touch.status


def test_filters(tenants, api, campaign):
    client = api("fr-viewer")
    all_ids = ids(client.get(TOUCHES, {"campaign": campaign.pk, "page_size": 500}))
    assert len(all_ids) == 9  # three contacts, three steps
    planned = client.get(TOUCHES, {"status": "planned"}).json()
    assert planned["count"] == 8
    by_channel = client.get(TOUCHES, {"channel": "linkedin", "status": ["planned", "skipped"]})
    assert by_channel.json()["count"] == 3
    account = campaign.accounts.order_by("pk").first()
    assert client.get(TOUCHES, {"account": account.pk}).json()["count"] == 6
    first = Touch.objects.filter(campaign=campaign).order_by("scheduled_at").first().scheduled_at
    day_one = {
        "scheduled_after": first.isoformat(),
        "scheduled_before": (first + dt.timedelta(hours=1)).isoformat(),
    }
    assert client.get(TOUCHES, day_one).json()["count"] == 3  # step 0, three contacts
    assert client.get(TOUCHES, {"campaign": 999999}).json()["count"] == 0
    assert client.get(TOUCHES, {"account": 10**30}).status_code == 400  # not an overflow
    assert client.get(TOUCHES, {"status": "nope"}).status_code == 400
    assert client.get(TOUCHES, {"scheduled_after": "yesterday"}).status_code == 400


def test_pipl_contacts_show_no_personal_data_outside_their_zone(tenants, api, playbook):
    fr = tenants.unit("fr")
    chinese = make_account(fr, country="CN", basis="separate_consent")
    campaign = plan(make_campaign(tenants, "fr", playbook, [chinese]))
    contact = Contact.objects.get(account=chinese)
    assert contact.residency_zone == "CN"
    touch = Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED).first()
    Touch.objects.filter(pk=touch.pk).update(last_error=f"Mailbox {contact.email} rejected")
    client = api("fr-viewer")
    listed = next(r for r in client.get(TOUCHES).json()["results"] if r["id"] == touch.pk)
    detail = client.get(f"{TOUCHES}{touch.pk}/").json()
    for body in (listed, detail):
        assert body["personal_data_masked"] is True
        assert body["contact"] == contact.pk and contact.email not in str(body)
        assert body["last_error"] == "•••"
    # An explicit grant lifts the mask, as in the contacts API.
    assign_perm("accounts.view_personal_data", tenants.user("fr-viewer"), contact)
    granted = api("fr-viewer").get(f"{TOUCHES}{touch.pk}/").json()
    assert granted["personal_data_masked"] is False
    assert granted["last_error"] == f"Mailbox {contact.email} rejected"


def test_tenant_isolation(tenants, api, campaign):
    touch = Touch.objects.filter(campaign=campaign).first()
    assert touch.pk in ids(api("emea-viewer").get(TOUCHES, {"page_size": 500}))
    for outsider in ("de-admin", "globex-fr-admin"):
        assert api(outsider).get(TOUCHES).json()["count"] == 0
        assert api(outsider).get(f"{TOUCHES}{touch.pk}/").status_code == 404
    assert api(None).get(TOUCHES).status_code == 401


def test_the_list_costs_the_same_for_one_or_many_campaigns(tenants, api, playbook, campaign):
    client = api("fr-viewer")
    client.get(TOUCHES)  # token and scope caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(TOUCHES)
    for _ in range(2):
        account = make_account(tenants.unit("fr"), country="FR")
        plan(make_campaign(tenants, "fr", playbook, [account]))
    with CaptureQueriesContext(connection) as many:
        client.get(TOUCHES)
    assert len(many) == len(few)
