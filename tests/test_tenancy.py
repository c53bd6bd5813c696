"""restrict(user, action): down, up-when-published, never sideways, never across orgs."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from glocal.models import Membership, OrgUnit
from glocal.tenancy import Role, UnknownAction, forget_scopes, scope_for
from governance.models import Directive


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_it_shows_a_local_member_its_unit_and_ancestors_but_no_sibling(tenants):
    user = tenants.user("fr-marketer")
    assert codes(OrgUnit.objects.restrict(user, "view")) == {"fr", "emea", "global"}


def test_it_shows_a_region_member_its_subtree_and_the_root(tenants):
    user = tenants.user("emea-manager")
    assert codes(OrgUnit.objects.restrict(user, "view")) == {
        "global",
        "emea",
        "fr",
        "de",
        "uk",
        "pl",
    }


def test_it_never_crosses_organisations(tenants):
    acme_global = tenants.user("global-admin")
    visible = OrgUnit.objects.restrict(acme_global, "view")
    assert not visible.filter(organization__slug="globex").exists()
    assert visible.count() == 12
    globex = tenants.user("globex-global-admin")
    assert (
        not OrgUnit.objects.restrict(globex, "view")
        .filter(organization__slug="acme-industrial")
        .exists()
    )


def test_it_gives_nothing_to_anonymous_or_inactive_users(tenants, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not OrgUnit.objects.restrict(AnonymousUser(), "view").exists()
    assert not OrgUnit.objects.restrict(None, "view").exists()
    user = tenants.user("fr-admin")
    user.is_active = False
    assert not OrgUnit.objects.restrict(user, "view").exists()


def test_it_refuses_unknown_actions(tenants):
    with pytest.raises(UnknownAction):
        OrgUnit.objects.restrict(tenants.user("fr-admin"), "launch-missiles")


def test_it_lets_only_admins_configure_units(tenants):
    assert codes(OrgUnit.objects.restrict(tenants.user("fr-manager"), "configure")) == set()
    assert codes(OrgUnit.objects.restrict(tenants.user("fr-admin"), "configure")) == {"fr"}
    assert codes(OrgUnit.objects.restrict(tenants.user("emea-admin"), "change")) == {
        "emea",
        "fr",
        "de",
        "uk",
        "pl",
    }


def test_it_lets_marketers_own_rows_in_their_subtree_only(tenants):
    assert codes(OrgUnit.objects.restrict(tenants.user("fr-viewer"), "own")) == set()
    assert codes(OrgUnit.objects.restrict(tenants.user("fr-marketer"), "own")) == {"fr"}


class TestTenantOwnedRows:
    @pytest.fixture
    def directives(self, tenants):
        rows = {}
        for code in ("global", "emea", "fr", "de"):
            unit = tenants.unit(code)
            for status in ("draft", "published"):
                rows[(code, status)] = Directive.objects.create(
                    owner_unit=unit, title=f"{code} {status}", status=status
                )
        globex = tenants.unit("global", org="globex")
        rows[("globex", "published")] = Directive.objects.create(
            owner_unit=globex, title="globex published", status="published"
        )
        return rows

    def visible(self, user, action="view") -> set[tuple[str, str]]:
        qs = Directive.objects.restrict(user, action).filter(title__contains=" ")
        return {tuple(d.title.split(" ")) for d in qs.exclude(title__contains=":")}

    def test_it_shows_own_rows_and_published_rows_of_ancestors(self, tenants, directives):
        assert self.visible(tenants.user("fr-viewer")) == {
            ("fr", "draft"),
            ("fr", "published"),
            ("emea", "published"),
            ("global", "published"),
        }

    def test_it_shows_a_region_its_subtree_drafts_but_not_global_drafts(self, tenants, directives):
        assert self.visible(tenants.user("emea-viewer")) == {
            ("emea", "draft"),
            ("emea", "published"),
            ("fr", "draft"),
            ("fr", "published"),
            ("de", "draft"),
            ("de", "published"),
            ("global", "published"),
        }

    def test_it_does_not_let_anyone_change_an_ancestors_published_row(self, tenants, directives):
        assert self.visible(tenants.user("fr-admin"), "change") == {
            ("fr", "draft"),
            ("fr", "published"),
        }

    def test_it_denies_writes_to_viewers(self, tenants, directives):
        assert self.visible(tenants.user("fr-viewer"), "change") == set()

    def test_an_explicit_share_opens_one_row_sideways(self, tenants, directives):
        de_draft = directives[("de", "draft")]
        assign_perm("governance.view_directive", tenants.unit("fr").group_for("viewer"), de_draft)
        assert ("de", "draft") in self.visible(tenants.user("fr-viewer"))
        assert ("de", "draft") not in self.visible(tenants.user("fr-viewer"), "change")
        assert ("de", "draft") not in self.visible(tenants.user("uk-viewer"))

    def test_a_share_never_crosses_organisations(self, tenants, directives):
        de_draft = directives[("de", "draft")]
        globex_group = tenants.unit("fr", org="globex").group_for("viewer")
        assign_perm("governance.view_directive", globex_group, de_draft)
        assert ("de", "draft") not in self.visible(tenants.user("globex-fr-viewer"))

    def test_superusers_see_everything(self, tenants, directives):
        assert ("globex", "published") in self.visible(tenants.user("ops"))
        assert ("de", "draft") in self.visible(tenants.user("ops"))


def test_scope_is_computed_once_per_user_object(tenants, django_assert_num_queries):
    user = tenants.user("fr-marketer")
    with django_assert_num_queries(2):
        scope_for(user, Role.VIEWER)
        scope_for(user, Role.MARKETER)
        scope_for(user, Role.VIEWER)
    forget_scopes(user)
    with django_assert_num_queries(2):
        scope_for(user, Role.VIEWER)


def test_membership_mirrors_into_exactly_one_unit_group(tenants):
    user = tenants.user("fr-viewer")
    fr = tenants.unit("fr")
    membership = Membership.objects.get(user=user, unit=fr)
    assert user.groups.filter(name=f"unit-{fr.pk}-viewer").exists()
    membership.role = Role.MANAGER
    membership.save()
    names = set(
        user.groups.filter(name__startswith=f"unit-{fr.pk}-").values_list("name", flat=True)
    )
    assert names == {f"unit-{fr.pk}-manager"}
    membership.delete()
    assert not user.groups.filter(name__startswith=f"unit-{fr.pk}-").exists()


def test_a_retired_units_memberships_grant_nothing(tenants):
    from glocal.services import retire_unit

    retire_unit(tenants.unit("pl"), tenants.unit("emea"))
    assert codes(OrgUnit.objects.restrict(tenants.user("pl-admin"), "view")) == set()
