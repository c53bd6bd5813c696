"""The French catalogue: complete, compiled, committed, and used by the dashboard."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.utils import translation

from glocal import i18n_tools

FR_PO = i18n_tools.LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"
FR_MO = FR_PO.with_suffix(".mo")


def _translations(entries) -> dict[tuple[str, str], object]:
    return i18n_tools.catalogue(e for e in entries if e.msgid)


def test_it_commits_a_compiled_catalogue_matching_the_po():
    assert FR_MO.exists(), "run `make messages` and commit django.mo"
    po = polib.pofile(str(FR_PO))
    mo = polib.mofile(str(FR_MO))
    assert _translations(mo) == _translations(po.translated_entries())
    assert mo.metadata["Plural-Forms"] == po.metadata["Plural-Forms"]


def test_it_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(FR_PO))
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert po.percent_translated() == 100
    assert i18n_tools.main(["check"]) == 0


def test_it_compiles_the_same_mo_without_gnu_gettext(tmp_path: Path):
    copy = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(FR_PO, copy)
    assert i18n_tools.main(["compile", "--locale-dir", str(tmp_path)]) == 0
    assert copy.with_suffix(".mo").read_bytes() == FR_MO.read_bytes()


def test_it_reports_a_stale_mo(tmp_path: Path):
    copy = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(FR_PO, copy)
    i18n_tools.compile_all(tmp_path)
    po = polib.pofile(str(copy))
    po.find("Log in").msgstr = "Connexion"
    po.save()
    assert any("out of date" in p for p in i18n_tools.problems(copy))


def test_it_translates_python_strings():
    with translation.override("fr"):
        assert translation.gettext("Dashboard") == "Tableau de bord"
        assert translation.ngettext("%d unit reactivated.", "%d units reactivated.", 2) == (
            "%d unités réactivées."
        )


def _switch_to_french(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_renders_the_login_page_in_french(client):
    assert "Log in" in client.get("/login/").content.decode()
    _switch_to_french(client)
    page = client.get("/login/").content.decode()
    assert '<html lang="fr">' in page
    assert "Se connecter" in page
    assert "Nom d\u2019utilisateur" in page
    assert "Mot de passe" in page


def test_it_renders_the_org_tree_in_french(client, tenants):
    client.force_login(tenants.user("fr-marketer"))
    english = client.get("/org/").content.decode()
    assert "Organisation tree" in english
    for code in ("global", "emea", "fr"):  # every visible unit is listed with its members
        assert f'data-code="{code}"' in english
        assert f'data-username="{code}-viewer"' in english
    assert 'data-code="de"' not in english
    _switch_to_french(client)
    response = client.get("/org/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Arbre de l\u2019organisation" in page
    assert "Membres de France" in page
    assert "Marketeur" in page  # role names come from Python gettext_lazy
    assert "Organisation tree" not in page


def test_it_renders_view_messages_in_french(client, tenants):
    client.force_login(tenants.user("fr-marketer"))
    _switch_to_french(client)
    unit = tenants.unit("fr")
    response = client.post("/unit/switch/", {"unit": unit.pk, "next": "/"}, follow=True)
    assert "Vous agissez désormais pour France." in response.content.decode()
