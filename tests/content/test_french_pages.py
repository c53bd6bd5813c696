"""The content dashboard renders in French once the user switches language."""

from __future__ import annotations

import pytest


@pytest.fixture
def french(client, tenants):
    client.force_login(tenants.user("fr-marketer"))
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/content/"})
    assert response.status_code == 302
    return client


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = response.content.decode()
    assert '<html lang="fr">' in page
    return page


def test_the_library_and_the_asset_page_are_in_french(french, library):
    page = _page(french, "/content/")
    assert "Bibliothèque de contenus" in page and "Content library" not in page
    asset = _page(french, f"/content/{library.local.pk}/")
    assert "Droits d’utilisation" in asset and "Champs" in asset  # noqa: RUF001
    assert "Usage rights" not in asset and "Effective value" not in asset
    preview = _page(french, f"/content/{library.local.pk}/preview/")
    assert "Aperçu de la personnalisation" in preview
    assert "Personalisation preview" not in preview
