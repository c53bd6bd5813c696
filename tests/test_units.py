"""Tree rules and the reversible lifecycle of units: rename, move, retire, reactivate."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from glocal import services
from glocal.models import OrgUnit, Tier
from governance.models import Directive


def test_a_region_must_hang_under_the_global_root(tenants):
    unit = OrgUnit(
        organization=tenants.unit("fr").organization,
        parent=tenants.unit("fr"),
        tier=Tier.REGION,
        code="latam",
        name="LATAM",
    )
    with pytest.raises(ValidationError) as exc:
        services.save_unit(unit)
    assert "parent" in exc.value.message_dict
    assert "REGION unit's parent must be a GLOBAL" in exc.value.message_dict["parent"][0]


def test_a_local_cannot_hang_under_another_organisation(tenants):
    unit = OrgUnit(
        organization=tenants.unit("fr").organization,
        parent=tenants.unit("emea", org="globex"),
        tier=Tier.LOCAL,
        code="es",
        name="Spain",
    )
    with pytest.raises(ValidationError) as exc:
        services.save_unit(unit)
    assert "another organisation" in exc.value.message_dict["parent"][0]


def test_an_organisation_has_one_root(tenants):
    unit = OrgUnit(
        organization=tenants.unit("fr").organization, tier=Tier.GLOBAL, code="hq2", name="HQ2"
    )
    with pytest.raises(ValidationError) as exc:
        services.save_unit(unit)
    assert "tier" in exc.value.message_dict


def test_codes_are_unique_within_an_organisation_only(tenants):
    org = tenants.unit("fr").organization
    dup = OrgUnit(organization=org, parent=tenants.unit("emea"), tier=Tier.LOCAL, code="de")
    dup.name = "Duplicate"
    with pytest.raises(ValidationError):
        services.save_unit(dup)
    # Globex already has "fr" too: codes only clash within one organisation.
    assert tenants.unit("fr", org="globex").code == tenants.unit("fr").code


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("countries", ["FR", "ZZ"]),
        ("languages", ["klingon"]),
        ("regulations", ["GDPR", "MADE_UP"]),
        ("timezone", "Mars/Olympus"),
        ("currency", "XYZ"),
    ],
)
def test_it_validates_unit_attributes(tenants, field, value):
    unit = tenants.unit("fr")
    setattr(unit, field, value)
    with pytest.raises(ValidationError) as exc:
        services.save_unit(unit)
    assert field in exc.value.message_dict


def test_a_local_can_move_to_another_region_and_back(tenants):
    fr = tenants.unit("fr")
    fr.parent = tenants.unit("amer")
    services.save_unit(fr)
    assert tenants.unit("fr").parent.code == "amer"
    fr.parent = tenants.unit("emea")
    services.save_unit(fr)
    assert tenants.unit("fr").parent.code == "emea"


def test_a_unit_with_children_cannot_change_tier(tenants):
    emea = tenants.unit("emea")
    emea.tier = Tier.LOCAL
    emea.parent = tenants.unit("amer")
    with pytest.raises(ValidationError) as exc:
        services.save_unit(emea)
    assert "tier" in exc.value.message_dict


def test_retiring_reassigns_every_owned_row_and_can_be_undone(tenants):
    pl, emea = tenants.unit("pl"), tenants.unit("emea")
    Directive.objects.create(owner_unit=pl, title="Polish plan")
    result = services.retire_unit(pl, emea)
    assert result.moved == {"governance.Directive": 1}
    assert Directive.objects.get(title="Polish plan").owner_unit == emea
    pl.refresh_from_db()
    assert not pl.is_active and pl.retired_at is not None
    services.reactivate_unit(pl)
    pl.refresh_from_db()
    assert pl.is_active and pl.retired_at is None


@pytest.mark.parametrize(
    ("unit", "target", "field"),
    [
        ("global", "emea", "unit"),  # the root
        ("emea", "amer", "unit"),  # still has active children
        ("fr", "fr", "reassign_to"),  # itself
    ],
)
def test_retire_refuses_what_would_orphan_data(tenants, unit, target, field):
    with pytest.raises(ValidationError) as exc:
        services.retire_unit(tenants.unit(unit), tenants.unit(target))
    assert field in exc.value.message_dict


def test_retire_never_hands_data_to_another_organisation(tenants):
    with pytest.raises(ValidationError) as exc:
        services.retire_unit(tenants.unit("pl"), tenants.unit("emea", org="globex"))
    assert "reassign_to" in exc.value.message_dict
    assert tenants.unit("pl").is_active


def test_retire_refuses_cleanly_when_reassigned_rows_would_clash(tenants):
    from glocal.layering.models import Bound

    key = "approval.required.campaign_launch"
    Bound.objects.create(owner_unit=tenants.unit("pl"), key=key, value=True)
    Bound.objects.create(owner_unit=tenants.unit("de"), key=key, value=True)
    with pytest.raises(ValidationError) as exc:
        services.retire_unit(tenants.unit("pl"), tenants.unit("de"))
    assert "bounds" in exc.value.message_dict["reassign_to"][0]
    assert tenants.unit("pl").is_active
    assert Bound.objects.filter(owner_unit=tenants.unit("pl")).exists()
