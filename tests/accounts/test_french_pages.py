"""The accounts dashboard pages render in French once the user switches language."""

from __future__ import annotations

import pytest

from accounts.models import Account

pytestmark = pytest.mark.django_db


@pytest.fixture
def french(client, tenants):
    client.force_login(tenants.user("fr-manager"))
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/"})
    assert response.status_code == 302
    return client


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = response.content.decode()
    assert '<html lang="fr">' in page
    return page


def _assert_french(page: str, present: list[str], absent: list[str]) -> None:
    for text in present:
        assert text in page, text
    for text in absent:
        assert text not in page, text


def test_the_account_list_is_in_french(french):
    page = _page(french, "/accounts/")
    _assert_french(
        page,
        ["Comptes cibles", "Liste des comptes", "Tableau de sélection", "Cycle de vie"],
        ["Target accounts", "Account list", "Selection board", "Lifecycle", "Minimum fit"],
    )
    assert "Adéquation minimale" in page


def test_an_account_page_is_in_french(french, tenants):
    account = Account.objects.create(owner_unit=tenants.unit("fr"), name="Acme Lyon")
    page = _page(french, f"/accounts/{account.pk}/")
    assert "Acme Lyon" in page
    _assert_french(
        page,
        [
            "Domaine du site web",
            "Score d\u2019adéquation",
            "Profil client idéal",
            "Famille de comptes",
            "Contacts et consentements",
            "Aucun contact pour l\u2019instant.",
            "Candidat",
        ],
        [
            "Website domain",
            "Fit score",
            "Ideal customer profile",
            "Account family",
            "Contacts and consents",
            "No contact yet.",
        ],
    )


def test_the_selection_board_is_in_french(french, tenants):
    Account.objects.create(owner_unit=tenants.unit("fr"), name="Acme Lyon")
    page = _page(french, "/accounts/board/")
    _assert_french(
        page,
        ["Tableau de sélection", "Candidat", "Proposé", "Sélectionné", "Désélectionné", "Proposer"],
        ["Selection board", "Deselected", ">Propose<"],
    )


def test_the_import_page_is_in_french(french):
    page = _page(french, "/accounts/imports/")
    _assert_french(
        page,
        [
            "Importer des comptes et des contacts",
            "Fichier (CSV ou XLSX)",
            "Charger et faire correspondre les colonnes",
            "Imports récents",
        ],
        ["Import accounts and contacts", "Upload and map columns", "Recent imports"],
    )


def test_the_duplicate_review_is_in_french(french):
    page = _page(french, "/accounts/duplicates/")
    _assert_french(
        page,
        ["Revue des doublons", "Familles de comptes globales et conflits de ciblage"],
        ["Duplicate review", "Global families and targeting conflicts"],
    )


def test_the_families_page_is_in_french(french):
    page = _page(french, "/accounts/families/")
    _assert_french(
        page,
        ["Familles de comptes globales", "Conflits de ciblage", "Plans de compte globaux"],
        ["Global account families", "Targeting conflicts", "Global account plans"],
    )


def test_the_handoff_inbox_is_in_french(french):
    page = _page(french, "/accounts/handoffs/")
    _assert_french(
        page,
        [
            "Transmissions aux ventes",
            "En attente de ma décision",
            "Aucune décision pour l\u2019instant.",
        ],
        ["Hand-offs to sales", "Waiting for my decision", "Nothing decided yet."],
    )
