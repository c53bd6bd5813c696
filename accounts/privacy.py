"""Personal data: access export, erasure everywhere, retention, residency-restricted views.

Other apps that store a contact's personal data register an exporter and an eraser here
at start-up (``register(...)``); ``erase_contact`` calls every eraser, anonymises the
contact and its consents, scrubs the audit trail's recorded values and keeps an
``ErasureLog`` entry without personal data.

PIPL: a contact whose data must reside in mainland China shows personal fields only to
members of units in the CN residency zone, or to holders of an explicit object grant
(``accounts.view_personal_data`` on the contact, via django-guardian). Everyone else
gets the record with personal fields masked (aggregates stay available).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Consent, Contact, ErasureLog, Lifecycle
from glocal.models import OrgUnit, ResidencyZone
from glocal.tenancy import Role, scope_for
from governance import audit

PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")
MASK = "•••"
#: Residency zones whose personal data only members of units in that zone may see.
RESTRICTED_ZONES = {ResidencyZone.CN}
PURGE_BATCH = 500


@dataclass(frozen=True)
class Contributor:
    name: str
    export: Callable[[Contact], Any] | None = None
    erase: Callable[[Contact], int] | None = None  # returns how many rows it anonymised


_contributors: dict[str, Contributor] = {}


def register(contributor: Contributor) -> None:
    _contributors[contributor.name] = contributor


# --- visibility -------------------------------------------------------------------------


def zones_of(user) -> set[str]:
    """Residency zones of the units the user is a member of."""
    units = scope_for(user, Role.VIEWER).member
    return set(OrgUnit.objects.filter(pk__in=units).values_list("residency_zone", flat=True))


def hidden_zones(user) -> set[str]:
    """Restricted zones whose personal data ``user`` may not search or read (grants aside)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set(RESTRICTED_ZONES)
    if user.is_superuser:
        return set()
    return set(RESTRICTED_ZONES) - zones_of(user)


def visible_personal_data(user, contacts: Iterable[Contact]) -> set[int]:
    """Ids of the contacts whose personal fields ``user`` may see (one or two queries)."""
    contacts = list(contacts)
    restricted = [c for c in contacts if c.residency_zone in RESTRICTED_ZONES]
    visible = {c.pk for c in contacts if c.residency_zone not in RESTRICTED_ZONES}
    if not restricted:
        return visible
    if getattr(user, "is_superuser", False):
        return visible | {c.pk for c in restricted}
    zones = zones_of(user)
    granted = set()
    if any(c.residency_zone not in zones for c in restricted):
        from guardian.shortcuts import get_objects_for_user

        granted = set(
            get_objects_for_user(
                user,
                "accounts.view_personal_data",
                klass=Contact.objects.filter(pk__in=[c.pk for c in restricted]),
                accept_global_perms=False,
            ).values_list("pk", flat=True)
        )
    return visible | {c.pk for c in restricted if c.residency_zone in zones or c.pk in granted}


def mask(contact: Contact) -> Contact:
    """Replace personal fields in memory (never saved) with a mask."""
    for field in PERSONAL_FIELDS:
        if getattr(contact, field):
            setattr(contact, field, MASK)
    contact.personal_data_masked = True
    return contact


def protect(user, contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts as ``user`` may see them: personal fields masked where the zone forbids."""
    contacts = list(contacts)
    visible = visible_personal_data(user, contacts)
    for contact in contacts:
        contact.personal_data_checked = True
        if contact.pk not in visible:
            mask(contact)
    return contacts


# --- access export ----------------------------------------------------------------------


def export_contact(contact: Contact) -> dict[str, Any]:
    """Everything we hold about a person (data subject access request), as JSON-ready data."""
    data: dict[str, Any] = {
        "contact": {
            "id": contact.pk,
            **{f: getattr(contact, f) for f in PERSONAL_FIELDS},
            "buying_role": contact.buying_role,
            "language": contact.language,
            "country": contact.country,
            "residency_zone": contact.residency_zone,
            "do_not_contact": contact.do_not_contact,
            "created_at": contact.created_at.isoformat(),
        },
        "account": {"id": contact.account_id, "name": contact.account.name},
        "consents": [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "status": c.status,
                "lawful_basis": c.lawful_basis,
                "source": c.source,
                "recorded_at": c.recorded_at.isoformat(),
                "evidence": c.evidence,
                "double_opt_in_at": c.double_opt_in_at.isoformat() if c.double_opt_in_at else None,
            }
            for c in contact.consents.all()
        ],
    }
    for contributor in _contributors.values():
        if contributor.export:
            data[contributor.name] = contributor.export(contact)
    return data


# --- erasure ------------------------------------------------------------------------------


@transaction.atomic
def erase_contact(contact: Contact, *, actor=None, reason: str = "request") -> ErasureLog:
    """Anonymise a person everywhere; keep only a log that it happened."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    summary: dict[str, int] = {}
    consent_ids = [str(pk) for pk in contact.consents.values_list("pk", flat=True)]
    # Untracked writes: tracked ones would copy the personal data into the audit trail.
    summary["consents"] = Consent._base_manager.filter(contact=contact).update(
        evidence="", source=""
    )
    for contributor in _contributors.values():
        if contributor.erase:
            summary[contributor.name] = contributor.erase(contact)
    Contact._base_manager.filter(pk=contact.pk).update(
        **{field: "" for field in PERSONAL_FIELDS},
        do_not_contact=True,
        erased_at=timezone.now(),
    )
    summary["contact"] = 1
    summary["audit_entries"] = audit.scrub(
        "accounts.Contact", [str(contact.pk)], note="erased"
    ) + audit.scrub("accounts.Consent", consent_ids, note="erased")
    log = ErasureLog.objects.create(
        owner_unit_id=contact.owner_unit_id,
        contact_id=contact.pk,
        account_id=contact.account_id,
        reason=reason,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        summary=summary,
    )
    audit.record("erased", actor=actor, unit=contact.owner_unit_id, note=f"contact #{contact.pk}")
    return log


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    days = int(getattr(settings, "CONTACT_RETENTION_DAYS", 730))
    return (now or timezone.now()) - datetime.timedelta(days=days)


def purge_expired(now: datetime.datetime | None = None, limit: int = PURGE_BATCH) -> int:
    """Erase contacts untouched for the retention period on accounts no longer pursued."""
    stale = Contact.objects.filter(
        erased_at__isnull=True,
        updated_at__lt=retention_cutoff(now),
        account__lifecycle__in=[Lifecycle.CANDIDATE, Lifecycle.DESELECTED],
    ).order_by("pk")[:limit]
    erased = 0
    for contact in stale:
        erase_contact(contact, reason="retention")
        erased += 1
    return erased
