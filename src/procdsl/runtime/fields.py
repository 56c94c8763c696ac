"""Case data: checking values against their field's type, and writing them as JSON."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from .errors import Refused
from .tables import FieldDef

D = TypeVar("D")

_CHECKS: dict[str, Callable[[Any], bool]] = {
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "decimal": lambda v: isinstance(v, (Decimal, int)) and not isinstance(v, bool),
    "money": lambda v: isinstance(v, (Decimal, int)) and not isinstance(v, bool),
    "text": lambda v: isinstance(v, str),
    "date": lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
}


def check_value(spec_field: FieldDef, value: Any, kind: str | None = None) -> Any:
    """Return value as the field's type expects it, or refuse a value of the wrong type."""
    kind = kind or spec_field.kind
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise Refused(f"{spec_field.name} must be a list")
        return [check_value(spec_field, v, spec_field.item or "text") for v in value]
    if kind == "enum":
        fits = isinstance(value, str) and (not spec_field.values or value in spec_field.values)
    else:
        fits = _CHECKS[kind](value)
    if not fits:
        raise Refused(f"{spec_field.name} cannot be {value!r} (expects {kind})")
    return Decimal(value) if kind in ("decimal", "money") else value


def merge(data: D, changes: Mapping[str, Any], by_name: Mapping[str, FieldDef],
          by_attr: Mapping[str, FieldDef]) -> D:
    """Return a copy of data with changes (keyed by field name or attribute) applied, checked."""
    values = {}
    for key, value in changes.items():
        spec_field = by_name.get(key) or by_attr.get(key)
        if spec_field is None:
            raise Refused(f"no data field named {key!r}")
        values[spec_field.attr] = check_value(spec_field, value)
    fresh = copy.copy(data)
    for attr, value in values.items():
        setattr(fresh, attr, value)
    return fresh


def encode(value: Any) -> Any:
    """Return a field value as JSON can hold it (decimals and dates as strings)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def decode(kind: str, item: str | None, value: Any) -> Any:
    """Return the field value ``encode`` wrote."""
    if kind == "list":
        return [decode(item or "text", None, v) for v in value]
    if kind in ("decimal", "money"):
        return Decimal(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    return value
