"""``/api/v1/insights/``: the tree rule, filters, curation actions and bad input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import insights
from analytics.models import Insight, InsightStatus
from tests.analytics.conftest import make_account

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/"


def submit(tenants, username="fr-marketer", unit="fr", **fields) -> Insight:
    values = {"text": "Buyers ask for on-site demos", "tags": ["demo"], **fields}
    return insights.submit(tenants.user(username), tenants.unit(unit), **values)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_submits_for_the_unit_you_act_for(tenants, api):
    account = make_account(tenants.unit("fr"))
    response = api("fr-marketer").post(
        URL,
        {
            "text": "Procurement wants ROI cases",
            "tags": ["ROI"],
            "sentiment": "positive",
            "account": account.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_unit_code"] == "fr"
    assert body["tags"] == ["roi"]
    assert body["account_name"] == account.name
    assert body["author"] == "fr-marketer"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": "x", "sentiment": "furious"}, "sentiment"),
        ({"text": "x", "tags": "not a list"}, "tags"),
        ({"text": "x", "tags": ["two words"]}, "tags"),
        ({"text": "x", "account": "abc"}, "account"),
        ({"text": "x", "account": 10**30}, "account"),
        ({"text": "x", "owner_unit": -1}, "owner_unit"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(tenants, api, payload, field):
    response = api("fr-marketer").post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert not Insight.objects.exists()


def test_submitting_for_a_unit_you_do_not_belong_to(tenants, api):
    # the sibling is not even a valid choice; the region sees fr but does not write for it
    response = api("de-marketer").post(
        URL, {"text": "x", "owner_unit": tenants.unit("fr").pk}, format="json"
    )
    assert response.status_code == 400
    response = api("emea-marketer").post(
        URL, {"text": "x", "owner_unit": tenants.unit("fr").pk}, format="json"
    )
    assert response.status_code == 403
    assert not Insight.objects.exists()


def test_the_list_follows_the_tree_and_filters(tenants, api):
    campaign_free = submit(tenants, sentiment="negative", tags=["pricing"])
    german = submit(tenants, username="de-marketer", unit="de", tags=["demo"])
    american = submit(tenants, username="us-marketer", unit="us")
    assert ids(api("fr-viewer").get(URL)) == {campaign_free.pk}
    assert ids(api("emea-viewer").get(URL)) == {campaign_free.pk, german.pk}
    assert ids(api("global-viewer").get(URL)) == {campaign_free.pk, german.pk, american.pk}
    assert ids(api("globex-global-admin").get(URL)) == set()
    client = api("global-viewer")
    assert ids(client.get(URL, {"tag": "pricing"})) == {campaign_free.pk}
    assert ids(client.get(URL, {"tag": "pric"})) == set()  # whole tags only
    assert ids(client.get(URL, {"sentiment": "negative"})) == {campaign_free.pk}
    assert ids(client.get(URL, {"unit": tenants.unit("emea").pk})) == {campaign_free.pk, german.pk}
    assert ids(client.get(URL, {"status": "submitted"})) == {
        campaign_free.pk,
        german.pk,
        american.pk,
    }
    assert client.get(URL, {"unit": "abc"}).status_code == 400
    assert client.get(URL, {"sentiment": "furious"}).status_code == 400
    assert client.get(URL, {"campaign": 0}).status_code == 400


def test_the_list_does_not_query_per_insight(tenants, api):
    client = api("global-viewer")
    first = submit(tenants, account=make_account(tenants.unit("fr")))
    insights.comment(tenants.user("fr-marketer"), first, "A remark")
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(5):
        insight = submit(tenants, text=f"Insight {n}", account=make_account(tenants.unit("fr")))
        insights.comment(tenants.user("fr-marketer"), insight, "A remark")
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_siblings_get_a_404_and_wrong_tiers_a_403(tenants, api):
    insight = submit(tenants)
    detail = f"{URL}{insight.pk}/"
    assert api("de-admin").get(detail).status_code == 404
    assert api("de-admin").post(f"{detail}endorse/").status_code == 404
    assert api("globex-global-admin").post(f"{detail}comment/", {"text": "hi"}).status_code == 404
    response = api("fr-manager").post(f"{detail}endorse/")
    assert response.status_code == 403
    assert "manager of a unit above France" in response.content.decode()
    assert api("emea-manager").post(f"{detail}publish/").status_code == 403
    assert api("emea-viewer").post(f"{detail}comment/", {"text": "hi"}).status_code == 403


def test_the_curation_path_endorse_comment_publish(tenants, api):
    account = make_account(tenants.unit("fr"))
    insight = submit(tenants, account=account)
    detail = f"{URL}{insight.pk}/"
    response = api("emea-manager").post(f"{detail}endorse/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "endorsed"
    response = api("emea-marketer").post(f"{detail}comment/", {"text": "Seen in Poland too"})
    assert response.status_code == 201
    assert api("emea-marketer").post(f"{detail}comment/", {}).status_code == 400
    response = api("global-manager").post(f"{detail}publish/")
    assert response.json()["status"] == "published"
    # now a best practice: the sibling reads it (and its discussion) but not the account
    body = api("de-viewer").get(detail).json()
    assert body["comments"][0]["text"] == "Seen in Poland too"
    assert body["account"] is None and body["account_name"] is None
    assert api("emea-viewer").get(detail).json()["account_name"] == account.name
    assert api("de-manager").post(f"{detail}comment/", {"text": "x"}).status_code == 403
    # a second publication is a state error, not a crash
    assert api("global-manager").post(f"{detail}publish/").status_code == 400


def test_merge_over_the_api(tenants, api):
    survivor = submit(tenants)
    dup = submit(tenants, username="de-marketer", unit="de", tags=["fair"])
    american = submit(tenants, username="us-marketer", unit="us")
    url = f"{URL}{survivor.pk}/merge/"
    client = api("emea-manager")
    assert client.post(url, {"duplicates": []}, format="json").status_code == 400
    assert client.post(url, {"duplicates": ["x"]}, format="json").status_code == 400
    # America's insight is invisible to EMEA: same answer as an id that does not exist
    response = client.post(url, {"duplicates": [dup.pk, american.pk]}, format="json")
    assert response.status_code == 400
    assert str(american.pk) in response.content.decode()
    response = client.post(url, {"duplicates": [dup.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["demo", "fair"]
    dup.refresh_from_db()
    assert dup.status == InsightStatus.MERGED and dup.merged_into_id == survivor.pk
    assert api("emea-manager").post(url, {"duplicates": [dup.pk]}, format="json").status_code == 400
