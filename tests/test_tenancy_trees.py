"""restrict() on freshly built trees, with people holding several memberships."""

from __future__ import annotations

from glocal.models import OrgUnit
from governance.models import Directive
from tests.factories import (
    DirectiveFactory,
    LocalFactory,
    MembershipFactory,
    RegionFactory,
    UserFactory,
)


def test_a_person_in_two_locals_sees_both_but_not_their_siblings(db):
    region = RegionFactory()
    a, b, c = (LocalFactory(parent=region) for _ in range(3))
    person = UserFactory()
    MembershipFactory(user=person, unit=a, role="viewer")
    MembershipFactory(user=person, unit=b, role="marketer")
    rows = {unit.code: DirectiveFactory(owner_unit=unit) for unit in (a, b, c)}

    visible = set(Directive.objects.restrict(person, "view"))
    assert visible == {rows[a.code], rows[b.code]}
    # Writing follows the role held in each unit separately.
    assert set(Directive.objects.restrict(person, "change")) == {rows[b.code]}


def test_two_fresh_organisations_never_meet(db):
    one, two = LocalFactory(), LocalFactory()
    assert one.organization != two.organization
    admin = MembershipFactory(unit=one.parent.parent, role="admin").user
    visible = OrgUnit.objects.restrict(admin, "view")
    assert one in visible and two not in visible
    assert not visible.filter(organization=two.organization).exists()
