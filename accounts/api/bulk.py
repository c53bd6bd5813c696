"""``POST /api/v1/accounts/bulk/``: upsert up to 10,000 accounts per request.

Speed comes from the shared import engine (:func:`accounts.imports.upsert_accounts`):
rows are validated in Python (``full_clean`` without per-row queries), existing accounts
are looked up with one query per chunk, and writes are ``bulk_create`` / ``bulk_update``.
Bulk creates bypass save signals, so the request records one ``accounts.bulk_upsert``
audit entry with its counts; updates are still recorded row by row by the tracked
queryset ``update()``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import imports
from accounts.models import Account, ImportJob
from glocal import changes
from glocal.api.base import CurrentUnitMixin
from glocal.models import OrgUnit

MAX_ROWS = 10_000
TEXT_FIELDS = {
    "name", "legal_name", "domain", "country", "industry", "employee_band",
    "revenue_currency", "tier",
}  # fmt: skip
#: JSON types each scalar field accepts (``None`` clears it).
SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    **{name: (str, type(None)) for name in TEXT_FIELDS},
    "annual_revenue": (int, float, str, type(None)),
}
ACCEPTED = set(imports.ACCOUNT_WRITABLE) | {"owner_unit"}


def _type_error(name: str, value: Any) -> str | None:
    """Why a value cannot go in a field, or None; JSON gives only a handful of types."""
    expected = SCALAR_TYPES.get(name)
    if expected is not None:
        if isinstance(value, expected) and not isinstance(value, bool):
            return None
        return _("Expected a number.") if name == "annual_revenue" else _("Expected text.")
    if name == "parent" and not (value is None or type(value) is int):
        return _("Expected an account id.")  # true and false are not ids
    if name == "tags":
        if isinstance(value, list) and all(type(t) is str for t in value):
            return None
        return _("Expected a list of strings.")
    if name == "crm_ids" and not isinstance(value, dict):
        return _("Expected an object.")
    return None


def _parse_row(
    index: int, data: Any, default_unit: OrgUnit | None, units: dict[int, OrgUnit]
) -> imports.Row | dict[str, list[str]]:
    """A request row as an import row, or its field errors (no queries here)."""
    if not isinstance(data, dict):
        return {"non_field_errors": [_("Each row must be an object.")]}
    errors: dict[str, list[str]] = {}
    if not ACCEPTED.issuperset(data):
        unknown = ", ".join(sorted(set(data) - ACCEPTED))
        errors["non_field_errors"] = [_("Unknown field: %(f)s.") % {"f": unknown}]
    unit = default_unit
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "owner_unit":
            unit = units.get(value) if type(value) is int else None
            if unit is None:
                errors["owner_unit"] = [_("Not a unit you may own accounts in.")]
            continue
        problem = _type_error(name, value)
        if problem:
            errors[name] = [problem]
        else:
            values[name] = value.strip() if type(value) is str else value
    if unit is None and "owner_unit" not in errors:
        errors["owner_unit"] = [_("Give owner_unit, or act for a unit (X-Glocal-Unit).")]
    if errors:
        return errors
    if type(values.get("annual_revenue")) is float:
        values["annual_revenue"] = str(values["annual_revenue"])  # 0.1 as written, exactly
    return imports.Row(number=index, unit=unit, values=values)


class BulkAccountsView(CurrentUnitMixin, APIView):
    """Upsert accounts by (owner unit, registrable domain) or (owner unit, name)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="accounts_bulk_upsert",
        request=inline_serializer(
            "BulkAccountRow",
            {
                "owner_unit": serializers.IntegerField(required=False),
                "name": serializers.CharField(),
                "domain": serializers.CharField(required=False),
                "country": serializers.CharField(required=False),
                "industry": serializers.CharField(required=False),
            },
            many=True,
        ),
        responses={
            200: inline_serializer(
                "BulkAccountsResult",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "unchanged": serializers.IntegerField(),
                    "failed": serializers.IntegerField(),
                    "results": inline_serializer(
                        "BulkAccountRowResult",
                        {
                            "row": serializers.IntegerField(),
                            "status": serializers.ChoiceField(
                                ["created", "updated", "unchanged", "error"]
                            ),
                            "id": serializers.IntegerField(required=False),
                            "errors": serializers.DictField(required=False),
                        },
                        many=True,
                    ),
                },
            ),
            400: inline_serializer("BulkAccountsRefused", {"detail": serializers.CharField()}),
        },
        examples=[OpenApiExample("Two accounts", value=[{"name": "Acme", "domain": "acme.fr"}])],
        tags=["accounts"],
    )
    @imports.cyclic_gc_paused()  # the whole request: parsing 10,000 rows allocates as much
    def post(self, request: Request) -> Response:
        rows = request.data
        if not isinstance(rows, list):
            return Response(
                {"detail": _("Send a JSON list of accounts.")}, status=status.HTTP_400_BAD_REQUEST
            )
        if len(rows) > MAX_ROWS:
            return Response(
                {"detail": _("At most %(n)s accounts per request.") % {"n": f"{MAX_ROWS:,}"}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        units = {u.pk: u for u in OrgUnit.objects.restrict(request.user, "own")}
        default_unit = units.get(getattr(request.unit, "pk", None))
        parsed = [_parse_row(i, row, default_unit, units) for i, row in enumerate(rows)]
        self._resolve_parents(request, parsed)
        valid = [row for row in parsed if isinstance(row, imports.Row)]
        with transaction.atomic(), changes.acting_as(request.user):
            written = imports.upsert_accounts(valid)
            outcome = imports.Outcome(total=len(rows))
            outcome.count(written)
            outcome.failed += len(rows) - len(valid)
            imports.record_bulk(
                default_unit or (valid[0].unit if valid else None),
                ImportJob.Kind.ACCOUNTS,
                outcome,
                request.user,
                "POST /api/v1/accounts/bulk/",
            )
        by_index = {r.number: r.as_dict() for r in written}
        results = [
            by_index[i]
            if isinstance(row, imports.Row)
            else {"row": i, "status": "error", "errors": row}
            for i, row in enumerate(parsed)
        ]
        return Response(
            {
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "failed": outcome.failed,
                "results": results,
            }
        )

    @staticmethod
    def _resolve_parents(request: Request, parsed: list) -> None:
        """Parent ids become accounts the caller may see (one query), else a row error."""
        wanted = {
            row.values["parent"]
            for row in parsed
            if isinstance(row, imports.Row) and row.values.get("parent")
        }
        if not wanted:
            return
        visible = Account.objects.restrict(request.user, "view").select_related("owner_unit")
        parents = visible.in_bulk(wanted)
        for index, row in enumerate(parsed):
            if isinstance(row, imports.Row) and row.values.get("parent"):
                parent = parents.get(row.values["parent"])
                if parent is None:
                    parsed[index] = {"parent": [_("No such account.")]}
                else:
                    row.values["parent"] = parent
