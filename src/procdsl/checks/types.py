"""Checks: conditions type-check against ``data`` (PD401-PD405); field ranges (PD406,
PD407)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from decimal import Decimal

from ..diagnostics import Diagnostic, Text, diagnostic
from ..model import (
    Arith,
    BoolOp,
    Bound,
    Compare,
    EnumValue,
    Expr,
    Field,
    FieldRef,
    Literal,
    LiteralKind,
    Member,
    Negative,
    Not,
    Spec,
    TypeKind,
)
from .context import Check, CheckContext
from .exprs import (
    BOOL,
    DATE,
    ENUM,
    LIST,
    NUMBER,
    TEXT,
    Ty,
    compatible,
    conditions,
    field_type,
    literal_type,
    show,
    shown,
)
from .suggest import did_you_mean

_ORDERING = ("<", "<=", ">", ">=")


class _Typer:
    """Types one condition, collecting the diagnostics it finds."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.found: list[Diagnostic] = []

    def type_of(self, expr: Expr) -> Ty | None:
        """Return the type of expr (None when it cannot be typed), reporting misuse."""
        match expr:
            case Literal():
                return literal_type(expr)
            case FieldRef():
                return field_type(self.spec, expr.name.text)
            case EnumValue():
                return None  # an unknown name unless an enum field is beside it (PD203)
            case Not():
                self.expect_bool(expr.operand)
                return Ty(BOOL)
            case BoolOp():
                for operand in expr.operands:
                    self.expect_bool(operand)
                return Ty(BOOL)
            case Compare():
                self.compare(expr)
                return Ty(BOOL)
            case Member():
                self.member(expr)
                return Ty(BOOL)
            case Arith():
                self.expect_number(expr.left, expr.op)
                self.expect_number(expr.right, expr.op)
                return Ty(NUMBER)
            case Negative():
                self.expect_number(expr.operand, "-")
                return Ty(NUMBER)
        return None

    def expect_bool(self, expr: Expr) -> None:
        """Report expr when it is known not to be a yes-or-no test."""
        ty = self.type_of(expr)
        if ty is not None and ty.kind != BOOL:
            self.found.append(_not_bool(expr, ty))

    def expect_number(self, expr: Expr, op: str) -> None:
        """Report expr when arithmetic is done on it and it is not a number."""
        ty = self.type_of(expr)
        if ty is None or ty.kind == NUMBER:
            return
        text, words = shown(expr), ty.words()
        self.found.append(diagnostic(
            "PD404", expr.span,
            Text(f"{text.en} is {words.en}, not a number: '{op}' works only on numbers",
                 f"{text.zh} 是{words.zh}，不是数字，不能做算术运算（{op}）"),
            label=Text("not a number", "不是数字"),
            hint=Text("use arithmetic only on int, decimal or money fields and numbers",
                      "算术运算只能用于整数、小数、金额字段和数字")))

    def compare(self, expr: Compare) -> None:
        """Check both sides of a comparison against each other."""
        left, right = self.type_of(expr.left), self.type_of(expr.right)
        for side, other, other_ty in ((expr.left, expr.right, right),
                                      (expr.right, expr.left, left)):
            if isinstance(side, EnumValue):
                if other_ty is not None and other_ty.kind == ENUM:
                    self.enum_value(side, other_ty)
                    if expr.op in _ORDERING:
                        self.found.append(_unordered(expr, other, other_ty))
                return
        if left is None or right is None:
            return
        if not compatible(left, right):
            self.found.append(_mismatch(expr.left, left, expr.right, right))
        elif expr.op in _ORDERING and left.kind in (BOOL, ENUM):
            self.found.append(_unordered(expr, expr.left, left))

    def member(self, expr: Member) -> None:
        """Check every item of ``x in (...)`` against x."""
        ty = self.type_of(expr.operand)
        for item in expr.items:
            if isinstance(item, EnumValue):
                if ty is not None and ty.kind == ENUM:
                    self.enum_value(item, ty)
                continue
            item_ty = self.type_of(item)
            if ty is not None and item_ty is not None and not compatible(ty, item_ty):
                self.found.append(_mismatch(expr.operand, ty, item, item_ty))

    def enum_value(self, value: EnumValue, ty: Ty) -> None:
        """Report a bare name compared with an enum field when it is not one of its values."""
        word = value.name.text
        if word in ty.values:
            return
        self.found.append(_unknown_value(self.spec, value, ty))


