"""Layered assets: inheritance, policies, locks, staleness, revert, validation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account
from content import services
from content.models import Asset, Layer
from glocal import layering
from glocal.layering.models import StaleOverride
from glocal.layering.overview import field_overview
from tests.content.conftest import fresh, run_cascade


def test_three_layers_and_a_per_account_layer_inherit_and_override(tenants, library):
    personal = services.derive_asset(
        tenants.user("fr-marketer"),
        library.local,
        tenants.unit("fr"),
        {"personal_text": "Suite à notre rencontre à Lyon"},
        account=library.account,
    )
    values = layering.resolve(personal)
    assert values["personal_text"] == "Suite à notre rencontre à Lyon"  # its own
    assert values["intro"] == "Hello France,"  # France's variant
    assert values["body"] == "<p>Outages cost EU utilities money.</p>"  # EMEA's adaptation
    assert values["brand_claim"] == "Acme keeps the lights on"  # the core
    assert fresh(personal).layered_values() == values  # materialised
    assert [n.layer for n in (library.core, library.regional, library.local, personal)] == [
        Layer.CORE,
        Layer.REGIONAL,
        Layer.LOCAL,
        Layer.ACCOUNT,
    ]
    assert len({n.family for n in (library.core, library.local, fresh(personal))}) == 1
    assert personal.industries == ["energy"]  # tags follow the source


def test_policy_keeps_brand_claim_and_legal_notice_global_and_body_regional(tenants, library):
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(tenants.user("emea-marketer"), library.regional, {"brand_claim": "X"})
    assert "GLOBAL tier up" in exc.value.message_dict["brand_claim"][0]
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(tenants.user("fr-marketer"), library.local, {"body": "<p>Non</p>"})
    assert "France is LOCAL" in exc.value.message_dict["body"][0]
    services.edit_asset(tenants.user("fr-marketer"), library.local, {"cta_label": "Lire"})
    assert fresh(library.local).overridden_fields == ["cta_label", "intro"]


def test_a_locked_field_is_refused_below_with_the_owner_named(tenants, library):
    layering.set_locks(tenants.user("global-manager"), library.core, lock=["title", "brand_claim"])
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(tenants.user("fr-marketer"), library.local, {"title": "Réseau"})
    assert "locked by Acme Global (GLOBAL)" in exc.value.message_dict["title"][0]
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(tenants.user("emea-marketer"), library.regional, {"brand_claim": "Y"})
    assert "brand_claim" in exc.value.message_dict
    assert fresh(library.local).title == "Grid resilience"


def test_a_global_edit_makes_the_local_override_stale_with_a_diff(tenants, library):
    services.edit_asset(tenants.user("fr-marketer"), library.local, {"cta_label": "Lire la suite"})
    services.edit_asset(
        tenants.user("global-marketer"), library.core, {"cta_label": "Read the study"}
    )
    run_cascade(library.core, "cta_label")
    run_cascade(library.regional, "cta_label")
    stale = StaleOverride.objects.get(object_id=library.local.pk, field="cta_label")
    assert (stale.old_source, stale.new_source) == ("Read more", "Read the study")
    assert stale.owner_unit.code == "fr"
    row = next(r for r in field_overview(fresh(library.local)) if r["field"] == "cta_label")
    assert row["stale"] and row["value"] == "Lire la suite"  # the local value is kept
    assert "-Read more" in row["diff"] and "+Read the study" in row["diff"]
    assert fresh(library.regional).cta_label == "Read the study"  # not overridden: follows


def test_revert_follows_the_source_again_and_clears_the_review(tenants, library):
    services.edit_asset(tenants.user("fr-marketer"), library.local, {"cta_label": "Lire"})
    services.edit_asset(tenants.user("global-marketer"), library.core, {"cta_label": "Go"})
    run_cascade(library.core, "cta_label")
    run_cascade(library.regional, "cta_label")
    services.revert_fields(tenants.user("fr-marketer"), library.local, ["cta_label"])
    local = fresh(library.local)
    assert local.cta_label == "Go" and "cta_label" not in local.overridden_fields
    assert not StaleOverride.objects.filter(object_id=local.pk).exists()


def test_body_is_sanitised_before_it_is_stored(tenants, library):
    services.edit_asset(
        tenants.user("global-marketer"),
        library.core,
        {"body": '<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:x">'},
    )
    body = fresh(library.core).body
    assert "script" not in body and "onclick" not in body and "javascript" not in body
    assert body.startswith("<p>Hi")
    services.edit_asset(tenants.user("global-marketer"), library.core, {"body": "> a & b"})
    assert fresh(library.core).body == "> a & b"  # Markdown without markup stays as typed


def test_field_validation_names_the_field(tenants, library):
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(
            tenants.user("fr-marketer"), library.local, {"cta_url": "javascript:alert(1)"}
        )
    assert "cta_url" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_asset(
            tenants.user("global-marketer"),
            tenants.unit("global"),
            kind="email",
            language="french",
            values={"title": "T"},
        )
    assert "language" in exc.value.message_dict
    core = services.create_asset(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        kind="deck",
        language="FR_ca",
        values={"title": "T"},
    )
    assert core.language == "fr-CA"


def test_a_local_core_may_not_set_global_fields(tenants):
    with pytest.raises(ValidationError) as exc:
        services.create_asset(
            tenants.user("fr-marketer"),
            tenants.unit("fr"),
            kind="social_post",
            language="fr",
            values={"title": "Post", "brand_claim": "Notre slogan"},
        )
    assert "GLOBAL" in exc.value.message_dict["brand_claim"][0]
    post = services.create_asset(
        tenants.user("fr-marketer"), tenants.unit("fr"), kind="social_post", language="fr",
        values={"title": "Post", "intro": "Bonjour"},
    )  # fmt: skip
    assert post.layer == Layer.LOCAL


def test_per_account_layers_are_bound_to_the_subtree_and_come_last(tenants, library):
    german = Account.objects.create(owner_unit=tenants.unit("de"), name="RWE", country="DE")
    with pytest.raises(ValidationError) as exc:
        services.derive_asset(
            tenants.user("emea-marketer"), library.regional, tenants.unit("fr"), {}, account=german
        )
    assert "outside France" in exc.value.message_dict["account"][0]
    personal = services.derive_asset(
        tenants.user("fr-marketer"), library.local, tenants.unit("fr"), {}, account=library.account
    )
    with pytest.raises(ValidationError) as exc:
        services.derive_asset(
            tenants.user("fr-marketer"), personal, tenants.unit("fr"), {}, account=library.account
        )
    assert "last layer" in exc.value.message_dict["parent"][0]
    with pytest.raises(ValidationError) as exc:
        services.derive_asset(tenants.user("fr-marketer"), library.local, tenants.unit("fr"), {})
    assert "parent" in exc.value.message_dict  # a plain variant still goes one tier down


def test_an_adaptation_keeps_kind_and_language_and_translations_are_cores(tenants, library):
    with pytest.raises(ValidationError) as exc:
        services.derive_asset(
            tenants.user("emea-marketer"), library.core, tenants.unit("emea"), {}, language="de"
        )
    assert "translate the core" in exc.value.message_dict["language"][0]
    french = services.translate_asset(
        tenants.user("global-marketer"), library.core, "fr", {"title": "Résilience du réseau"}
    )
    assert french.parent_id is None and french.family == library.core.family
    assert french.cta_url == library.core.cta_url  # untranslated fields start from the original
    with pytest.raises(ValidationError):
        services.translate_asset(
            tenants.user("global-marketer"), library.local, "de", {"title": "x"}
        )


def test_the_case_study_is_a_reference_to_a_usable_case_study(tenants, library):
    study = services.create_asset(
        tenants.user("global-marketer"), tenants.unit("global"), kind="case_study",
        language="en", values={"title": "How Enel cut outages"},
    )  # fmt: skip
    services.edit_asset(tenants.user("emea-marketer"), library.regional, {"case_study": study.pk})
    run_cascade(library.regional, "case_study")
    assert fresh(library.local).case_study_asset() == study
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(
            tenants.user("emea-marketer"), library.regional, {"case_study": library.core.pk}
        )
    assert "not a case study" in exc.value.message_dict["case_study"][0]
    german_study = services.create_asset(
        tenants.user("de-marketer"), tenants.unit("de"), kind="case_study", language="de",
        values={"title": "Stadtwerke"},
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(
            tenants.user("emea-marketer"), library.regional, {"case_study": german_study.pk}
        )
    assert "Germany" in exc.value.message_dict["case_study"][0]


def test_asset_rows_are_assets(library):
    assert Asset.objects.count() == 3


def test_a_locked_brand_claim_is_refused_below_global_naming_the_owner(tenants, library):
    """Even where the organisation lets regions adapt the brand claim, a lock set by
    Global on the core refuses it below, and the refusal names the unit that locked it."""
    from django.contrib.contenttypes.models import ContentType

    from glocal.layering.models import OverridePolicy

    OverridePolicy.objects.create(
        owner_unit=tenants.unit("global"),
        content_type=ContentType.objects.get_for_model(Asset),
        field="brand_claim",
        lowest_tier="REGION",
    )
    services.edit_asset(tenants.user("emea-marketer"), library.regional, {"brand_claim": "EU"})
    layering.set_locks(tenants.user("global-manager"), library.core, lock=["brand_claim"])
    services.revert_fields(tenants.user("emea-marketer"), library.regional, ["brand_claim"])
    with pytest.raises(ValidationError) as exc:
        services.edit_asset(tenants.user("emea-marketer"), library.regional, {"brand_claim": "EU"})
    message = exc.value.message_dict["brand_claim"][0]
    assert "locked by Acme Global (GLOBAL)" in message and "only that unit can unlock" in message
    assert fresh(library.regional).brand_claim == "Acme keeps the lights on"
