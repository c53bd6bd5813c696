"""Demo organisations: Acme Industrial (three tiers, eight markets) and Globex."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from glocal.models import Membership, Organization, OrgUnit, Tier
from glocal.tenancy import Role

UnitSpec = dict[str, Any]

ACME_UNITS: list[UnitSpec] = [
    dict(
        code="global",
        name="Acme Global",
        tier=Tier.GLOBAL,
        parent=None,
        countries=[],
        timezone="Europe/Paris",
        languages=["en"],
        currency="EUR",
        regulations=[],
        residency_zone="GLOBAL",
    ),
    dict(
        code="emea",
        name="EMEA",
        tier=Tier.REGION,
        parent="global",
        countries=["FR", "DE", "GB", "PL"],
        timezone="Europe/Brussels",
        languages=["en", "fr", "de", "pl"],
        currency="EUR",
        regulations=["GDPR"],
        residency_zone="EU",
    ),
    dict(
        code="amer",
        name="Americas",
        tier=Tier.REGION,
        parent="global",
        countries=["US", "BR"],
        timezone="America/New_York",
        languages=["en", "pt"],
        currency="USD",
        regulations=["CCPA", "LGPD"],
        residency_zone="US",
    ),
    dict(
        code="apac",
        name="Asia-Pacific",
        tier=Tier.REGION,
        parent="global",
        countries=["CN", "JP"],
        timezone="Asia/Singapore",
        languages=["en", "zh", "ja"],
        currency="USD",
        regulations=["PIPL", "APPI"],
        residency_zone="GLOBAL",
    ),
    dict(
        code="fr",
        name="France",
        tier=Tier.LOCAL,
        parent="emea",
        countries=["FR"],
        timezone="Europe/Paris",
        languages=["fr"],
        currency="EUR",
        regulations=["GDPR"],
        residency_zone="EU",
    ),
    dict(
        code="de",
        name="Germany",
        tier=Tier.LOCAL,
        parent="emea",
        countries=["DE"],
        timezone="Europe/Berlin",
        languages=["de"],
        currency="EUR",
        regulations=["GDPR"],
        residency_zone="EU",
    ),
    dict(
        code="uk",
        name="United Kingdom",
        tier=Tier.LOCAL,
        parent="emea",
        countries=["GB"],
        timezone="Europe/London",
        languages=["en"],
        currency="GBP",
        regulations=["UK_GDPR"],
        residency_zone="UK",
    ),
    dict(
        code="pl",
        name="Poland",
        tier=Tier.LOCAL,
        parent="emea",
        countries=["PL"],
        timezone="Europe/Warsaw",
        languages=["pl"],
        currency="PLN",
        regulations=["GDPR"],
        residency_zone="EU",
    ),
    dict(
        code="us",
        name="United States",
        tier=Tier.LOCAL,
        parent="amer",
        countries=["US"],
        timezone="America/New_York",
        languages=["en"],
        currency="USD",
        regulations=["CCPA", "CAN_SPAM"],
        residency_zone="US",
    ),
    dict(
        code="br",
        name="Brazil",
        tier=Tier.LOCAL,
        parent="amer",
        countries=["BR"],
        timezone="America/Sao_Paulo",
        languages=["pt"],
        currency="BRL",
        regulations=["LGPD"],
        residency_zone="BR",
    ),
    dict(
        code="cn",
        name="China",
        tier=Tier.LOCAL,
        parent="apac",
        countries=["CN"],
        timezone="Asia/Shanghai",
        languages=["zh"],
        currency="CNY",
        regulations=["PIPL"],
        residency_zone="CN",
    ),
    dict(
        code="jp",
        name="Japan",
        tier=Tier.LOCAL,
        parent="apac",
        countries=["JP"],
        timezone="Asia/Tokyo",
        languages=["ja"],
        currency="JPY",
        regulations=["APPI"],
        residency_zone="JP",
    ),
]

GLOBEX_UNITS: list[UnitSpec] = [
    dict(
        code="global",
        name="Globex Global",
        tier=Tier.GLOBAL,
        parent=None,
        countries=[],
        timezone="America/Chicago",
        languages=["en"],
        currency="USD",
        regulations=[],
        residency_zone="GLOBAL",
    ),
    dict(
        code="emea",
        name="Globex EMEA",
        tier=Tier.REGION,
        parent="global",
        countries=["FR"],
        timezone="Europe/Paris",
        languages=["en", "fr"],
        currency="EUR",
        regulations=["GDPR"],
        residency_zone="EU",
    ),
    dict(
        code="fr",
        name="Globex France",
        tier=Tier.LOCAL,
        parent="emea",
        countries=["FR"],
        timezone="Europe/Paris",
        languages=["fr"],
        currency="EUR",
        regulations=["GDPR"],
        residency_zone="EU",
    ),
]

ORGANIZATIONS = [
    ("acme-industrial", "Acme Industrial", "EUR", ACME_UNITS, ""),
    ("globex", "Globex", "USD", GLOBEX_UNITS, "globex-"),
]

#: Model permissions for staff unit admins; rows are still filtered by restrict().
STAFF_PERMISSIONS = [
    ("accounts", "view_erasurelog"),
    # RACI (edited by unit admins of the scope) and the read-only approval workflow rows.
    ("governance", "view_racirule"),
    ("governance", "add_racirule"),
    ("governance", "change_racirule"),
    ("governance", "delete_racirule"),
    ("governance", "view_approvalrequest"),
    ("governance", "view_consultation"),
    ("governance", "view_notification"),
    ("glocal", "view_organization"),
    ("glocal", "view_orgunit"),
    ("glocal", "add_orgunit"),
    ("glocal", "change_orgunit"),
    ("glocal", "view_membership"),
    ("glocal", "add_membership"),
    ("glocal", "change_membership"),
    ("glocal", "delete_membership"),
    ("glocal", "view_overridepolicy"),
    ("glocal", "add_overridepolicy"),
    ("glocal", "change_overridepolicy"),
    ("glocal", "delete_overridepolicy"),
    ("glocal", "view_bound"),
    ("glocal", "add_bound"),
    ("glocal", "change_bound"),
    ("glocal", "delete_bound"),
    ("glocal", "view_staleoverride"),
    ("governance", "view_auditentry"),
    ("governance", "view_directive"),
    ("governance", "add_directive"),
    ("governance", "change_directive"),
    ("governance", "delete_directive"),
    ("governance", "view_ritual"),
    ("governance", "add_ritual"),
    ("governance", "change_ritual"),
    ("governance", "delete_ritual"),
    ("governance", "view_ritualoccurrence"),
    ("governance", "change_ritualoccurrence"),
    ("governance", "view_actionitem"),
    ("governance", "add_actionitem"),
    ("governance", "change_actionitem"),
    ("governance", "delete_actionitem"),
    ("governance", "view_ritualreminder"),
    # Duplicate review, family plans and conflicts (decisions stay with the services).
    ("accounts", "view_duplicatecandidate"),
    ("accounts", "view_accountplan"),
    ("accounts", "change_accountplan"),
    ("accounts", "delete_accountplan"),
    ("accounts", "view_familyconflict"),
    # Target accounts, contacts and consents (lifecycle moves stay with the services).
    ("accounts", "view_account"),
    ("accounts", "add_account"),
    ("accounts", "change_account"),
    ("accounts", "delete_account"),
    ("accounts", "view_contact"),
    ("accounts", "add_contact"),
    ("accounts", "change_contact"),
    ("accounts", "delete_contact"),
    ("accounts", "view_consent"),
    ("accounts", "add_consent"),
    ("accounts", "change_consent"),
    ("accounts", "delete_consent"),
    # Engagement events and hand-offs: read-only in the admin (services decide);
    # sales owners are configuration of the unit.
    ("accounts", "view_engagementevent"),
    ("accounts", "view_handoff"),
    ("accounts", "view_salesowner"),
    ("accounts", "add_salesowner"),
    ("accounts", "change_salesowner"),
    ("accounts", "delete_salesowner"),
    # Content assets (publication and deletion stay with the services), their read-only
    # versions, and the language fallback chains unit admins configure.
    ("content", "view_asset"),
    ("content", "add_asset"),
    ("content", "change_asset"),
    ("content", "delete_asset"),
    ("content", "view_assetversion"),
    ("content", "view_localechain"),
    ("content", "add_localechain"),
    ("content", "change_localechain"),
    ("content", "delete_localechain"),
    # Glossary terms (configuration) and the translation workflow (read-only: services decide).
    ("content", "view_glossaryterm"),
    ("content", "add_glossaryterm"),
    ("content", "change_glossaryterm"),
    ("content", "delete_glossaryterm"),
    ("content", "view_translationrequest"),
    ("content", "view_translationtask"),
    # Exchange rates (configuration of the organisation); budgets and spend are read-only
    # (allocation and spending stay with the services).
    ("campaigns", "view_fxrate"),
    ("campaigns", "add_fxrate"),
    ("campaigns", "change_fxrate"),
    ("campaigns", "delete_fxrate"),
    ("campaigns", "view_budget"),
    ("campaigns", "view_spend"),
    # Playbooks, campaigns, touches, the ledger and the sandbox outbox: read-only rows,
    # campaign state moves and dead-letter retries through the admin actions.
    ("campaigns", "view_playbook"),
    ("campaigns", "view_campaign"),
    ("campaigns", "view_touch"),
    ("campaigns", "view_sendledger"),
    ("campaigns", "view_outboxmessage"),
    # Opportunities (saved through the analytics service; removed in the CRM, not here)
    # and the daily rollups (read-only: derived from the facts).
    ("analytics", "view_opportunity"),
    ("analytics", "add_opportunity"),
    ("analytics", "change_opportunity"),
    ("analytics", "view_dailyfact"),
    # Insights, their comments and replications: read-only rows (written through their
    # services); curation runs as admin actions the services check per insight.
    ("analytics", "view_insight"),
    ("analytics", "view_insightcomment"),
    ("analytics", "view_replication"),
    # Market standards: set by region and global managers (rows restricted by role).
    ("analytics", "view_marketstandard"),
    ("analytics", "add_marketstandard"),
    ("analytics", "change_marketstandard"),
    ("analytics", "delete_marketstandard"),
]
STAFF_GROUP = "unit-admins-staff"


def staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    perms = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in STAFF_PERMISSIONS
    ]
    group.permissions.set(perms)
    return group


@transaction.atomic
def build_organizations(password: str) -> list[str]:
    """Create or refresh the demo organisations and users; returns the usernames."""
    User = get_user_model()
    admins = staff_group()
    usernames: list[str] = []
    for slug, name, currency, specs, prefix in ORGANIZATIONS:
        org, _ = Organization.objects.update_or_create(
            slug=slug, defaults={"name": name, "reporting_currency": currency}
        )
        units: dict[str, OrgUnit] = {}
        for spec in specs:
            fields = {k: v for k, v in spec.items() if k not in ("code", "parent")}
            fields["parent"] = units.get(spec["parent"]) if spec["parent"] else None
            fields["is_active"] = True
            fields["retired_at"] = None
            unit, _ = OrgUnit.objects.update_or_create(
                organization=org, code=spec["code"], defaults=fields
            )
            unit.full_clean()
            units[spec["code"]] = unit
            for role in Role.values:
                username = f"{prefix}{unit.code}-{role}"
                user, created = User.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@example.com"}
                )
                if created or not user.check_password(password):
                    user.set_password(password)
                user.is_staff = role == Role.ADMIN
                user.save()
                if role == Role.ADMIN:
                    user.groups.add(admins)
                Membership.objects.update_or_create(user=user, unit=unit, defaults={"role": role})
                usernames.append(username)
    ops, _ = User.objects.get_or_create(username="ops", defaults={"email": "ops@example.com"})
    ops.is_staff = ops.is_superuser = True
    if not ops.check_password(password):
        ops.set_password(password)
    ops.save()
    usernames.append("ops")
    return usernames
