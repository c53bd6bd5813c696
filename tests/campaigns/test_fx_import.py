"""Importing daily exchange rates: all or nothing, by the organisation's administrators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from campaigns.budgets.fx import import_fx_rates, rate_for
from campaigns.models import FxRate

pytestmark = pytest.mark.django_db

ROWS = [
    {"day": "2031-01-02", "currency": "usd", "rate": "0.91"},
    {"day": "2031-01-03", "currency": "USD", "rate": "0,92"},
    {"day": "2031-01-02", "currency": "GBP", "rate": "1.17"},
]


def rates(tenants) -> dict[tuple[str, dt.date], D]:
    root = tenants.unit("global")
    return {(r.currency, r.day): r.rate for r in FxRate.objects.filter(owner_unit=root)}


def test_it_records_the_rates_and_corrects_them_on_a_second_import(tenants):
    admin, root = tenants.user("global-admin"), tenants.unit("global")
    outcome = import_fx_rates(admin, root, ROWS)
    assert (outcome.created, outcome.updated) == (3, 0)
    assert rates(tenants)[("USD", dt.date(2031, 1, 3))] == D("0.92")
    assert rate_for(tenants.unit("fr"), "USD", dt.date(2031, 1, 10)) == D("0.92")
    again = import_fx_rates(admin, root, [{**ROWS[0], "rate": "0.95"}])
    assert (again.created, again.updated) == (0, 1)
    assert rates(tenants)[("USD", dt.date(2031, 1, 2))] == D("0.95")


def test_one_bad_row_refuses_the_file_and_every_bad_row_is_named(tenants):
    admin, root = tenants.user("global-admin"), tenants.unit("global")
    bad = [
        *ROWS,
        {"day": "2031-02-30", "currency": "USD", "rate": "0.9"},
        {"day": "2031-02-01", "currency": "XYZ", "rate": "0.9"},
        {"day": "2031-02-01", "currency": "USD", "rate": "-1"},
        {"day": "2031-02-01", "currency": "USD", "rate": ""},
    ]
    with pytest.raises(ValidationError) as refused:
        import_fx_rates(admin, root, bad)
    messages = refused.value.message_dict["rows"]
    assert [m.split(":")[0] for m in messages] == ["Row 5", "Row 6", "Row 7", "Row 8"]
    assert "2031-02-30" in messages[0] and "XYZ" in messages[1] and "positive" in messages[2]
    assert rates(tenants) == {}  # nothing half-written


def test_only_the_organisations_administrators_keep_the_rates(tenants):
    with pytest.raises(PermissionDenied):
        import_fx_rates(tenants.user("fr-admin"), tenants.unit("global"), ROWS)
    assert rates(tenants) == {}


def test_the_command_imports_a_csv_file(tenants, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("day,currency,rate\n2031-01-02,USD,0.91\n2031-01-02,JPY,0.0061\n")
    out = StringIO()
    call_command(
        "import_fx_rates", str(path), "--org", "acme-industrial", "--as", "global-admin",
        stdout=out,
    )  # fmt: skip
    assert "2 rates recorded" in out.getvalue()
    path.write_text("day,currency\n2031-01-02,USD\n")
    with pytest.raises(CommandError, match="Missing columns: rate"):
        call_command(
            "import_fx_rates", str(path), "--org", "acme-industrial", "--as", "global-admin"
        )
    path.write_text("day,currency,rate\n2031-01-05,USD,abc\n")
    with pytest.raises(CommandError, match=r"Nothing imported\. Row 2"):
        call_command(
            "import_fx_rates", str(path), "--org", "acme-industrial", "--as", "global-admin"
        )
    assert len(rates(tenants)) == 2
