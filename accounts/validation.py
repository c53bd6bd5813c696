"""Model validation of account rows at bulk speed, with the same verdicts as ``full_clean``.

An import or bulk request validates thousands of rows; ``Model.full_clean`` per row costs
more than writing it. This module runs the same field checks and ``Account.clean()`` with
three shortcuts, each giving exactly the verdict Django would:

* a plain text field (no choices, no validators beyond its length and the ban on NUL
  characters) accepts a non-empty string within its length as it is, and a plain decimal
  field an integer within its whole digits, without running Django's validator chain;
  anything else goes through the field's own ``clean``;
* other hashable values are memoised per field and language (the message language):
  a request repeats the same countries, bands and currencies;
* JSON values that are lists of strings or flat objects of strings are plain JSON, so
  valid; others are checked once per JSON text.

Uniqueness and constraint checks are left to the upsert keys and the database; foreign
keys to the callers, who resolve them against what the user may see.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models

from accounts.models import Account

MODEL_FIELDS = {f.name: f for f in Account._meta.concrete_fields if not f.generated}
FK_CHECKED_BY_CALLER = {"owner_unit", "parent", "lifecycle_changed_by"}
#: Checked on every row even when the row does not set them (a new row must have a name).
ALWAYS_CHECKED = {"name", "domain", "country", "tier", "employee_band"}


def _plain_text_limit(field: models.Field) -> int | None:
    """The length limit of a text field that has no other rule, else None."""
    if not isinstance(field, models.CharField) or field.choices or not field.editable:
        return None
    plain = (MaxLengthValidator, ProhibitNullCharactersValidator)
    if not all(type(v) in plain for v in field.validators):
        return None
    return field.max_length


def _plain_integer_bound(field: models.Field) -> int | None:
    """For a decimal field with no other rule than its digits: the integers it accepts lie
    strictly between minus and plus this bound."""
    if not isinstance(field, models.DecimalField) or field.choices or not field.editable:
        return None
    if [type(v) for v in field.validators] != [DecimalValidator]:
        return None
    return 10 ** (field.max_digits - field.decimal_places)


Plan = tuple[tuple[str, str, int | None, int | None, models.Field], ...]


@functools.lru_cache(maxsize=256)
def _plan(fields: tuple[str, ...]) -> Plan:
    """Per field to check: name, attribute, plain-text length limit, plain integer bound,
    field. Built on first use: a field's validators may depend on the database."""
    by_name = [(name, MODEL_FIELDS[name]) for name in fields]
    return tuple(
        (name, f.attname, _plain_text_limit(f), _plain_integer_bound(f), f) for name, f in by_name
    )


@functools.lru_cache(maxsize=65_536)
def _clean_value(name: str, kind: type, value: Any, language: str) -> tuple[Any, tuple[str, ...]]:
    """The field's own ``clean`` of one hashable value, memoised; ``kind`` keeps 1 and
    ``"1"`` apart, ``language`` the messages of each language."""
    try:
        return MODEL_FIELDS[name].clean(value, None), ()
    except ValidationError as exc:
        return value, tuple(exc.messages)


def _is_plain_json(value: list | dict) -> bool:
    if type(value) is list:
        return all(type(item) is str for item in value)
    return all(type(k) is str and type(v) is str for k, v in value.items())


def _check_json(name: str, value: list | dict, language: str) -> tuple[str, ...]:
    if value and not MODEL_FIELDS[name].validators and _is_plain_json(value):
        return ()
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):  # not JSON at all: the field's own check says why
        try:
            MODEL_FIELDS[name].clean(value, None)
        except ValidationError as exc:
            return tuple(exc.messages)
        return ()
    return _check_json_text(name, text, language)


@functools.lru_cache(maxsize=4096)
def _check_json_text(name: str, text: str, language: str) -> tuple[str, ...]:
    try:
        MODEL_FIELDS[name].clean(json.loads(text), None)
    except ValidationError as exc:
        return tuple(exc.messages)
    return ()


def validate_account(account: Account, fields: tuple[str, ...], language: str) -> None:
    """``full_clean`` of the given fields, then ``Account.clean()``; cleaned values are set
    on the account, and every error is raised at once as a ``ValidationError`` by field."""
    errors: dict[str, list[str]] = {}
    account.normalise_fields()
    values = account.__dict__
    for name, attname, limit, bound, model_field in _plan(fields):
        raw = values[attname]
        if limit and type(raw) is str and 0 < len(raw) <= limit and "\x00" not in raw:
            continue  # CharField.clean would accept it and return it unchanged
        if bound and type(raw) is int and -bound < raw < bound:
            values[attname] = Decimal(raw)  # what DecimalField.clean would return
            continue
        if model_field.blank and raw in model_field.empty_values:
            continue
        if isinstance(raw, list | dict):
            cleaned, messages = raw, _check_json(name, raw, language)
        else:
            cleaned, messages = _clean_value(name, type(raw), raw, language)
        if messages:
            errors[name] = list(messages)
        else:
            values[attname] = cleaned
    try:
        account.clean()
    except ValidationError as exc:
        for name, messages in error_dict(exc).items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@functools.lru_cache(maxsize=256)
def fields_to_check(written: frozenset[str]) -> tuple[str, ...]:
    """The fields a row sets, plus those every row must pass; the others keep defaults or
    stored values, valid already."""
    wanted = (written | ALWAYS_CHECKED) - FK_CHECKED_BY_CALLER
    return tuple(name for name in MODEL_FIELDS if name in wanted)


def error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """A ``ValidationError`` as the API and reports show it: messages by field."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}
