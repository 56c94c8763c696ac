"""The model as JSON (``procdsl ir``): every node with its kind and span."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from .. import model as m
from . import header_text


def to_data(node: Any) -> Any:
    """Return a JSON-ready value for a model node (dicts keep field order)."""
    if isinstance(node, m.Name):
        return node.text
    if isinstance(node, Enum):
        return node.value
    if isinstance(node, bool) or node is None or isinstance(node, (int, str)):
        return node
    if isinstance(node, Decimal):
        return str(node)
    if isinstance(node, _dt.date):
        return node.isoformat()
    if isinstance(node, tuple):
        return [to_data(x) for x in node]
    if is_dataclass(node):
        out: dict[str, Any] = {"node": type(node).__name__}
        for f in fields(node):
            value = getattr(node, f.name)
            out[f.name] = value.to_json() if f.name == "span" else to_data(value)
        return out
    raise TypeError(f"cannot serialise {type(node).__name__}")


def emit_ir(spec: m.Spec) -> str:
    """Return the spec's model as a JSON document with a ``schema_version``."""
    doc = {
        "generator": header_text(spec.path),
        "schema_version": m.SCHEMA_VERSION,
        "source": spec.path,
        "process": to_data(spec.process),
        "calendars": to_data(spec.calendars),
        "roles": to_data(spec.roles),
        "fields": to_data(spec.fields),
        "tasks": to_data(spec.tasks),
        "rules": to_data(spec.rules),
        "ends": to_data(spec.ends),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
