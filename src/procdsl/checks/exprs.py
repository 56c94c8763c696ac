"""Conditions as the type and rule checks see them: where they are, their types, their text."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from ..diagnostics import Text
from ..model import (
    Arith,
    BoolOp,
    Compare,
    EnumValue,
    Expr,
    FieldRef,
    Literal,
    LiteralKind,
    Member,
    Negative,
    Not,
    Spec,
    TypeKind,
)

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


def infer(spec: Spec, expr: Expr) -> Ty | None:
    """Return the type of expr without reporting anything (None when it cannot tell)."""
    match expr:
        case Literal():
            return literal_type(expr)
        case FieldRef():
            return field_type(spec, expr.name.text)
        case EnumValue():
            return None
        case Not() | BoolOp() | Compare() | Member():
            return Ty(BOOL)
        case Arith() | Negative():
            return Ty(NUMBER)
    return None


# ------------------------------------------------------------------ text


def number_text(value: int | Decimal) -> str:
    """Return a number as a spec would write it (no exponent, no trailing zeros)."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def literal_text(lit: Literal, lang: str) -> str:
    """Return a literal as written in a spec."""
    value = lit.value
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("true" if value else "false")
    if lit.kind is LiteralKind.TEXT:
        return f'"{value}"'
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, Decimal)):
        return number_text(value)
    return str(value)


_WORDS = {("and", "zh"): "且", ("or", "zh"): "或", ("not", "zh"): "非",
          ("in", "zh"): "属于", ("not in", "zh"): "不属于"}


def _word(word: str, lang: str) -> str:
    return _WORDS.get((word, lang), word)


def show(expr: Expr, lang: str, parent: int = 0) -> str:
    """Return an expression as a reader would write it ('金额 >= 10000 且 类别 == 设备')."""
    match expr:
        case Literal():
            return literal_text(expr, lang)
        case FieldRef() | EnumValue():
            return expr.name.text
        case Not():
            return f"{_word('not', lang)} {show(expr.operand, lang, 3)}"
        case BoolOp():
            prec = 1 if expr.op == "or" else 2
            text = f" {_word(expr.op, lang)} ".join(show(x, lang, prec) for x in expr.operands)
            return f"({text})" if prec < parent else text
        case Compare():
            return f"{show(expr.left, lang, 4)} {expr.op} {show(expr.right, lang, 4)}"
        case Member():
            items = ", ".join(show(x, lang, 0) for x in expr.items)
            word = _word("not in" if expr.negated else "in", lang)
            return f"{show(expr.operand, lang, 4)} {word} ({items})"
        case Arith():
            prec = 5 if expr.op in "+-" else 6
            text = f"{show(expr.left, lang, prec)} {expr.op} {show(expr.right, lang, prec + 1)}"
            return f"({text})" if prec < parent else text
        case Negative():
            return f"-{show(expr.operand, lang, 7)}"
    return "?"


def shown(expr: Expr) -> Text:
    """Return an expression's text in both languages."""
    return Text(show(expr, "en"), show(expr, "zh"))
