"""The content dashboard: library tree, asset page, edits and their refusals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from content import services
from content.models import Asset, Status
from glocal import layering
from governance.models import ApprovalRequest
from tests.content.conftest import fresh, publish, run_cascade

pytestmark = pytest.mark.django_db


def _login(client, tenants, username: str):
    client.force_login(tenants.user(username))
    return client


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _row(page: str, field: str) -> str:
    match = re.search(rf'<tr data-field="{field}">(.*?)</tr>', page, re.S)
    assert match, field
    return match.group(1)


# --- library ------------------------------------------------------------------------------


def test_the_library_nests_variants_under_their_source(client, tenants, library):
    page = _page(_login(client, tenants, "fr-marketer"), "/content/")
    core = page.index(f'data-id="asset-{library.core.pk}"')
    regional = page.index(f'data-id="asset-{library.regional.pk}"')
    local = page.index(f'data-id="asset-{library.local.pk}"')
    assert core < regional < local
    # nested lists: the local variant's <li> opens inside the regional one's
    assert page[regional:local].count("<ul") == 1


def test_a_sibling_never_sees_another_units_variant(client, tenants, library):
    page = _page(_login(client, tenants, "de-manager"), "/content/")
    assert f'data-id="asset-{library.core.pk}"' in page
    assert f'data-id="asset-{library.local.pk}"' not in page
    assert "Hello France" not in page


def test_the_library_filters_by_search_and_shows_sources_for_context(client, tenants, library):
    client = _login(client, tenants, "fr-marketer")
    page = _page(client, "/content/?q=France")  # only the local variant says France
    assert f'data-id="asset-{library.local.pk}"' in page
    assert f'data-id="asset-{library.core.pk}" class="context"' in page
    page = _page(client, "/content/?q=zeppelin")
    assert "No content matches." in page


def test_the_library_filters_by_kind_status_language_and_tag(client, tenants, library):
    client = _login(client, tenants, "global-marketer")
    deck = services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="deck", language="de",
        values={"title": "Vertriebsdeck"}, industries=["retail"],
    )  # fmt: skip
    marker = f'data-id="asset-{deck.pk}"'
    assert marker in _page(client, "/content/?kind=deck")
    assert marker not in _page(client, "/content/?kind=email")
    assert marker in _page(client, "/content/?language=de&status=draft")
    assert marker not in _page(client, "/content/?status=published")
    assert marker in _page(client, "/content/?industry=retail")
    assert marker not in _page(client, "/content/?industry=energy")


def test_translations_are_grouped_with_their_core(client, tenants, library):
    french = services.translate_asset(
        tenants.user("global-marketer"), library.core, "fr", {"title": "Résilience du réseau"}
    )
    page = _page(_login(client, tenants, "global-viewer"), "/content/")
    core = page.index(f'data-id="asset-{library.core.pk}"')
    translation = page.index(f'data-id="asset-{french.pk}"')
    assert core < translation
    assert "Translation" in page[translation : translation + 300]


# --- asset page ---------------------------------------------------------------------------


def test_the_asset_page_shows_inherited_overridden_and_source_fields(client, tenants, library):
    page = _page(_login(client, tenants, "fr-marketer"), f"/content/{library.local.pk}/")
    assert 'data-state="overridden"' in _row(page, "intro")
    assert "Inherited from EMEA" in _row(page, "body")  # the region's adaptation
    assert "Inherited from Acme Global" in _row(page, "title")
    source = _page(client, f"/content/{library.core.pk}/")
    assert 'data-state="source"' in _row(source, "title")


def test_the_asset_page_is_hidden_from_siblings_and_other_organisations(client, tenants, library):
    for username in ("de-manager", "globex-global-admin"):
        _login(client, tenants, username)
        _page(client, f"/content/{library.local.pk}/", status=404)
        _page(client, f"/content/{library.local.pk}/diff/", status=404)
        _page(client, f"/content/{library.local.pk}/preview/", status=404)


def test_a_lock_shows_who_locked_and_an_edit_refusal_names_the_owner(client, tenants, library):
    layering.set_locks(tenants.user("global-manager"), library.core, lock=["cta_label"])
    client = _login(client, tenants, "fr-marketer")
    page = _page(client, f"/content/{library.local.pk}/")
    assert "Locked by Acme Global" in _row(page, "cta_label")
    form = {name: value or "" for name, value in fresh(library.local).layered_values().items()}
    form["cta_label"] = "Lisez la suite"
    response = client.post(f"/content/{library.local.pk}/edit/", form)
    assert response.status_code == 400
    error = re.search(
        r'class="error field-error" data-field="cta_label">(.*?)</span>', response.content.decode()
    )
    assert error and "locked by Acme Global" in error.group(1)
    assert fresh(library.local).cta_label == "Read more"


def test_a_policy_refusal_names_the_rule(client, tenants, library):
    client = _login(client, tenants, "fr-marketer")
    form = {name: value or "" for name, value in fresh(library.local).layered_values().items()}
    form["brand_claim"] = "Acme allume la France"
    response = client.post(f"/content/{library.local.pk}/edit/", form)
    assert response.status_code == 400
    assert "may only be overridden from the GLOBAL tier up" in response.content.decode()


def test_an_edit_overrides_only_the_changed_field(client, tenants, library):
    client = _login(client, tenants, "fr-marketer")
    form = {name: value or "" for name, value in fresh(library.local).layered_values().items()}
    form["cta_label"] = "Lire la suite"
    form["body"] = form["body"].replace("\n", "\r\n")  # what a browser's textarea sends
    response = client.post(f"/content/{library.local.pk}/edit/", form)
    assert response.status_code == 303
    local = fresh(library.local)
    assert local.cta_label == "Lire la suite"
    assert sorted(local.overridden_fields) == ["cta_label", "intro"]


def test_a_viewer_may_see_but_not_change(client, tenants, library):
    client = _login(client, tenants, "fr-viewer")
    page = _page(client, f"/content/{library.local.pk}/")
    assert f'action="/content/{library.local.pk}/edit/"' not in page
    assert client.post(f"/content/{library.local.pk}/edit/", {}).status_code == 403
    assert (
        client.post(
            f"/content/{library.local.pk}/field/", {"field": "intro", "operation": "revert"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/content/{library.local.pk}/status/", {"operation": "retire"}).status_code
        == 403
    )


def test_stale_fields_offer_review_and_revert_follows_the_source(client, tenants, library):
    services.edit_asset(tenants.user("emea-marketer"), library.regional, {"intro": "Hello EMEA,"})
    run_cascade(library.regional, "intro")
    client = _login(client, tenants, "fr-marketer")
    page = _page(client, f"/content/{library.local.pk}/")
    assert 'data-state="stale"' in _row(page, "intro")
    response = client.post(
        f"/content/{library.local.pk}/field/", {"field": "intro", "operation": "revert"}
    )
    assert response.status_code == 303
    assert fresh(library.local).intro == "Hello EMEA,"
    assert 'data-state="stale"' not in _row(_page(client, f"/content/{library.local.pk}/"), "intro")


def test_keep_adaptation_clears_the_stale_mark(client, tenants, library):
    services.edit_asset(tenants.user("emea-marketer"), library.regional, {"intro": "Hello EMEA,"})
    run_cascade(library.regional, "intro")
    client = _login(client, tenants, "fr-marketer")
    client.post(f"/content/{library.local.pk}/field/", {"field": "intro", "operation": "keep"})
    page = _page(client, f"/content/{library.local.pk}/")
    assert 'data-state="stale"' not in _row(page, "intro")
    assert fresh(library.local).intro == "Hello France,"


def test_owners_lock_and_unlock_from_the_page(client, tenants, library):
    client = _login(client, tenants, "emea-manager")
    response = client.post(
        f"/content/{library.regional.pk}/field/", {"field": "summary", "operation": "lock"}
    )
    assert response.status_code == 303
    assert "summary" in fresh(library.regional).locked_fields
    client.post(
        f"/content/{library.regional.pk}/field/", {"field": "summary", "operation": "unlock"}
    )
    assert "summary" not in fresh(library.regional).locked_fields
    # a marketer may not lock
    _login(client, tenants, "emea-marketer")
    response = client.post(
        f"/content/{library.regional.pk}/field/", {"field": "summary", "operation": "lock"}
    )
    assert response.status_code == 403


def test_derive_a_variant_for_my_unit(client, tenants, library):
    client = _login(client, tenants, "de-marketer")
    response = client.post(
        f"/content/{library.regional.pk}/derive/", {"unit": tenants.unit("de").pk}
    )
    assert response.status_code == 303
    variant = Asset.objects.get(parent=library.regional, owner_unit=tenants.unit("de"))
    assert response["Location"] == f"/content/{variant.pk}/"
    # another unit is not offered, and refused if forced
    client.post(f"/content/{library.regional.pk}/derive/", {"unit": tenants.unit("fr").pk})
    assert (
        not Asset.objects.filter(parent=library.regional, owner_unit=tenants.unit("fr"))
        .exclude(pk=library.local.pk)
        .exists()
    )


def test_publication_by_a_local_team_waits_for_its_region(client, tenants, library):
    client = _login(client, tenants, "fr-manager")
    response = client.post(
        f"/content/{library.local.pk}/status/", {"operation": "publish"}, follow=True
    )
    page = response.content.decode()
    assert "waits for approval by the managers of EMEA" in page
    assert 'id="pending-approval"' in page
    assert fresh(library.local).status == Status.DRAFT
    assert ApprovalRequest.objects.filter(target_id=str(library.local.pk)).exists()


def test_submit_and_retire(client, tenants, library):
    client = _login(client, tenants, "fr-marketer")
    client.post(f"/content/{library.local.pk}/status/", {"operation": "submit"})
    assert fresh(library.local).status == Status.IN_REVIEW
    client.post(f"/content/{library.local.pk}/status/", {"operation": "retire"})
    assert fresh(library.local).status == Status.RETIRED


def test_rights_badges_show_expiry(client, tenants, library):
    soon = timezone.now() + timedelta(days=3)
    services.set_rights(
        tenants.user("global-marketer"), library.core, territories=["FR", "DE"],
        channels=["email"], expires_at=soon,
    )  # fmt: skip
    client = _login(client, tenants, "fr-marketer")
    page = _page(client, f"/content/{library.local.pk}/")
    assert 'data-rights-state="expiring"' in page
    assert "Expiring soon" in page
    assert '<span class="tag">DE</span>' in page
    Asset.objects.filter(pk=library.core.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert 'data-rights-state="expired"' in _page(client, f"/content/{library.local.pk}/")


def test_body_markup_is_sanitised_again_before_display(client, tenants, library):
    # A row written around the model (e.g. a raw update) still cannot inject a script.
    Asset.objects.filter(pk=library.core.pk).update(
        body='<p>Safe</p><script>alert("x")</script><img src=x onerror="alert(1)">'
    )
    page = _page(_login(client, tenants, "global-viewer"), f"/content/{library.core.pk}/")
    body = _row(page, "body")
    assert "<p>Safe</p>" in body
    assert "<script>" not in body and "onerror" not in body


def test_the_versions_are_listed_and_compared(client, tenants, library):
    services.edit_asset(tenants.user("global-marketer"), library.core, {"title": "Grid 2030"})
    client = _login(client, tenants, "global-viewer")
    page = _page(client, f"/content/{library.core.pk}/")
    assert 'id="versions"' in page and "v2" in page
    diff = _page(client, f"/content/{library.core.pk}/diff/?old=1&new=3")
    row = re.search(r'<tr data-field="title">(.*?)</tr>', diff, re.S).group(1)
    assert "Grid resilience" in row and "Grid 2030" in row
    assert "No version 9" in _page(client, f"/content/{library.core.pk}/diff/?old=1&new=9")


def test_the_diff_page_shows_old_source_new_source_and_local_value(client, tenants, library):
    publish(library.local)
    services.edit_asset(tenants.user("emea-marketer"), library.regional, {"intro": "Hello EMEA,"})
    run_cascade(library.regional, "intro")
    page = _page(_login(client, tenants, "fr-marketer"), f"/content/{library.local.pk}/diff/")
    row = re.search(r'<tr id="stale-intro" data-field="intro">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'class="old-source">Dear reader,', row)
    assert re.search(r'class="new-source">Hello EMEA,', row)
    assert re.search(r'class="local-value">Hello France,', row)


def test_the_review_queue_lists_stale_overrides_and_assets_in_review(client, tenants, library):
    services.edit_asset(tenants.user("emea-marketer"), library.regional, {"intro": "Hello EMEA,"})
    run_cascade(library.regional, "intro")
    Asset.objects.filter(pk=library.local.pk).update(status=Status.IN_REVIEW)
    page = _page(_login(client, tenants, "fr-marketer"), "/content/review/")
    assert f'href="/content/{library.local.pk}/diff/#stale-intro"' in page
    assert f'<tr data-id="asset-{library.local.pk}">' in page
    sibling = _page(_login(client, tenants, "de-manager"), "/content/review/")
    assert f"/content/{library.local.pk}/" not in sibling


def test_the_navigation_links_to_content(client, tenants):
    page = _page(_login(client, tenants, "fr-viewer"), "/content/")
    assert '<a href="/content/">Content</a>' in page


def test_a_partial_form_changes_only_what_it_submits(client, tenants, library):
    client = _login(client, tenants, "fr-marketer")
    response = client.post(f"/content/{library.local.pk}/edit/", {"cta_label": "Lire"})
    assert response.status_code == 303
    local = fresh(library.local)
    assert sorted(local.overridden_fields) == ["cta_label", "intro"]
    assert local.body == "<p>Outages cost EU utilities money.</p>"
