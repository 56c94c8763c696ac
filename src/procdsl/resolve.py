"""Settle names once every block is known: fields vs enum values, steps vs ends, and
what kind of thing each rule row gives.  Unknown names are left for the checks."""

from __future__ import annotations

import re
from dataclasses import fields as dc_fields
from dataclasses import is_dataclass, replace
from enum import Enum
from typing import Any

from . import model as m
from .source import Span


class _Resolver:
    def __init__(self, spec: m.Spec) -> None:
        self.fields = {f.name.text for f in spec.fields}
        self.tasks = {t.name.text for t in spec.tasks}
        self.ends = {e.name.text for e in spec.ends}
        self.roles = {r.name.text for r in spec.roles}

    def target(self, t: m.Target) -> m.Target:
        name = t.name.text
        if t.explicit_end:
            kind = m.TargetKind.END if name in self.ends else m.TargetKind.UNKNOWN
        elif name in self.tasks:
            kind = m.TargetKind.STEP
        elif name in self.ends:
            kind = m.TargetKind.END
        else:
            kind = m.TargetKind.UNKNOWN
        return t if kind is t.kind else replace(t, kind=kind)

    def result(self, r: m.RuleResult) -> m.RuleResult:
        if r.kind is m.ResultKind.VALUE:
            return r
        names = [n.text for n in r.names]
        if all(n in self.roles for n in names):
            kind = m.ResultKind.ROLES
        elif len(names) == 1 and (names[0] in self.tasks or names[0] in self.ends):
            kind = m.ResultKind.STEP
        else:
            kind = m.ResultKind.UNKNOWN
        return replace(r, kind=kind)

    def walk(self, node: Any) -> Any:
        kind = type(node)
        if kind in _LEAVES:
            return node
        if kind is tuple:
            walked = [self.walk(x) for x in node]
            for a, b in zip(walked, node, strict=True):
                if a is not b:
                    return tuple(walked)
            return node
        if kind is m.EnumValue:
            if node.name.text in self.fields:
                return m.FieldRef(node.name, node.span)
            return node
        if kind is m.Target:
            return self.target(node)
        if kind is m.RuleResult:
            return self.result(node)
        names = _field_names(kind)
        if names is None:
            return node
        changes = {}
        for name in names:
            value = getattr(node, name)
            new = self.walk(value)
            if new is not value:
                changes[name] = new
        return replace(node, **changes) if changes else node


# Types whose values hold nothing to resolve; grows with every non-dataclass type met.
_LEAVES: set[type] = {str, int, bool, type(None), m.Name, m.Literal, m.Duration, m.DataType,
                      Span}
_FIELDS: dict[type, tuple[str, ...]] = {}
# What a model field may hold, read from its annotation: a field whose annotation names
# only these (or enums, or model classes made only of them) is never walked.
_PLAIN_NAMES = {"str", "int", "bool", "float", "None", "Decimal", "Span", "tuple", "_dt.date"}
_NEVER_PLAIN = {m.Target, m.EnumValue, m.FieldRef, m.RuleResult}
_PLAIN: dict[type, bool] = {}


def _plain_annotation(annotation: str) -> bool:
    """Return True when every type an annotation names holds nothing to resolve."""
    for name in re.findall(r"[A-Za-z_][\w.]*", annotation):
        if name in _PLAIN_NAMES:
            continue
        found = getattr(m, name, None)
        if not isinstance(found, type) or not _plain_type(found):
            return False
    return True


def _plain_type(kind: type) -> bool:
    """Return True for enums and model classes whose fields all hold nothing to resolve."""
    known = _PLAIN.get(kind)
    if known is None:
        if issubclass(kind, Enum):
            known = True
        elif kind in _NEVER_PLAIN or not is_dataclass(kind) or kind.__module__ != m.__name__:
            known = False
        else:
            _PLAIN[kind] = True  # a class that holds itself (DataType.item) is plain so far
            known = all(isinstance(f.type, str) and _plain_annotation(f.type)
                        for f in dc_fields(kind))
        _PLAIN[kind] = known
    return known


def _field_names(kind: type) -> tuple[str, ...] | None:
    """Return the fields of a dataclass type that may hold names to resolve (cached).

    None for any other type.  Fields of model classes whose annotation says they hold
    only plain values (text, numbers, enums, names, spans...) are left out.
    """
    names = _FIELDS.get(kind)
    if names is None:
        if not is_dataclass(kind):
            _LEAVES.add(kind)
            return None
        model = kind.__module__ == m.__name__
        names = _FIELDS[kind] = tuple(
            f.name for f in dc_fields(kind)
            if not (model and isinstance(f.type, str) and _plain_annotation(f.type)))
    return names


def resolve(spec: m.Spec) -> m.Spec:
    """Return the spec with field references, route targets and rule results settled."""
    r = _Resolver(spec)
    return m.Spec(
        path=spec.path, process=r.walk(spec.process), calendars=spec.calendars,
        roles=spec.roles, fields=spec.fields, tasks=r.walk(spec.tasks),
        rules=r.walk(spec.rules), ends=spec.ends)
