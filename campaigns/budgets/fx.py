"""Exchange rates: conversion to the organisation's currency, and keeping the rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.budgets.money import quantize
from campaigns.models import FxRate
from campaigns.models.budgets import check_currency
from glocal.changes import acting_as
from glocal.models import OrgUnit


def organisation_currency(unit: OrgUnit) -> str:
    return unit.organization.reporting_currency


def rate_for(organisation: OrgUnit, currency: str, day: dt.date) -> Decimal:
    """Organisation currency per unit of ``currency``: the latest rate on or before ``day``.

    ``organisation`` is any unit of the organisation (rates live on its root).
    """
    if currency == organisation_currency(organisation):
        return Decimal(1)
    rate = (
        FxRate.objects.unrestricted()
        .filter(
            owner_unit__organization_id=organisation.organization_id,
            currency=currency,
            day__lte=day,
        )
        .order_by("-day")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            {
                "currency": _(
                    "No exchange rate from %(currency)s to %(org)s on or before %(day)s; "
                    "enter one first."
                )
                % {
                    "currency": currency,
                    "org": organisation_currency(organisation),
                    "day": day.isoformat(),
                }
            },
            code="no_fx_rate",
        )
    return rate


def convert(organisation: OrgUnit, amount: Decimal, currency: str, day: dt.date) -> Decimal:
    """``amount`` of ``currency`` in the organisation's currency at the rate of ``day``."""
    return quantize(Decimal(amount) * rate_for(organisation, currency, day))


@transaction.atomic
def set_fx_rate(
    user: Any, organisation: OrgUnit, currency: str, day: dt.date, rate: Decimal
) -> tuple[FxRate, bool]:
    """Record (or correct) a day's rate; the organisation's root admins keep the rates.

    Spend already recorded keeps the rate it was converted with.
    """
    root = organisation if organisation.parent_id is None else _root(organisation)
    if not OrgUnit.objects.restrict(user, "configure").filter(pk=root.pk).exists():
        raise PermissionDenied(
            _("Only the administrators of %(unit)s keep the exchange rates.") % {"unit": root.name}
        )
    row = FxRate.objects.filter(owner_unit=root, currency=currency, day=day).first()
    created = row is None
    row = row or FxRate(owner_unit=root, currency=currency, day=day)
    row.rate = rate
    row.full_clean()
    with acting_as(user):
        row.save()
    return row, created


def _root(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(organization_id=unit.organization_id, parent__isnull=True)


@dataclass
class FxImport:
    created: int = 0
    updated: int = 0


def import_fx_rates(
    user: Any, organisation: OrgUnit, rows: Iterable[Mapping[str, Any]]
) -> FxImport:
    """Record daily rates from rows of ``day``, ``currency`` and ``rate`` (a CSV export of
    a treasury or central-bank feed). All or nothing: every row is checked first, and one
    bad row refuses the whole file, naming each bad row (numbered as in a spreadsheet,
    the header being row 1)."""
    parsed: list[tuple[str, dt.date, Decimal]] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        try:
            parsed.append(_rate_row(row))
        except ValidationError as exc:
            errors.append(_("Row %(n)s: %(e)s") % {"n": number, "e": " ".join(exc.messages)})
    if errors:
        raise ValidationError({"rows": errors})
    if not parsed:
        raise ValidationError({"rows": [_("The file holds no rate.")]})
    outcome = FxImport()
    with transaction.atomic():
        for currency, day, rate in parsed:
            _row, created = set_fx_rate(user, organisation, currency, day, rate)
            if created:
                outcome.created += 1
            else:
                outcome.updated += 1
    return outcome


def _rate_row(row: Mapping[str, Any]) -> tuple[str, dt.date, Decimal]:
    text = {k: str(row.get(k) or "").strip() for k in ("day", "currency", "rate")}
    missing = [k for k, v in text.items() if not v]
    if missing:
        raise ValidationError(_("missing %(f)s.") % {"f": ", ".join(missing)})
    try:
        day = dt.date.fromisoformat(text["day"])
    except ValueError:
        raise ValidationError(
            _("“%(v)s” is not a date (YYYY-MM-DD).") % {"v": text["day"]}
        ) from None
    currency = text["currency"].upper()
    check_currency(currency)
    try:
        rate = Decimal(text["rate"].replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("“%(v)s” is not a number.") % {"v": text["rate"]}) from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationError(_("A rate is a positive number."))
    return currency, day, rate
