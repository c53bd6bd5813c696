"""POST /api/v1/content/assets/{id}/generate-draft/: a draft variant, never published."""

from __future__ import annotations

import pytest

from content.models import Asset, Status
from tests.content.conftest import LLM_KEY


@pytest.fixture
def generator(settings, chat_llm):
    settings.CONTENT_DRAFT_GENERATOR = "chat-completions"
    settings.DRAFT_LLM_URL = chat_llm.url
    settings.DRAFT_LLM_MODEL = "local-7b"
    settings.DRAFT_LLM_API_KEY = LLM_KEY
    return chat_llm


def url(asset: Asset) -> str:
    return f"/api/v1/content/assets/{asset.pk}/generate-draft/"


def test_it_creates_a_draft_variant_for_the_callers_unit(api, library, tenants, generator):
    response = api("de-marketer", HTTP_X_GLOCAL_UNIT="de").post(
        url(library.regional), {"instructions": "Be brief", "audience": "CFOs"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    variant = Asset.objects.get(pk=body["variant"]["id"])
    assert variant.status == Status.DRAFT and variant.owner_unit == tenants.unit("de")
    assert variant.parent_id == library.regional.pk
    assert body["generator"] == "chat-completions" and body["variant"]["title"].startswith("[en")


def test_without_a_generator_it_answers_503_and_writes_nothing(api, library):
    before = Asset.objects.count()
    client = api("de-marketer", HTTP_X_GLOCAL_UNIT="de")
    client.raise_request_exception = False  # a 5xx is reported like any server error
    response = client.post(url(library.regional), {"instructions": "Be brief"}, format="json")
    assert response.status_code == 503
    assert "CONTENT_DRAFT_GENERATOR" in response.content.decode()
    assert Asset.objects.count() == before


def test_bad_input_and_foreign_units_are_refused(api, library, tenants, generator):
    client = api("de-marketer", HTTP_X_GLOCAL_UNIT="de")
    assert client.post(url(library.regional), {}, format="json").status_code == 400
    response = client.post(
        url(library.regional),
        {"instructions": "x", "owner_unit": tenants.unit("fr").pk},
        format="json",
    )
    assert response.status_code == 400 and "owner_unit" in response.content.decode()
    hidden = api("globex-fr-admin").post(url(library.regional), {"instructions": "x"})
    assert hidden.status_code == 404
