"""Money helpers shared by the budget use-cases: the refusal, amounts and their display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from campaigns.models.budgets import MAX_MONEY, MONEY_STEP, as_number


class OverBudget(ValidationError):
    """The budget cannot take this spend or allocation.

    ``code`` says why: ``budget_exhausted`` (the cap) or ``budget_period`` (the day is
    outside the budget's period); the dispatcher may use it as a touch's reason code.
    """

    def __init__(self, message: str, *, code: str = "budget_exhausted", field: str = "amount"):
        super().__init__({field: [ValidationError(message, code=code)]})
        self.code = code
        self.reason = message


def money(value: Decimal, currency: str) -> str:
    return f"{formats.number_format(value, decimal_pos=2, force_grouping=True)} {currency}"


def quantize(value: Decimal) -> Decimal:
    return value.quantize(MONEY_STEP, rounding=ROUND_HALF_UP)


def check_amount(value: Any, field: str = "amount") -> Decimal:
    """An amount of money from user input: a number, 0 or more, 4 decimals at most."""
    number = as_number(value) if not isinstance(value, Decimal) else value
    if number is None or not number.is_finite() or number < 0:
        raise ValidationError({field: _("An amount is a number, 0 or more.")})
    if number > MAX_MONEY:
        raise ValidationError({field: _("This amount is too large.")})
    if number != quantize(number):
        raise ValidationError({field: _("An amount has at most 4 decimal places.")})
    return number