def _unknown_value(spec: Spec, value: EnumValue, ty: Ty) -> Diagnostic:
    word, name = value.name.text, ty.field or "?"
    field = spec.field(name)
    candidates = field.type.values if field is not None else ()
    hint = did_you_mean(word, candidates) or Text(
        f"use one of: {', '.join(ty.values)}", f"可选值为：{'、'.join(ty.values)}")
    return diagnostic(
        "PD402", value.span,
        Text(f"{word} is not one of the values of {name} ({', '.join(ty.values)})",
             f"{word} 不是 {name} 的取值（{'、'.join(ty.values)}）"),
        label=Text(f"not a value of {name}", f"不是 {name} 的取值"), hint=hint)


def _culprit(left: Expr, right: Expr) -> Expr:
    """Return the side a reader should fix: the one that is not a field, else the right."""
    if isinstance(right, FieldRef) and not isinstance(left, FieldRef):
        return left
    return right


def _mismatch(left: Expr, lty: Ty, right: Expr, rty: Ty) -> Diagnostic:
    culprit = _culprit(left, right)
    base, base_ty, bad_ty = (left, lty, rty) if culprit is right else (right, rty, lty)
    b, c = shown(base), shown(culprit)
    bw, cw = base_ty.words(), bad_ty.words()
    return diagnostic(
        "PD401", culprit.span,
        Text(f"{b.en} is {bw.en} but {c.en} is {cw.en}: they cannot be compared",
             f"{b.zh} 是{bw.zh}，而 {c.zh} 是{cw.zh}，两者不能比较"),
        label=Text(f"this is {cw.en}", f"这是{cw.zh}"),
        hint=_mismatch_hint(base, base_ty, culprit))


def _mismatch_hint(base: Expr, ty: Ty, culprit: Expr) -> Text:
    b = shown(base)
    if isinstance(culprit, Literal) and culprit.kind is LiteralKind.TEXT:
        raw = str(culprit.value)
        if ty.kind == ENUM and raw in ty.values:
            return Text(f"write {raw} without quotes", f"去掉引号，直接写 {raw}")
        if ty.kind == NUMBER and raw.replace(".", "", 1).isdigit():
            return Text(f"write the number without quotes: {raw}", f"数字不加引号：{raw}")
    w = ty.words()
    return Text(f"compare {b.en} with {w.en}", f"{b.zh} 只能与{w.zh}比较")


def _unordered(expr: Compare, field: Expr, ty: Ty) -> Diagnostic:
    text, words = shown(expr), ty.words()
    return diagnostic(
        "PD401", expr.span,
        Text(f"{text.en}: {show(field, 'en')} is {words.en}, which has no order",
             f"{text.zh}：{show(field, 'zh')} 是{words.zh}，没有大小之分"),
        label=Text(f"'{expr.op}' needs numbers or dates", f"“{expr.op}” 只能用于数字或日期"),
        hint=Text("use == or != (or 'in (...)' for several values)",
                  "请用 == 或 !=（多个取值可用 in (...)）"))


_EXAMPLES = {NUMBER: "{x} > 0", TEXT: '{x} == "..."', DATE: "{x} <= 2026-12-31"}


def _not_bool(expr: Expr, ty: Ty) -> Diagnostic:
    text, words = shown(expr), ty.words()
    pattern = _EXAMPLES.get(ty.kind, "{x} == {v}" if ty.values else "{x} == ...")
    example = pattern.format(x=text.en, v=ty.values[0] if ty.values else "")
    hint = Text(f"compare it with something, e.g. {example}", f"请写成比较，例如 {example}")
    if ty.kind == LIST:
        hint = Text("a list cannot be tested as a whole; use 'for each' to go through it",
                    "列表不能整体作为条件；可用“对每个”逐个处理")
    return diagnostic(
        "PD403", expr.span,
        Text(f"the condition {text.en} is {words.en}, not a yes-or-no test",
             f"条件 {text.zh} 是{words.zh}，不是“是/否”判断"),
        label=Text("not true or false", "不是“是/否”判断"), hint=hint)


