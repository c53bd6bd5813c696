"""factory_boy factories for trees and people beyond the demo organisations."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from glocal.models import Membership, Organization, OrgUnit, Tier
from glocal.tenancy import Role
from governance.models import Directive


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("test-pass-2026")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class GlobalUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    organization = factory.SubFactory(OrganizationFactory)
    parent = None
    tier = Tier.GLOBAL
    code = "global"
    name = factory.LazyAttribute(lambda u: f"{u.organization.name} Global")


class RegionFactory(GlobalUnitFactory):
    parent = factory.SubFactory(GlobalUnitFactory)
    organization = factory.SelfAttribute("parent.organization")
    tier = Tier.REGION
    code = factory.Sequence(lambda n: f"region{n}")
    name = factory.LazyAttribute(lambda u: u.code.title())


class LocalFactory(RegionFactory):
    parent = factory.SubFactory(RegionFactory)
    tier = Tier.LOCAL
    code = factory.Sequence(lambda n: f"local{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(LocalFactory)
    role = Role.MARKETER


class DirectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Directive

    owner_unit = factory.SubFactory(LocalFactory)
    title = factory.Sequence(lambda n: f"Directive {n}")
