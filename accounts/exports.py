"""Contact and account exports: the same restriction and residency masking as every page.

An export is where personal data most easily leaves its zone, so rows go through
``privacy.protect`` chunk by chunk (PIPL-zone fields masked for readers outside the zone),
cells are neutralised against formula injection, and every export is recorded in the audit
trail with its row count.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts import privacy
from accounts.models import Account, Contact
from glocal.exports import stream_csv
from governance import audit

CHUNK = 1000

CONTACT_COLUMNS = (
    ("id", lambda c: c.pk),
    ("account_id", lambda c: c.account_id),
    ("account", lambda c: c.account.name),
    ("unit", lambda c: c.owner_unit.code),
    ("first_name", lambda c: c.first_name),
    ("last_name", lambda c: c.last_name),
    ("email", lambda c: c.email),
    ("phone", lambda c: c.phone),
    ("job_title", lambda c: c.job_title),
    ("buying_role", lambda c: c.buying_role),
    ("language", lambda c: c.language),
    ("country", lambda c: c.country),
    ("residency_zone", lambda c: c.residency_zone),
    ("do_not_contact", lambda c: c.do_not_contact),
    ("personal_data_masked", lambda c: getattr(c, "personal_data_masked", False)),
)

ACCOUNT_COLUMNS = (
    ("id", lambda a: a.pk),
    ("name", lambda a: a.name),
    ("legal_name", lambda a: a.legal_name),
    ("domain", lambda a: a.domain),
    ("country", lambda a: a.country),
    ("industry", lambda a: a.industry),
    ("employee_band", lambda a: a.employee_band),
    ("annual_revenue", lambda a: a.annual_revenue),
    ("revenue_currency", lambda a: a.revenue_currency),
    ("unit", lambda a: a.owner_unit.code),
    ("parent_id", lambda a: a.parent_id),
    ("tier", lambda a: a.tier),
    ("lifecycle", lambda a: a.lifecycle),
    ("fit_score", lambda a: a.fit_score),
    ("intent_score", lambda a: a.intent_score),
    ("engagement_score", lambda a: a.engagement_score),
)


def _chunks(queryset: QuerySet) -> Iterator[list]:
    """Keyset pagination by id: constant memory, no OFFSET scans on big exports."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def contact_rows(user, contacts: QuerySet[Contact]) -> Iterator[list]:
    """Rows of the contacts ``user`` may export, personal data masked outside its zone."""
    contacts = contacts.select_related("account", "owner_unit")
    for chunk in _chunks(contacts):
        for contact in privacy.protect(user, chunk):
            yield [get(contact) for _, get in CONTACT_COLUMNS]


def account_rows(accounts: QuerySet[Account]) -> Iterator[list]:
    for chunk in _chunks(accounts.select_related("owner_unit")):
        for account in chunk:
            yield [get(account) for _, get in ACCOUNT_COLUMNS]


def csv_response(user, kind: str, queryset: QuerySet, *, unit=None) -> StreamingHttpResponse:
    """Stream ``kind`` ("contacts" or "accounts") as CSV and audit who exported what.

    ``queryset`` must already be restricted for ``user``; ``unit`` is the unit the user
    acted from (the audit entry belongs to it).
    """
    if kind == "contacts":
        header, rows = [c for c, _ in CONTACT_COLUMNS], contact_rows(user, queryset)
    else:
        header, rows = [c for c, _ in ACCOUNT_COLUMNS], account_rows(queryset)
    audit.record(
        f"export.{kind}",
        actor=user,
        unit=unit,
        note=f"{queryset.count()} {kind} exported as CSV",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream_csv(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response
