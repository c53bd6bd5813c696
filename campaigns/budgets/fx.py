"""Exchange rates: conversion to the organisation's currency, and keeping the rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.budgets.money import quantize
from campaigns.models import FxRate
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
