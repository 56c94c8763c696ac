"""The model as JSON (``procdsl ir``): every node with its kind and span, and back; and
the lowered plan (``procdsl.plan``) as its ``plan`` section, which loading ignores."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import types
import typing
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum
from pathlib import PurePosixPath
from typing import Any

from .. import model as m
from ..plan import Plan, plan_of
from ..source import NO_SPAN, Span
from . import header_text


def to_data(node: Any, home: str | None = None) -> Any:
    """Return a JSON-ready value for a model node (dicts keep field order).

    With ``home`` (the spec's own file), a node written in another file (a shared calendar
    from a calendar file beside the spec) also names that file, as ``"file"``."""
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
        return [to_data(x, home) for x in node]
    if is_dataclass(node):
        out: dict[str, Any] = {"node": type(node).__name__}
        span = getattr(node, "span", None)
        elsewhere = (home is not None and isinstance(span, Span)
                     and span.file not in (home, ""))
        if elsewhere and isinstance(span, Span):
            home = span.file
        for f in fields(node):
            value = getattr(node, f.name)
            out[f.name] = value.to_json() if f.name == "span" else to_data(value, home)
            if f.name == "span" and elsewhere:
                out["file"] = PurePosixPath(value.file).name
        return out
    raise TypeError(f"cannot serialise {type(node).__name__}")


def plan_data(plan: Plan) -> dict[str, Any]:
    """Return the lowered plan as JSON-ready data (docs/ir.md, "The plan")."""
    return {
        "order": [t.name.text for t in plan.order],
        "routes": [{"source": r.source, "action": r.action, "target": r.target,
                    "target_kind": r.target_kind.value, "kind": r.kind.value, "via": r.via,
                    "condition": to_data(r.condition), "split": r.split.value,
                    "route": r.index, "roles": list(r.roles)} for r in plan.routes],
        "lanes": [{"key": lane.key, "role": lane.role, "external": lane.external,
                   "tasks": list(lane.tasks),
                   "actors": [{"task": a.task, "how": a.how.value, "index": a.index}
                              for a in lane.actors]} for lane in plan.lanes],
        "deadlines": [{"scope": d.scope, "amount": str(d.amount), "unit": d.unit.value,
                       "calendar": d.calendar, "reminders": to_data(d.reminders),
                       "breaches": [{"kind": b.kind.value, "roles": list(b.roles),
                                     "target": b.target,
                                     "target_kind": b.target_kind.value if b.target_kind
                                     else None} for b in d.breaches]}
                      for d in plan.deadlines],
        "blocks": [{"split": b.split, "kind": b.kind.value, "route": b.index,
                    "branches": list(b.branches), "join": b.join,
                    "members": sorted(b.members)} for b in plan.blocks],
    }


def emit_ir(spec: m.Spec) -> str:
    """Return the spec's model, and its lowered plan, as a JSON document with a
    ``schema_version``."""
    doc = {
        "generator": header_text(spec.path),
        "schema_version": m.SCHEMA_VERSION,
        "source": spec.path,
        "process": to_data(spec.process),
        "calendars": to_data(spec.calendars, spec.process.span.file),  # the spec's own file
        "roles": to_data(spec.roles),
        "fields": to_data(spec.fields),
        "tasks": to_data(spec.tasks),
        "rules": to_data(spec.rules),
        "ends": to_data(spec.ends),
        "plan": plan_data(plan_of(spec)),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------ loading


def _span_of(value: list[int], path: str) -> Span:
    line, column, end_line, end_column = value
    return Span(path, line, column, end_line, end_column, 0, 0)


def _literal_value(kind: m.LiteralKind, value: Any) -> Any:
    if kind is m.LiteralKind.DECIMAL:
        return Decimal(value)
    if kind is m.LiteralKind.DATE:
        return _dt.date.fromisoformat(value)
    return value


def _node(data: dict[str, Any], path: str) -> Any:
    cls = getattr(m, data["node"])
    if "file" in data:  # written in a calendar file beside the spec
        path = (PurePosixPath(path).parent / data["file"]).as_posix()
    hints = _hints(cls)
    span = _span_of(data["span"], path)
    values = {f.name: _value(data[f.name], hints[f.name], path, span)
              for f in fields(cls) if f.name != "span" and f.name in data}  # else: default
    if cls is m.Literal or cls is m.Bound:
        values["value"] = _literal_value(values["kind"], data["value"])
    return cls(**values, span=span)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(m))


def _value(data: Any, hint: Any, path: str, holder: Span) -> Any:
    """Return the model value for JSON data of the annotated type (names take holder)."""
    origin = typing.get_origin(hint)
    if data is None:
        return None
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(hint) if a is not type(None)]
        if isinstance(data, dict):
            return _node(data, path)
        return _value(data, arms[0], path, holder) if len(arms) == 1 else data
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_value(x, item, path, holder) for x in data)
    if hint is m.Name:
        return m.Name(text=data, span=holder)  # the IR keeps a name's text, not its span
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(data)
    if hint is Decimal:
        return Decimal(data)
    if isinstance(data, dict):
        return _node(data, path)
    return data


def load_ir(text: str) -> m.Spec:
    """Return the model an ``emit_ir`` document holds (names carry their holder's span)."""
    doc = json.loads(text)
    if doc.get("schema_version") != m.SCHEMA_VERSION:
        raise ValueError(f"unsupported IR schema_version {doc.get('schema_version')!r}")
    path = doc["source"]
    hints = _hints(m.Spec)
    parts = {key: _value(doc[key], hints[key], path, NO_SPAN)
             for key in ("process", "calendars", "roles", "fields", "tasks", "rules", "ends")}
    return m.Spec(path=path, **parts)
