"""Opportunity use-cases: store one (API, admin) and import a CRM export (command, API,
dashboard).

Every write goes through :func:`store_opportunity`, which keeps the row on its account's
unit and asks the rollups to refresh the unit-days the change touches (old and new
dates), after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.imports import ImportFileError, max_bytes, read_table
from accounts.models import Account
from analytics.models import Opportunity, OpportunityStatus
from campaigns.budgets.money import check_amount
from glocal.exports import to_csv
from glocal.models import Organization

#: columns of an opportunity file (header names are matched case-insensitively)
REQUIRED_COLUMNS = ("crm_id", "account_id", "name", "amount", "currency", "created_on")
OPTIONAL_COLUMNS = ("stage", "closed_on", "status")
WRITABLE = ("account", "name", "amount", "currency", "stage", "created_on", "closed_on", "status")


def _touched_days(opportunity: Opportunity, before: dict[str, Any] | None) -> set[tuple]:
    """(unit id, day) pairs whose rollups a save changes: the old and the new dates."""
    pairs: set[tuple] = set()
    for values in (before or {}, opportunity.__dict__):
        unit_id = values.get("owner_unit_id")
        for name in ("created_on", "closed_on"):
            day = values.get(name)
            if unit_id and day:
                pairs.add((unit_id, day))
    return pairs


def _before(opportunity: Opportunity) -> dict[str, Any] | None:
    if opportunity.pk is None:
        return None
    return (
        Opportunity.objects.unrestricted()
        .filter(pk=opportunity.pk)
        .values("owner_unit_id", "account_id", "created_on", "closed_on")
        .first()
    )


def store_opportunity(opportunity: Opportunity) -> Opportunity:
    """Validate and save, then refresh the rollups of the unit-days it touches."""
    from analytics import rollups

    before = _before(opportunity)
    opportunity.full_clean()
    with transaction.atomic():
        opportunity.save()
        account_ids = {opportunity.account_id, (before or {}).get("account_id")}
        rollups.schedule_refresh(
            _touched_days(opportunity, before) | rollups.first_opportunity_days(account_ids)
        )
    return opportunity


def delete_opportunity(opportunity: Opportunity) -> None:
    """Delete (the CRM dropped it) and refresh the unit-days it counted on."""
    from analytics import rollups

    with transaction.atomic():
        touched = _touched_days(opportunity, _before(opportunity))
        account_id = opportunity.account_id
        opportunity.delete()
        rollups.schedule_refresh(touched | rollups.first_opportunity_days([account_id]))


# --- import ----------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (line in the file, CRM id, message) per refused row
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "errors": [
                {"line": line, "crm_id": crm_id, "error": message}
                for line, crm_id, message in self.errors
            ],
        }

    @property
    def report(self) -> str:
        """The refused rows as CSV (empty when every row was accepted)."""
        if not self.errors:
            return ""
        return to_csv(["line", "crm_id", "error"], self.errors)


def _header(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    try:
        # Spreadsheets may hand a date over as a midnight timestamp.
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        raise ValidationError(
            {column: _("“%(v)s” is not a date (YYYY-MM-DD).") % {"v": value}}
        ) from None


def _row_values(row: dict[str, str]) -> dict[str, Any]:
    """Typed values of one row; ValidationError naming the column on bad input."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for column in ("name", "currency", "stage"):
        values[column] = row.get(column, "")
    values["currency"] = values["currency"].upper()
    try:
        values["amount"] = check_amount(row.get("amount", ""))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for column in ("created_on", "closed_on"):
        try:
            values[column] = _date(row.get(column, ""), column)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if values.get("created_on") is None and "created_on" not in errors:
        errors["created_on"] = [_("Give the date the opportunity was created.")]
    status = row.get("status", "").lower()
    if not status:
        status = OpportunityStatus.OPEN if not values.get("closed_on") else ""
    if status not in OpportunityStatus.values:
        errors["status"] = [
            _("Status is one of %(allowed)s.") % {"allowed": ", ".join(OpportunityStatus.values)}
        ]
    values["status"] = status
    if errors:
        raise ValidationError(errors)
    return values


