"""The translation workflow and glossary over the REST API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import GlossaryTerm, TaskStatus, TranslationTask

DUE = (timezone.now() + timedelta(days=5)).isoformat()
REQUESTS = "/api/v1/content/translation-requests/"
TASKS = "/api/v1/content/translation-tasks/"
GLOSSARY = "/api/v1/content/glossary/"


def attrs(response) -> dict[str, str]:
    """Field → message of a 400 answer (the API's standard error shape)."""
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


@pytest.fixture
def requested(api, tenants, library):
    client = api("global-marketer")
    response = client.post(
        REQUESTS,
        {
            "asset": library.core.pk,
            "targets": [
                {"unit": tenants.unit("fr").pk, "language": "fr"},
                {"unit": tenants.unit("de").pk, "language": "de"},
            ],
            "due_at": DUE,
            "instructions": "Formal tone",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_it_creates_a_request_with_its_tasks(requested):
    assert requested["owner_unit_code"] == "global"
    assert requested["requested_by"] == "global-marketer"
    assert sorted((t["owner_unit_code"], t["language"]) for t in requested["tasks"]) == [
        ("de", "de"),
        ("fr", "fr"),
    ]


def test_each_unit_lists_only_its_tasks(api, requested):
    listed = api("fr-marketer").get(TASKS).json()["results"]
    assert [(t["owner_unit_code"], t["instructions"]) for t in listed] == [("fr", "Formal tone")]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"targets": []}, "targets"),
        ({"targets": [{"unit": 0, "language": "fr"}]}, "targets"),
        ({"due_at": "yesterday"}, "due_at"),
        ({"asset": 0}, "asset"),
    ],
)
def test_bad_requests_answer_400_with_the_field(api, tenants, library, payload, field):
    body = {
        "asset": library.core.pk,
        "targets": [{"unit": tenants.unit("fr").pk, "language": "fr"}],
        "due_at": DUE,
        **payload,
    }
    response = api("global-marketer").post(REQUESTS, body, format="json")
    assert response.status_code == 400, response.content
    assert any(attr.startswith(field) for attr in attrs(response))


def test_service_refusals_are_400s_naming_the_field(api, tenants, library, requested):
    response = api("global-marketer").post(
        REQUESTS,
        {
            "asset": library.core.pk,
            "targets": [{"unit": tenants.unit("fr").pk, "language": "fr"}],
            "due_at": DUE,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "already has an open task" in attrs(response)["targets"]


def test_a_translator_submits_through_the_api(api, requested):
    task = next(t for t in requested["tasks"] if t["language"] == "fr")
    client = api("fr-marketer")
    bad = client.post(f"{TASKS}{task['id']}/submit/", {"values": {"price": "1"}}, format="json")
    assert bad.status_code == 400 and "price" in attrs(bad)
    ok = client.post(
        f"{TASKS}{task['id']}/submit/", {"values": {"title": "Résilience"}}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == TaskStatus.IN_REVIEW and ok.json()["result"]
    assert (
        api("de-marketer").post(f"{TASKS}{task['id']}/submit/", {}, format="json").status_code
        == 404
    )


def test_cancelling_is_for_the_requesting_side(api, requested):
    task = requested["tasks"][0]
    assert api("fr-admin").post(f"{TASKS}{task['id']}/cancel/").status_code in (403, 404)
    response = api("global-marketer").post(f"{REQUESTS}{requested['id']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert not TranslationTask.objects.exclude(status=TaskStatus.CANCELLED).exists()
    again = api("global-marketer").post(f"{REQUESTS}{requested['id']}/cancel/")
    assert again.status_code == 400 and "status" in attrs(again)


def test_glossary_terms_are_written_by_managers_and_read_below(api, tenants):
    emea = tenants.unit("emea")
    payload = {"owner_unit": emea.pk, "term": "Gridline", "do_not_translate": True}
    assert api("emea-marketer").post(GLOSSARY, payload, format="json").status_code in (400, 403)
    created = api("emea-manager").post(GLOSSARY, payload, format="json")
    assert created.status_code == 201, created.content
    term_id = created.json()["id"]
    assert [t["term"] for t in api("fr-viewer").get(GLOSSARY).json()["results"]] == ["Gridline"]
    assert api("us-admin").get(f"{GLOSSARY}{term_id}/").status_code == 404
    assert (
        api("fr-admin").patch(f"{GLOSSARY}{term_id}/", {"note": "x"}, format="json").status_code
        == 403
    )
    duplicate = api("emea-manager").post(GLOSSARY, payload, format="json")
    assert duplicate.status_code == 400
    neither = api("emea-manager").post(
        GLOSSARY, {"owner_unit": emea.pk, "term": "Grid"}, format="json"
    )
    assert neither.status_code == 400 and "do_not_translate" in attrs(neither)
    assert GlossaryTerm.objects.count() == 1
