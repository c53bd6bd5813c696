"""Every change path leaves an audit row: save, delete, queryset update, API, admin."""

from __future__ import annotations

from glocal.changes import acting_as
from glocal.models import Membership
from governance import audit
from governance.models import AuditEntry, Directive


def entries(**filters):
    return AuditEntry.objects.filter(**filters).order_by("id")


def test_save_and_delete_are_recorded_with_before_and_after(tenants):
    fr = tenants.unit("fr")
    actor = tenants.user("fr-marketer")
    with acting_as(actor):
        directive = Directive.objects.create(owner_unit=fr, title="Plan")
        directive.title = "Plan v2"
        directive.save()
        pk = directive.pk
        directive.delete()
    rows = list(entries(target_type="governance.Directive", target_id=str(pk)))
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert rows[1].before == {"title": "Plan"} and rows[1].after["title"] == "Plan v2"
    assert all(r.actor == actor and r.owner_unit == fr for r in rows)


def test_a_queryset_update_is_recorded_row_by_row(tenants):
    fr = tenants.unit("fr")
    a = Directive.objects.create(owner_unit=fr, title="A")
    b = Directive.objects.create(owner_unit=fr, title="B")
    with acting_as(tenants.user("fr-admin")):
        Directive.objects.filter(pk__in=[a.pk, b.pk]).update(status="published")
    rows = entries(action="update", bulk=True, target_type="governance.Directive")
    assert {r.target_id for r in rows} == {str(a.pk), str(b.pk)}
    assert all(r.before == {"status": "draft"} and r.after == {"status": "published"} for r in rows)


def test_membership_changes_are_recorded_against_the_unit(tenants):
    fr = tenants.unit("fr")
    membership = Membership.objects.get(user__username="fr-viewer", unit=fr)
    Membership.objects.filter(pk=membership.pk).update(role="manager")
    row = entries(target_type="glocal.Membership", target_id=str(membership.pk)).last()
    assert row.owner_unit == fr and row.after == {"role": "manager"} and row.bulk


def test_api_writes_name_the_token_user(tenants, api):
    response = api("fr-marketer").post("/api/v1/directives/", {"title": "Via API"})
    assert response.status_code == 201
    row = entries(target_type="governance.Directive", target_id=str(response.json()["id"])).get()
    assert row.actor.username == "fr-marketer"


def test_admin_changes_name_the_staff_user(tenants, client):
    admin_user = tenants.user("fr-admin")
    client.force_login(admin_user)
    fr = tenants.unit("fr")
    response = client.post(
        f"/admin/glocal/orgunit/{fr.pk}/change/",
        {
            "organization": fr.organization_id,
            "parent": fr.parent_id,
            "tier": fr.tier,
            "code": fr.code,
            "name": "France (renamed)",
            "countries": '["FR"]',
            "timezone": fr.timezone,
            "languages": '["fr"]',
            "currency": fr.currency,
            "regulations": '["GDPR"]',
            "residency_zone": fr.residency_zone,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = entries(target_type="glocal.OrgUnit", target_id=str(fr.pk)).last()
    assert row.actor == admin_user and row.after == {"name": "France (renamed)"}


def test_decisions_are_recorded_explicitly(tenants):
    entry = audit.record(
        "approved", actor=tenants.user("emea-manager"), unit=tenants.unit("emea"), note="ok"
    )
    assert entry.owner_unit.code == "emea" and entry.actor.username == "emea-manager"


def test_managers_read_the_trail_of_their_scope_only(tenants):
    Directive.objects.create(owner_unit=tenants.unit("fr"), title="fr row")
    Directive.objects.create(owner_unit=tenants.unit("de"), title="de row")
    fr_rows = AuditEntry.objects.restrict(tenants.user("fr-manager"), "view")
    assert set(fr_rows.values_list("owner_unit__code", flat=True)) == {"fr"}
    emea_rows = AuditEntry.objects.restrict(tenants.user("emea-manager"), "view")
    assert {"fr", "de"} <= set(emea_rows.values_list("owner_unit__code", flat=True))


def test_policy_bound_and_lock_changes_are_recorded(tenants):
    from django.contrib.contenttypes.models import ContentType

    from glocal import layering
    from glocal.layering.models import Bound, OverridePolicy

    actor = tenants.user("global-admin")
    world = tenants.unit("global")
    with acting_as(actor):
        policy = OverridePolicy.objects.create(
            owner_unit=world,
            content_type=ContentType.objects.get_for_model(Directive),
            field="title",
            lowest_tier="REGION",
        )
        Bound.objects.create(owner_unit=world, key="approval.required.campaign_launch", value=True)
        Bound.objects.filter(owner_unit=world).update(value=False)
        directive = Directive.objects.create(owner_unit=world, title="Core")
        layering.set_locks(actor, directive, lock=["title"])
    assert entries(target_type="glocal.OverridePolicy", target_id=str(policy.pk)).exists()
    bound_rows = entries(target_type="glocal.Bound")
    assert [r.action for r in bound_rows] == ["create", "update"] and bound_rows.last().bulk
    lock = entries(target_type="governance.Directive", target_id=str(directive.pk)).last()
    assert lock.after == {"locked_fields": ["title"]} and lock.actor == actor
