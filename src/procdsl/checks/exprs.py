"""Conditions as the type and rule checks see them: where they are, their types, their text."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass

from ..diagnostics import Text
from ..model import (
    Expr,
    Literal,
    LiteralKind,
    Spec,
    TypeKind,
)
from ..vocabulary import expression

BOOL, NUMBER, TEXT, DATE, ENUM, LIST = "bool", "number", "text", "date", "enum", "list"


@dataclass(frozen=True, slots=True)
class Ty:
    """The type of an expression; ``values`` and ``field`` are set for enum fields."""

    kind: str
    values: tuple[str, ...] = ()
    field: str | None = None

    def words(self) -> Text:
        """Return the type in plain words ('a number', 'one of 低, 中, 高')."""
        if self.kind == ENUM:
            return Text(f"one of {', '.join(self.values)}", f"选项（{'、'.join(self.values)}）")
        return _TYPE_WORDS[self.kind]


_TYPE_WORDS = {
    BOOL: Text("a yes/no value", "“是/否”值"),
    NUMBER: Text("a number", "数字"),
    TEXT: Text("text", "文本"),
    DATE: Text("a date", "日期"),
    LIST: Text("a list", "列表"),
}

_FIELD_KINDS = {TypeKind.BOOL: BOOL, TypeKind.INT: NUMBER, TypeKind.DECIMAL: NUMBER,
                TypeKind.MONEY: NUMBER, TypeKind.TEXT: TEXT, TypeKind.DATE: DATE,
                TypeKind.ENUM: ENUM, TypeKind.LIST: LIST}

_LITERAL_KINDS = {LiteralKind.BOOL: BOOL, LiteralKind.INT: NUMBER, LiteralKind.DECIMAL: NUMBER,
                  LiteralKind.TEXT: TEXT, LiteralKind.DATE: DATE}


@dataclass(frozen=True, slots=True)
class Place:
    """A top-level condition and where it sits (for messages)."""

    expr: Expr
    where: Text


def conditions(spec: Spec) -> Iterator[Place]:
    """Yield every top-level condition: routes, also-by, for-each until, rule rows."""
    for task in spec.tasks:
        name = task.name.text
        for route in task.routes:
            if route.condition is not None:
                yield Place(route.condition, Text(f"a route of {name}", f"{name} 的路由"))
        for extra in task.extra_approvers:
            yield Place(extra.condition, Text(f"'also by' of {name}", f"{name} 的加签条件"))
        if task.for_each is not None and task.for_each.until is not None:
            yield Place(task.for_each.until, Text(f"'until' of {name}", f"{name} 的结束条件"))
    for rule in spec.rules:
        for row in rule.rows:
            if row.condition is not None:
                yield Place(row.condition, Text(f"rule {rule.name.text}",
                                                f"规则 {rule.name.text}"))


def field_type(spec: Spec, name: str) -> Ty | None:
    """Return the type of the field called name, or None when it is not declared."""
    f = spec.field(name)
    if f is None:
        return None
    return Ty(_FIELD_KINDS[f.type.kind], tuple(v.text for v in f.type.values), name)


def literal_type(lit: Literal) -> Ty | None:
    """Return a literal's type (None for a date that failed to parse)."""
    if lit.kind is LiteralKind.DATE and not isinstance(lit.value, _dt.date):
        return None
    return Ty(_LITERAL_KINDS[lit.kind])


def compatible(a: Ty, b: Ty) -> bool:
    """Return True when values of types a and b can be compared with each other."""
    if a.kind != b.kind:
        return False
    return a.kind != ENUM or set(a.values) == set(b.values)


# ------------------------------------------------------------------ text


def show(expr: Expr, lang: str) -> str:
    """Return an expression as the spec wrote it ('金额 >= 10000 且 类别 == 设备')."""
    return expression(expr, lang, as_written=True)


def shown(expr: Expr) -> Text:
    """Return an expression's text in both languages."""
    return Text(show(expr, "en"), show(expr, "zh"))
