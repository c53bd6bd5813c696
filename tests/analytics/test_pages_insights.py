"""Dashboard pages and admin of insights and replication."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from analytics import insights
from analytics.models import Insight, InsightStatus, Replication
from campaigns.models import Campaign, Playbook
from tests.analytics.test_replication import make_campaign, make_playbook, with_pipeline

pytestmark = pytest.mark.django_db


def client_for(tenants, username: str) -> Client:
    client = Client()
    client.force_login(tenants.user(username))
    return client


def submit(tenants, username="fr-marketer", unit="fr", **fields) -> Insight:
    values = {"text": "Buyers ask for on-site demos", "tags": ["demo"], **fields}
    return insights.submit(tenants.user(username), tenants.unit(unit), **values)


def test_the_feed_shows_what_flows_up_and_filters(tenants):
    french = submit(tenants, tags=["pricing"])
    german = submit(tenants, username="de-marketer", unit="de", tags=["demo"])
    page = client_for(tenants, "emea-viewer").get("/analytics/insights/")
    body = page.content.decode()
    assert f'data-id="insight-{french.pk}"' in body and f'data-id="insight-{german.pk}"' in body
    body = client_for(tenants, "fr-viewer").get("/analytics/insights/").content.decode()
    assert f'data-id="insight-{german.pk}"' not in body
    body = (
        client_for(tenants, "emea-viewer").get("/analytics/insights/?tag=pricing").content.decode()
    )
    assert f'data-id="insight-{german.pk}"' not in body
    assert client_for(tenants, "emea-viewer").get("/analytics/insights/?unit=x").status_code == 400


def test_the_feed_does_not_query_per_row(tenants):
    client = client_for(tenants, "global-manager")
    submit(tenants)
    with CaptureQueriesContext(connection) as few:
        client.get("/analytics/insights/")
    for n in range(5):
        submit(tenants, text=f"Insight {n}")
        submit(tenants, username="us-marketer", unit="us", text=f"US {n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/analytics/insights/")
    assert len(many) == len(few)


def test_a_local_marketer_submits_through_the_form(tenants):
    client = client_for(tenants, "fr-marketer")
    response = client.post(
        "/analytics/insights/new/",
        {"owner_unit": tenants.unit("fr").pk, "text": "Trade fairs work", "tags": "fairs, Events",
         "sentiment": "positive"},
    )  # fmt: skip
    assert response.status_code == 303
    insight = Insight.objects.get()
    assert insight.tags == ["fairs", "events"]
    assert response["Location"] == f"/analytics/insights/{insight.pk}/"
    # bad input is a form error, not a crash, and writes nothing
    response = client.post(
        "/analytics/insights/new/",
        {
            "owner_unit": tenants.unit("fr").pk,
            "text": "x",
            "tags": "no?way",
            "sentiment": "positive",
        },
    )
    assert response.status_code == 400
    assert "not a valid tag" in response.content.decode()
    response = client.post("/analytics/insights/new/", {"owner_unit": "abc", "text": "x"})
    assert response.status_code == 400
    assert Insight.objects.count() == 1


def test_buttons_follow_the_role_and_actions_go_through_the_services(tenants):
    insight = submit(tenants)
    url = f"/analytics/insights/{insight.pk}/"
    own = client_for(tenants, "fr-manager").get(url).content.decode()
    assert 'value="endorse"' not in own and 'id="comment-form"' in own
    region = client_for(tenants, "emea-manager").get(url).content.decode()
    assert 'value="endorse"' in region and 'id="merge-form"' in region
    assert 'value="publish"' not in region
    # a forged post is refused by the service, with its reason
    own_client = client_for(tenants, "fr-manager")
    response = own_client.post(f"{url}action/", {"operation": "endorse"})
    assert response.status_code == 303
    insight.refresh_from_db()
    assert insight.status == InsightStatus.SUBMITTED
    page = own_client.get(url)
    assert "a manager of a unit above France" in page.content.decode()
    client_for(tenants, "emea-manager").post(f"{url}action/", {"operation": "endorse"})
    assert 'value="publish"' in client_for(tenants, "global-manager").get(url).content.decode()
    client_for(tenants, "global-manager").post(f"{url}action/", {"operation": "publish"})
    insight.refresh_from_db()
    assert insight.status == InsightStatus.PUBLISHED
    best = client_for(tenants, "de-viewer").get("/analytics/best-practices/").content.decode()
    assert f'data-id="insight-{insight.pk}"' in best
    assert client_for(tenants, "de-viewer").get(f"{url}action/").status_code == 405
    response = client_for(tenants, "emea-manager").post(f"{url}action/", {"operation": "nope"})
    assert response.status_code == 404


def test_comment_and_merge_from_the_page(tenants):
    survivor = submit(tenants)
    dup = submit(tenants, username="de-marketer", unit="de", tags=["fair"])
    url = f"/analytics/insights/{survivor.pk}/action/"
    client = client_for(tenants, "emea-manager")
    client.post(url, {"operation": "comment", "text": "Let's share this"})
    assert survivor.comments.get().text == "Let's share this"
    client.post(url, {"operation": "merge", "duplicates": "abc"})
    client.post(url, {"operation": "merge", "duplicates": "999999"})
    dup.refresh_from_db()
    assert dup.status == InsightStatus.SUBMITTED
    client.post(url, {"operation": "merge", "duplicates": f"#{dup.pk}"})
    dup.refresh_from_db()
    assert dup.merged_into_id == survivor.pk


def test_a_sibling_gets_a_404_on_the_page_and_the_action(tenants):
    insight = submit(tenants)
    client = client_for(tenants, "de-manager")
    assert client.get(f"/analytics/insights/{insight.pk}/").status_code == 404
    response = client.post(
        f"/analytics/insights/{insight.pk}/action/", {"operation": "comment", "text": "x"}
    )
    assert response.status_code == 404
    assert not insight.comments.exists()


def test_the_pages_read_in_french(tenants):
    submit(tenants)
    with translation.override("fr"):
        client = client_for(tenants, "emea-manager")
        client.cookies["django_language"] = "fr"
        response = client.get("/analytics/insights/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200


def test_replicate_from_the_suggestions_page(tenants):
    playbook = make_playbook(tenants)
    strong = with_pipeline(tenants, "fr", playbook, [3000, 3000], name="Strong")
    with_pipeline(tenants, "fr", playbook, [1000, 0], name="Weak")
    client = client_for(tenants, "emea-marketer")
    page = client.get("/analytics/replication/").content.decode()
    assert f'data-id="campaign-{strong.pk}"' in page
    assert f'data-id="playbook-{playbook.pk}"' in page
    response = client.post(
        "/analytics/replication/replicate/",
        {"origin_campaign": strong.pk, "target_unit": tenants.unit("emea").pk, "name": "EMEA"},
    )
    assert response.status_code == 303
    made = Replication.objects.get()
    assert response["Location"] == f"/campaigns/playbooks/{made.playbook_id}/"
    # a refusal writes nothing and explains itself on the suggestions page
    client = client_for(tenants, "fr-marketer")
    response = client.post(
        "/analytics/replication/replicate/",
        {"origin_campaign": strong.pk, "target_unit": tenants.unit("fr").pk},
    )
    assert response.status_code == 303
    assert (
        "another unit than the campaign" in client.get("/analytics/replication/").content.decode()
    )
    response = client_for(tenants, "de-marketer").post(
        "/analytics/replication/replicate/",
        {"origin_campaign": strong.pk, "target_unit": tenants.unit("de").pk},
    )
    assert response.status_code == 303
    assert Replication.objects.count() == 1
    assert Playbook.objects.filter(owner_unit=tenants.unit("emea")).count() == 1


def test_sideways_from_the_page_opens_the_new_draft_campaign(tenants):
    playbook = make_playbook(tenants)
    origin = make_campaign(tenants, "fr", playbook)
    response = client_for(tenants, "emea-marketer").post(
        "/analytics/replication/replicate/",
        {"origin_campaign": origin.pk, "target_unit": tenants.unit("de").pk},
    )
    created = Campaign.objects.exclude(pk=origin.pk).get()
    assert response["Location"] == f"/campaigns/{created.pk}/"
    assert created.owner_unit.code == "de"


# --- admin ----------------------------------------------------------------------------


def test_the_admin_lists_in_scope_and_curates_through_the_services(tenants):
    french = submit(tenants)
    american = submit(tenants, username="us-marketer", unit="us")
    client = client_for(tenants, "emea-admin")
    listing = client.get("/admin/analytics/insight/").content.decode()
    assert f"/admin/analytics/insight/{french.pk}/change/" in listing
    assert f"/admin/analytics/insight/{american.pk}/change/" not in listing
    response = client.post(
        "/admin/analytics/insight/",
        {"action": "endorse", "_selected_action": [french.pk]},
        follow=True,
    )
    assert response.status_code == 200
    french.refresh_from_db()
    assert french.status == InsightStatus.ENDORSED
    # publishing is global's: refused per insight, with the reason
    response = client.post(
        "/admin/analytics/insight/",
        {"action": "publish", "_selected_action": [french.pk]},
        follow=True,
    )
    assert "managers of the global team" in response.content.decode()
    french.refresh_from_db()
    assert french.status == InsightStatus.ENDORSED
    # an insight out of scope cannot be slipped into the selection
    client.post(
        "/admin/analytics/insight/", {"action": "endorse", "_selected_action": [american.pk]}
    )
    american.refresh_from_db()
    assert american.status == InsightStatus.SUBMITTED