def check_conditions(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report conditions whose parts do not fit together or are not yes-or-no tests."""
    for place in conditions(ctx.spec):
        typer = _Typer(ctx.spec)
        typer.expect_bool(place.expr)
        yield from typer.found


def check_for_each(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report a for-each over a field that is not a list (PD405)."""
    lists = [f.name for f in ctx.spec.fields if f.type.kind is TypeKind.LIST]
    for task in ctx.spec.tasks:
        each = task.for_each
        field = ctx.spec.field(each.list_field.text) if each is not None else None
        if each is None or field is None or field.type.kind is TypeKind.LIST:
            continue
        name, words = each.list_field.text, field_type(ctx.spec, field.name.text)
        assert words is not None
        w = words.words()
        yield diagnostic(
            "PD405", each.list_field.span,
            Text(f"'for each' needs a list, but {name} is {w.en}",
                 f"“对每个”需要列表字段，而 {name} 是{w.zh}"),
            label=Text("not a list", "不是列表"),
            hint=did_you_mean(name, lists) or Text(
                f"declare {name} as a list under 'data', e.g. {name}: list of text",
                f"请在“数据”中把 {name} 声明为列表，例如 {name}: 列表 文本"))


def check_person_fields(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report ``by person in field X`` where X does not hold a person's id (text) (PD408)."""
    texts = [f.name for f in ctx.spec.fields if f.type.kind is TypeKind.TEXT]
    for task in ctx.spec.tasks:
        person = task.assignee.field if task.assignee is not None else None
        field = ctx.spec.field(person.text) if person is not None else None
        if person is None or field is None or field.type.kind is TypeKind.TEXT:
            continue
        name, words = person.text, field_type(ctx.spec, field.name.text)
        assert words is not None
        w = words.words()
        yield diagnostic(
            "PD408", person.span,
            Text(f"the approver of {task.name.text} is the person whose id {name} holds, "
                 f"but {name} is {w.en}, not text",
                 f"{task.name.text} 的审批人由字段 {name} 指定（填写人员标识），而 {name} 是{w.zh}，"
                 "不是文本"),
            label=Text("not a person", "不是人员"),
            hint=did_you_mean(name, texts) or Text(
                f"declare {name} as text under 'data', e.g. {name}: text \"Reviewer\"",
                f"请在“数据”中把 {name} 声明为文本，例如 {name}: 文本 \"复核人\""))


_RANGED = {TypeKind.INT: (LiteralKind.INT,),
           TypeKind.DECIMAL: (LiteralKind.INT, LiteralKind.DECIMAL),
           TypeKind.MONEY: (LiteralKind.INT, LiteralKind.DECIMAL),
           TypeKind.DATE: (LiteralKind.DATE,)}


def _bound_text(b: Bound) -> str:
    return str(b.value)


def check_ranges(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report a ``range`` that does not fit its field (PD406): a field that has no order,
    a bound of another type, or a lowest value above the highest."""
    for f in ctx.spec.fields:
        if f.low is None or f.high is None:
            continue
        name, kinds = f.name.text, _RANGED.get(f.type.kind)
        span = f.low.span
        if kinds is None:
            w = field_type(ctx.spec, name)
            words = w.words() if w is not None else Text("?", "?")
            yield diagnostic(
                "PD406", span,
                Text(f"{name} is {words.en}: only numbers and dates have a range",
                     f"{name} 是{words.zh}，只有数字和日期字段可以有取值范围"),
                label=Text("no range for this type", "此类型不能设取值范围"),
                hint=Text("remove the range, or declare the field as int, decimal, money "
                          "or date", "删除取值范围，或把字段声明为整数、小数、金额或日期"))
            continue
        bad = next((b for b in (f.low, f.high) if b.kind not in kinds
                    or (b.kind is LiteralKind.DATE and not isinstance(b.value, _dt.date))), None)
        if bad is not None:
            if bad.kind is LiteralKind.DATE and f.type.kind is TypeKind.DATE:
                continue  # not a real date: PD609 says so
            w = field_type(ctx.spec, name)
            words = w.words() if w is not None else Text("?", "?")
            whole = f.type.kind is TypeKind.INT and bad.kind is LiteralKind.DECIMAL
            yield diagnostic(
                "PD406", bad.span,
                Text(f"{_bound_text(bad)} cannot bound {name}, which is "
                     f"{'a whole number' if whole else words.en}",
                     f"{_bound_text(bad)} 不能作为 {name} 的取值范围，{name} 是"
                     f"{'整数' if whole else words.zh}"),
                label=Text("does not fit the field", "与字段类型不符"),
                hint=Text(f"write bounds like the values {name} holds",
                          f"请用与 {name} 同类型的值写取值范围"))
            continue
        if f.low.value > f.high.value:  # type: ignore[operator]
            yield diagnostic(
                "PD406", f.low.span,
                Text(f"the range of {name} starts above its end: "
                     f"{_bound_text(f.low)} > {_bound_text(f.high)}",
                     f"{name} 的取值范围下限大于上限：{_bound_text(f.low)} > "
                     f"{_bound_text(f.high)}"),
                label=Text("lowest value", "下限"),
                hint=Text(f"write the lowest value first: range {_bound_text(f.high)}.."
                          f"{_bound_text(f.low)}",
                          f"先写下限：范围 {_bound_text(f.high)}..{_bound_text(f.low)}"))


def _fits(f: Field) -> bool:
    """Return True when f has a range PD406 has nothing to say about."""
    kinds = _RANGED.get(f.type.kind)
    if f.low is None or f.high is None or kinds is None:
        return False
    if any(b.kind not in kinds or not isinstance(b.value, (int, Decimal, _dt.date))
           for b in (f.low, f.high)):
        return False
    return not f.low.value > f.high.value  # type: ignore[operator]


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _compares(expr: Expr) -> Iterator[Compare]:
    match expr:
        case Compare():
            yield expr
        case Not():
            yield from _compares(expr.operand)
        case BoolOp():
            for operand in expr.operands:
                yield from _compares(operand)


def _never(op: str, low: object, high: object, v: object) -> bool:
    lo, hi, x = low, high, v
    try:
        return bool({">": hi <= x, ">=": hi < x, "<": lo >= x, "<=": lo > x,  # type: ignore[operator]
                     "==": x < lo or x > hi}.get(op, False))  # type: ignore[operator]
    except TypeError:
        return False


def check_range_conditions(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Warn about a comparison that a field's range makes impossible (PD407)."""
    for place in conditions(ctx.spec):
        for cmp in _compares(place.expr):
            if isinstance(cmp.left, FieldRef) and isinstance(cmp.right, Literal):
                ref, lit, op = cmp.left, cmp.right, cmp.op
            elif isinstance(cmp.right, FieldRef) and isinstance(cmp.left, Literal):
                ref, lit, op = cmp.right, cmp.left, _FLIP.get(cmp.op, cmp.op)
            else:
                continue
            f = ctx.spec.field(ref.name.text)
            if f is None or not _fits(f) or f.low is None or f.high is None:
                continue
            if lit.kind not in _RANGED[f.type.kind] and not (
                    lit.kind is LiteralKind.DECIMAL and f.type.kind is TypeKind.INT):
                continue
            if not _never(op, f.low.value, f.high.value, lit.value):
                continue
            name, text = ref.name.text, shown(cmp)
            lo, hi = _bound_text(f.low), _bound_text(f.high)
            yield diagnostic(
                "PD407", cmp.span,
                Text(f"{text.en} never holds: {name} is always in {lo}..{hi}",
                     f"{text.zh} 永远不成立：{name} 的取值范围是 {lo}..{hi}"),
                label=Text("never true", "永远不成立"),
                hint=Text(f"check the number, or widen the range of {name}",
                          f"请核对数值，或放宽 {name} 的取值范围"))


CHECKS: tuple[Check, ...] = (check_conditions, check_for_each, check_ranges,
                             check_range_conditions, check_person_fields)
