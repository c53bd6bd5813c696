"""Global account families: the plan is seen by every unit of the family; two local teams
targeting one company or family are flagged to their common unit."""

from __future__ import annotations

import pytest

from accounts import families
from accounts.models import Account, AccountPlan, FamilyConflict


def account(unit, name: str, domain: str = "", **fields) -> Account:
    return Account.objects.create(owner_unit=unit, name=name, domain=domain, **fields)


@pytest.fixture
def family(tenants):
    parent = account(tenants.unit("de"), "Contoso Holding", "contoso.com", country="DE")
    fr = account(tenants.unit("fr"), "Contoso France", "contoso.fr", country="FR", parent=parent)
    pl = account(tenants.unit("pl"), "Contoso Polska", "contoso.pl", country="PL", parent=parent)
    return parent, fr, pl


def test_the_plan_is_owned_by_the_common_unit_and_seen_by_every_family_unit(tenants, family):
    parent, _fr, _pl = family
    plan = families.create_plan(tenants.user("emea-marketer"), parent, objectives="Grow")
    assert plan.owner_unit == tenants.unit("emea")
    seen = AccountPlan.objects.restrict
    for user in ("fr-viewer", "de-viewer", "pl-viewer", "emea-viewer", "global-viewer"):
        assert seen(tenants.user(user), "view").filter(pk=plan.pk).exists(), user
    for user in ("uk-viewer", "us-admin", "globex-fr-admin"):
        assert not seen(tenants.user(user), "view").filter(pk=plan.pk).exists(), user
    # Family units read it; the common unit edits it.
    assert not seen(tenants.user("fr-admin"), "change").filter(pk=plan.pk).exists()
    assert seen(tenants.user("emea-marketer"), "change").filter(pk=plan.pk).exists()


def test_a_plan_belongs_to_the_family_parent_only(tenants, family):
    from django.core.exceptions import ValidationError

    _parent, fr, _pl = family
    with pytest.raises(ValidationError):
        families.create_plan(tenants.user("fr-admin"), fr)


def test_the_plan_follows_the_family_when_it_grows(tenants, family):
    parent, _fr, _pl = family
    plan = families.create_plan(tenants.user("emea-marketer"), parent)
    account(tenants.unit("us"), "Contoso Inc", "contoso.us", country="US", parent=parent)
    assert families.sync_plan_owners(parent.owner_unit.organization_id) == 1
    plan.refresh_from_db()
    assert plan.owner_unit == tenants.unit("global")
    assert AccountPlan.objects.restrict(tenants.user("us-viewer")).filter(pk=plan.pk).exists()


def test_two_units_targeting_one_family_are_flagged_to_their_common_unit(tenants, family):
    parent, fr, pl = family
    Account.objects.filter(pk__in=[fr.pk, pl.pk]).update(lifecycle="selected")
    org = parent.owner_unit.organization_id
    assert families.detect_conflicts(org) == 1
    conflict = FamilyConflict.objects.get()
    assert conflict.kind == "same_family" and conflict.owner_unit == tenants.unit("emea")
    assert {conflict.account_a_id, conflict.account_b_id} == {fr.pk, pl.pk}
    visible = FamilyConflict.objects.restrict
    assert visible(tenants.user("emea-viewer")).filter(pk=conflict.pk).exists()
    assert not visible(tenants.user("fr-admin")).filter(pk=conflict.pk).exists()
    assert families.detect_conflicts(org) == 0  # idempotent


def test_two_units_targeting_one_company_are_flagged(tenants):
    a = account(tenants.unit("fr"), "Northwind", "northwind.com", lifecycle="proposed")
    b = account(tenants.unit("us"), "Northwind Inc", "northwind.com", lifecycle="engaged")
    account(tenants.unit("uk"), "Northwind Ltd", "northwind.com")  # a candidate: not targeted
    account(tenants.unit("fr"), "Northwind bis", "northwind.com", lifecycle="selected")
    assert families.detect_conflicts(a.owner_unit.organization_id) == 1
    conflict = FamilyConflict.objects.get()
    assert conflict.kind == "same_company" and conflict.key == "northwind.com"
    assert conflict.owner_unit == tenants.unit("global")
    assert b.pk in (conflict.account_a_id, conflict.account_b_id)


def test_resolving_a_conflict_is_for_managers_of_the_common_unit(tenants, family):
    from django.core.exceptions import PermissionDenied, ValidationError

    parent, fr, pl = family
    Account.objects.filter(pk__in=[fr.pk, pl.pk]).update(lifecycle="selected")
    families.detect_conflicts(parent.owner_unit.organization_id)
    conflict = FamilyConflict.objects.get()
    with pytest.raises(PermissionDenied):
        families.resolve_conflict(conflict, tenants.user("emea-marketer"))
    families.resolve_conflict(conflict, tenants.user("emea-manager"), note="FR leads")
    assert conflict.status == "resolved"
    with pytest.raises(ValidationError):
        families.resolve_conflict(conflict, tenants.user("emea-manager"))


def test_family_api_lists_plans_and_conflicts(tenants, family, api):
    parent, fr, pl = family
    client = api("emea-marketer")
    created = client.post(
        "/api/v1/account-plans/", {"account": parent.pk, "objectives": "Win"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["owner_unit"] == tenants.unit("emea").pk
    plan_id = created.json()["id"]
    assert api("fr-viewer").get(f"/api/v1/account-plans/{plan_id}/").status_code == 200
    assert api("uk-admin").get(f"/api/v1/account-plans/{plan_id}/").status_code == 404
    assert (
        api("fr-admin")
        .patch(f"/api/v1/account-plans/{plan_id}/", {"objectives": "x"}, format="json")
        .status_code
        == 403
    )
    again = client.post("/api/v1/account-plans/", {"account": parent.pk}, format="json")
    assert again.status_code == 400
    Account.objects.filter(pk__in=[fr.pk, pl.pk]).update(lifecycle="selected")
    families.detect_conflicts(parent.owner_unit.organization_id)
    rows = api("emea-viewer").get("/api/v1/family-conflicts/").json()["results"]
    assert [row["kind"] for row in rows] == ["same_family"]
    assert api("fr-admin").get("/api/v1/family-conflicts/").json()["results"] == []
    resolved = api("emea-manager").post(
        f"/api/v1/family-conflicts/{rows[0]['id']}/resolve/", {"note": "ok"}, format="json"
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
