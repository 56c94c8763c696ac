"""Case data: checking values against their field's type, and writing them as JSON."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from .messages import kind_word, refused
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


def check_value(spec_field: FieldDef, value: Any, kind: str | None = None,
                lang: str = "en") -> Any:
    """Return value as the field's type expects it, or refuse a value of the wrong type,
    outside the field's range, or empty where the field is required."""
    kind = kind or spec_field.kind
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise refused(lang, "not_list", field=spec_field.name)
        if spec_field.required and not value:
            raise refused(lang, "empty_required", field=spec_field.name)
        return [check_value(spec_field, v, spec_field.item or "text", lang) for v in value]
    if kind == "enum":
        fits = isinstance(value, str) and (not spec_field.values or value in spec_field.values)
    else:
        fits = _CHECKS[kind](value)
    if not fits:
        if kind == "enum" and spec_field.values:
            raise refused(lang, "not_enum", field=spec_field.name, value=value,
                          values=("、" if lang == "zh" else ", ").join(spec_field.values))
        raise refused(lang, "bad_value", field=spec_field.name, value=value,
                      kind=kind_word(lang, kind))
    if kind in ("decimal", "money"):
        value = Decimal(value)
    if kind != spec_field.kind:  # a list's item
        return value
    if spec_field.low is not None or spec_field.high is not None:
        in_range(spec_field, value, lang)
    elif spec_field.required and kind == "text" and not value.strip():
        raise refused(lang, "empty_required", field=spec_field.name)
    return value


def in_range(spec_field: FieldDef, value: Any, lang: str) -> None:
    """Refuse a value outside the field's range (both ends included)."""
    low, high = spec_field.low, spec_field.high
    if (low is not None and value < low) or (high is not None and value > high):
        raise refused(lang, "out_of_range", field=spec_field.name, value=encode(value),
                      low=encode(low) if low is not None else "",
                      high=encode(high) if high is not None else "")


def check_start(data: Any, given: Mapping[str, Any] | None, fields: Iterable[FieldDef],
                lang: str) -> None:
    """Refuse a case's starting data: a required field the mapping ``given`` lacks (a
    data-class instance, ``given`` None, counts as giving every field), or any value,
    given or default, outside its field's range or empty where it is required."""
    missing = []
    for spec_field in fields:
        if not (spec_field.required or spec_field.low is not None
                or spec_field.high is not None):
            continue
        if given is not None and spec_field.required and (
                given.get(spec_field.name, given.get(spec_field.attr)) is None):
            missing.append(spec_field.name)
            continue
        check_value(spec_field, getattr(data, spec_field.attr), None, lang)
    if missing:
        raise refused(lang, "required", fields=("、" if lang == "zh" else ", ").join(missing))


def merge(data: D, changes: Mapping[str, Any], by_name: Mapping[str, FieldDef],
          by_attr: Mapping[str, FieldDef], lang: str = "en") -> D:
    """Return a copy of data with changes (keyed by field name or attribute) applied, checked."""
    values = {}
    for key, value in changes.items():
        spec_field = by_name.get(key) or by_attr.get(key)
        if spec_field is None:
            raise refused(lang, "no_field", field=key)
        values[spec_field.attr] = check_value(spec_field, value, None, lang)
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