def _account_id(row: dict[str, str]) -> int | None:
    """The row's account id, or None when it is not one (too long for a database id)."""
    value = row.get("account_id", "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def import_opportunities(
    data: bytes,
    filename: str,
    organization: Organization,
    *,
    user: Any = None,
    dry_run: bool = False,
) -> ImportOutcome:
    """Upsert opportunities by CRM id from a CSV or XLSX export.

    The file is read and every row validated before anything is written: a file that
    cannot be read or lacks a required column raises :class:`ImportFileError` and
    writes nothing; refused rows are reported (line, CRM id, reason) and the others are
    written together in one transaction. ``account_id`` is the platform's account id; it
    must be an account of ``organization`` (and one ``user`` may change, when given).
    """
    frame = read_table(data, filename)
    frame.columns = [_header(c) for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(missing)s (required: %(required)s).")
            % {"missing": ", ".join(missing), "required": ", ".join(REQUIRED_COLUMNS)}
        )
    rows = [{k: str(v).strip() for k, v in record.items()} for record in frame.to_dict("records")]
    accounts = Account.objects.unrestricted()
    if user is not None:
        accounts = Account.objects.restrict(user, "change")
    account_ids = {_account_id(r) for r in rows} - {None}
    by_id = {
        a.pk: a
        for a in accounts.filter(
            pk__in=account_ids, owner_unit__organization_id=organization.pk
        ).select_related("owner_unit")
    }
    existing = {
        o.crm_id: o
        for o in Opportunity.objects.unrestricted().filter(
            organization_id=organization.pk, crm_id__in=[r["crm_id"] for r in rows]
        )
    }
    if user is not None:
        writable = set(
            Opportunity.objects.restrict(user, "change")
            .filter(pk__in=[o.pk for o in existing.values()])
            .values_list("pk", flat=True)
        )
    outcome = ImportOutcome(total=len(rows))
    accepted: list[tuple[Opportunity, bool]] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        crm_id = row["crm_id"]
        try:
            if not crm_id:
                raise ValidationError({"crm_id": _("Give the CRM id.")})
            if crm_id in seen:
                raise ValidationError({"crm_id": _("This CRM id appears twice in the file.")})
            seen.add(crm_id)
            values = _row_values(row)
            account = by_id.get(_account_id(row))
            if account is None:
                raise ValidationError(
                    {
                        "account_id": _("No account %(a)s that you may change.")
                        % {"a": row["account_id"]}
                    }
                )
            current = existing.get(crm_id)
            if current is not None and user is not None and current.pk not in writable:
                # Another unit's opportunity: refused without saying more about it.
                raise ValidationError({"crm_id": _("This CRM id is taken.")})
            opportunity = current or Opportunity(crm_id=crm_id, organization_id=organization.pk)
            old = {name: getattr(opportunity, name, None) for name in WRITABLE if current}
            opportunity.account = account
            for name, value in values.items():
                setattr(opportunity, name, value)
            opportunity.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            outcome.errors.append((line, crm_id, _message(exc)))
            continue
        if current is None:
            outcome.created += 1
        elif old == {name: getattr(opportunity, name) for name in WRITABLE}:
            outcome.unchanged += 1
            continue
        else:
            outcome.updated += 1
        accepted.append((opportunity, current is None))
    if not dry_run and accepted:
        with transaction.atomic():
            for opportunity, _created in accepted:
                store_opportunity(opportunity)
    return outcome


def import_upload(upload, unit: Any, user: Any, *, dry_run: bool = False) -> ImportOutcome:
    """An uploaded CRM export, for the organisation of the unit ``user`` acts for; read
    no further than the size limit, so an oversized file is refused without loading it."""
    data = upload.read(max_bytes() + 1)
    return import_opportunities(data, upload.name, unit.organization, user=user, dry_run=dry_run)


__all__ = [
    "ImportFileError",
    "ImportOutcome",
    "delete_opportunity",
    "import_opportunities",
    "import_upload",
    "store_opportunity",
]
