"""The layering engine on a three-tier chain: global → emea → fr (DESIGN §4)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.shortcuts import assign_perm

from glocal import layering
from glocal.layering.models import OverridePolicy, StaleOverride
from governance.models import Directive


def run_cascade(node, *fields):
    """What the Celery task does after commit (tests run it in-process)."""
    return layering.cascade(Directive.objects.get(pk=node.pk), fields)


def fresh(node):
    return Directive.objects.get(pk=node.pk)


@pytest.fixture
def chain(tenants):
    core = Directive.objects.create(
        owner_unit=tenants.unit("global"),
        title="Brand voice",
        summary="How we speak",
        body="Be clear.",
        legal_notice="© Acme",
        status="published",
    )
    regional = layering.adapt(core, tenants.unit("emea"), {"body": "Be clear, in every language."})
    local = layering.adapt(regional, tenants.unit("fr"), {"title": "Notre voix"})
    return core, regional, local


def test_inheritance_and_override(chain):
    _core, _regional, local = chain
    assert layering.resolve(local) == {
        "title": "Notre voix",  # fr's own
        "summary": "How we speak",  # inherited from global
        "body": "Be clear, in every language.",  # emea's adaptation
        "legal_notice": "© Acme",  # global
    }
    assert local.overridden_fields == ["title"]
    assert layering.resolve(local) == fresh(local).layered_values()  # materialised


def test_an_override_refused_by_policy_names_field_rule_and_tier(chain):
    _, _, local = chain
    with pytest.raises(ValidationError) as exc:
        layering.set_fields(local, {"body": "Soyez clairs."})
    message = exc.value.message_dict["body"][0]
    assert "REGION tier up" in message and "France is LOCAL" in message
    with pytest.raises(ValidationError) as exc:
        layering.set_fields(local, {"legal_notice": "rien"})
    assert "GLOBAL" in exc.value.message_dict["legal_notice"][0]
    assert fresh(local).body == "Be clear, in every language."  # nothing written


def test_an_organisation_policy_changes_the_rule_and_names_its_source(chain, tenants):
    _, _, local = chain
    OverridePolicy.objects.create(
        owner_unit=tenants.unit("global"),
        content_type=ContentType.objects.get_for_model(Directive),
        field="title",
        lowest_tier="REGION",
    )
    with pytest.raises(ValidationError) as exc:
        layering.set_fields(local, {"title": "Autre"})
    assert "Acme Global" in exc.value.message_dict["title"][0]


def test_an_override_refused_by_a_lock_names_the_owning_tier(chain, tenants):
    _, regional, local = chain
    layering.set_locks(tenants.user("emea-manager"), regional, lock=["summary"])
    with pytest.raises(ValidationError) as exc:
        layering.set_fields(local, {"summary": "Comment nous parlons"})
    message = exc.value.message_dict["summary"][0]
    assert "locked by EMEA (REGION)" in message


def test_only_managers_above_or_explicit_holders_may_lock(chain, tenants):
    _, regional, _ = chain
    with pytest.raises(PermissionDenied):
        layering.set_locks(tenants.user("fr-manager"), regional, lock=["title"])
    with pytest.raises(PermissionDenied):
        layering.set_locks(tenants.user("emea-marketer"), regional, lock=["title"])
    assign_perm("governance.lock_directive", tenants.user("emea-marketer"), regional)
    layering.set_locks(tenants.user("emea-marketer"), regional, lock=["title"])
    assert fresh(regional).locked_fields == ["title"]


def test_a_parent_edit_makes_overrides_stale_with_a_diff(chain):
    core, regional, local = chain
    layering.set_fields(core, {"body": "Be clear and kind.", "summary": "How we speak, 2027"})
    run_cascade(core, "body", "summary")
    stale = StaleOverride.objects.get(object_id=regional.pk, field="body")
    assert stale.owner_unit.code == "emea"
    assert (stale.old_source, stale.new_source) == ("Be clear.", "Be clear and kind.")
    # Non-overridden fields simply follow, all the way down.
    assert fresh(regional).summary == fresh(local).summary == "How we speak, 2027"
    # fr does not override body: it follows emea's (unchanged) adaptation, nothing stale.
    assert not StaleOverride.objects.filter(object_id=local.pk).exists()
    assert fresh(local).body == "Be clear, in every language."


def test_a_local_override_goes_stale_when_its_region_changes(chain):
    _, regional, local = chain
    layering.set_fields(regional, {"title": "Brand voice (EMEA)"})
    run_cascade(regional, "title")
    stale = StaleOverride.objects.get(object_id=local.pk, field="title")
    assert (stale.old_source, stale.new_source) == ("Brand voice", "Brand voice (EMEA)")
    assert fresh(local).title == "Notre voix"  # the adaptation is kept until reviewed


def test_review_keep_the_adaptation(chain):
    _, regional, local = chain
    layering.set_fields(regional, {"title": "Brand voice (EMEA)"})
    run_cascade(regional, "title")
    layering.keep_adaptation(local, ["title"])
    local = fresh(local)
    assert local.title == "Notre voix"
    assert local.source_values["title"] == "Brand voice (EMEA)"
    assert not StaleOverride.objects.filter(object_id=local.pk).exists()


def test_review_accept_the_new_source_and_revert(chain):
    _, regional, local = chain
    layering.set_fields(regional, {"title": "Brand voice (EMEA)"})
    run_cascade(regional, "title")
    layering.revert(local, ["title"])  # accept = follow the parent again
    local = fresh(local)
    assert local.title == "Brand voice (EMEA)" and local.overridden_fields == []
    assert not StaleOverride.objects.filter(object_id=local.pk).exists()


def test_revert_to_parent_at_any_time_cascades_down(chain):
    core, regional, local = chain
    layering.revert(regional, ["body"])
    run_cascade(regional, "body")
    assert fresh(regional).body == fresh(local).body == "Be clear."
    with pytest.raises(ValidationError):
        layering.revert(regional, ["body"])  # no longer overridden
    with pytest.raises(ValidationError):
        layering.revert(core, ["body"])  # a source has no parent


def test_an_adaptation_must_sit_below_its_source(chain, tenants):
    core, _, local = chain
    with pytest.raises(ValidationError) as exc:
        layering.adapt(local, tenants.unit("de"), {})
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError):
        layering.adapt(core, tenants.unit("fr", org="globex"), {})


def test_rebuild_all_restores_a_corrupted_materialisation(chain):
    _, _, local = chain
    Directive._base_manager.filter(pk=local.pk).update(summary="garbage", legal_notice="x")
    layering.rebuild_all(Directive)
    assert fresh(local).layered_values() == layering.resolve(fresh(local))


def test_a_region_policy_tightens_override_rights_for_its_locals_only(chain, tenants):
    _, _, local = chain
    OverridePolicy.objects.create(
        owner_unit=tenants.unit("emea"),
        content_type=ContentType.objects.get_for_model(Directive),
        field="summary",
        lowest_tier="REGION",
    )
    with pytest.raises(ValidationError) as exc:
        layering.set_fields(local, {"summary": "Résumé"})
    assert "EMEA" in exc.value.message_dict["summary"][0]
    us_copy = layering.adapt(
        Directive.objects.get(pk=chain[0].pk), tenants.unit("us"), {"summary": "US summary"}
    )
    assert us_copy.summary == "US summary"  # the rule stays in EMEA's subtree


def test_the_rebuild_command_repairs_materialised_values(chain):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    _, _, local = chain
    Directive._base_manager.filter(pk=local.pk).update(summary="garbage")
    out = StringIO()
    call_command("rebuild_layers", "governance.Directive", stdout=out)
    assert "governance.Directive: 1 nodes rewritten" in out.getvalue()
    assert fresh(local).summary == "How we speak"
    with pytest.raises(CommandError):
        call_command("rebuild_layers", "glocal.OrgUnit")
