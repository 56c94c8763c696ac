"""Which rows of a rule table match which values: the analysis behind PD501 and PD502.

Rows that compare fields with literals (``金额 < 10000``, ``类别 in (设备, 服务)``, joined
with and/or/not) split each field's values into cells: the literals themselves and the
open ranges between them for numbers and dates, each value for enums and yes/no fields.
Every such condition is constant on a cell, so trying one representative per cell
answers exactly which rows match which values.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..model import (
    BoolOp,
    Compare,
    EnumValue,
    Expr,
    FieldRef,
    Literal,
    LiteralKind,
    Member,
    Not,
    Spec,
    TypeKind,
)

Value = Fraction | str | bool
MAX_COMBINATIONS = 4096
MAX_WORK = 400_000  # cells x rows: beyond this a table is left unanalysed
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True, slots=True)
class Cell:
    """Values of one field no analysed condition tells apart: a point, a range or a value.

    Numeric cells are ``low < v < high`` (None is unbounded) or the point ``low == high``.
    """

    low: Fraction | None = None
    high: Fraction | None = None
    value: str | bool | None = None

    @property
    def is_point(self) -> bool:
        """Return True when the cell holds exactly one number."""
        return self.value is None and self.low is not None and self.low == self.high

    def contains(self, v: Value) -> bool:
        """Return True when v lies in the cell."""
        if self.value is not None or isinstance(v, (str, bool)):
            return v == self.value
        if self.is_point:
            return v == self.low
        return (self.low is None or v > self.low) and (self.high is None or v < self.high)

    def witness(self) -> Value:
        """Return a simple value inside the cell: a whole number whenever the cell holds one."""
        if self.value is not None:
            return self.value
        low, high = self.low, self.high
        if self.is_point:
            assert low is not None
            return low
        if low is None:
            return Fraction(0) if high is None or high > 0 else Fraction(_floor(high) - 1)
        if high is None:
            return Fraction(_floor(low) + 1)
        if _floor(low) + 1 < high:
            return Fraction(_floor(low) + 1)
        return (low + high) / 2


def _floor(x: Fraction) -> int:
    return x.numerator // x.denominator


@dataclass(frozen=True, slots=True)
class Domain:
    """One field a rule table reads: its name, kind (number/int/date/enum/bool) and values."""

    field: str
    kind: str
    values: tuple[str, ...] = ()

    @property
    def integral(self) -> bool:
        """Return True when only whole numbers are possible (int fields and dates)."""
        return self.kind in ("int", "date")


_DOMAIN_KINDS = {TypeKind.INT: "int", TypeKind.DECIMAL: "number", TypeKind.MONEY: "number",
                 TypeKind.DATE: "date", TypeKind.ENUM: "enum", TypeKind.BOOL: "bool"}


def _domain(spec: Spec, name: str) -> Domain | None:
    f = spec.field(name)
    if f is None or f.type.kind not in _DOMAIN_KINDS:
        return None
    return Domain(name, _DOMAIN_KINDS[f.type.kind], tuple(v.text for v in f.type.values))


def constant(domain: Domain, expr: Expr) -> Value | None:
    """Return the value a literal (or enum name) stands for in domain, or None if it cannot."""
    if domain.kind == "enum":
        ok = isinstance(expr, EnumValue) and expr.name.text in domain.values
        return expr.name.text if ok and isinstance(expr, EnumValue) else None
    if not isinstance(expr, Literal):
        return None
    v = expr.value
    if domain.kind == "bool":
        return v if isinstance(v, bool) else None
    if domain.kind == "date":
        return Fraction(v.toordinal()) if isinstance(v, _dt.date) else None
    if expr.kind in (LiteralKind.INT, LiteralKind.DECIMAL) and isinstance(v, (int, Decimal)):
        return Fraction(v)
    return None


class _Collector:
    """Finds the fields and constants of analysable conditions."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.domains: dict[str, Domain] = {}
        self.constants: dict[str, set[Fraction]] = {}

    def leaf(self, field: Expr, op: str, values: Sequence[Expr]) -> bool:
        """Note ``field op value...``; return False when it cannot be analysed."""
        if not isinstance(field, FieldRef):
            return False
        domain = _domain(self.spec, field.name.text)
        if domain is None or (op not in ("==", "!=", "in") and domain.kind in ("enum", "bool")):
            return False
        found = [constant(domain, v) for v in values]
        if any(c is None for c in found):
            return False
        self.domains.setdefault(domain.field, domain)
        nums = self.constants.setdefault(domain.field, set())
        nums.update(c for c in found if isinstance(c, Fraction))
        return True

    def analysable(self, expr: Expr) -> bool:
        """Return True when expr is built only from comparisons of fields with literals."""
        match expr:
            case Not():
                return self.analysable(expr.operand)
            case BoolOp():
                return all([self.analysable(x) for x in expr.operands])
            case Compare():
                if expr.op not in _FLIP:
                    return False
                if isinstance(expr.right, FieldRef) and not isinstance(expr.left, FieldRef):
                    return self.leaf(expr.right, _FLIP[expr.op], (expr.left,))
                return self.leaf(expr.left, expr.op, (expr.right,))
            case Member():
                return self.leaf(expr.operand, "in", expr.items)
            case FieldRef():
                field = self.spec.field(expr.name.text)
                is_bool = field is not None and field.type.kind is TypeKind.BOOL
                return is_bool and self.leaf(expr, "==", ())
            case Literal():
                return isinstance(expr.value, bool)
        return False


def cells(domain: Domain, constants: set[Fraction]) -> tuple[Cell, ...]:
    """Return the cells of a field's values, in ascending order (empty ones left out)."""
    if domain.kind == "enum":
        return tuple(Cell(value=v) for v in domain.values)
    if domain.kind == "bool":
        return (Cell(value=True), Cell(value=False))
    points = sorted(constants)
    bounds: list[Fraction | None] = [None, *points, None]
    found: list[Cell] = []
    for i in range(len(bounds) - 1):
        if i > 0:
            found.append(Cell(points[i - 1], points[i - 1]))
        found.append(Cell(bounds[i], bounds[i + 1]))
    if domain.integral:
        found = [c for c in found if _has_integer(c)]
    return tuple(found)


def _has_integer(cell: Cell) -> bool:
    if cell.is_point:
        return cell.low is not None and cell.low.denominator == 1
    if cell.low is None or cell.high is None:
        return True
    return _floor(cell.low) + 1 < cell.high


Test = Callable[[dict[str, Value]], bool]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge}


def compile_condition(expr: Expr, domains: dict[str, Domain]) -> Test:
    """Return a function that tells whether an analysable condition holds for field values."""
    match expr:
        case Not():
            inner = compile_condition(expr.operand, domains)
            return lambda env: not inner(env)
        case BoolOp():
            parts = [compile_condition(x, domains) for x in expr.operands]
            if expr.op == "and":
                return lambda env: all(p(env) for p in parts)
            return lambda env: any(p(env) for p in parts)
        case Literal():
            value = bool(expr.value)
            return lambda env: value
        case FieldRef():
            name = expr.name.text
            return lambda env: env[name] is True
        case Member():
            assert isinstance(expr.operand, FieldRef)
            domain = domains[expr.operand.name.text]
            items = {constant(domain, x) for x in expr.items}
            negated, field = expr.negated, domain.field
            return lambda env: (env[field] in items) != negated
        case Compare():
            mirrored = isinstance(expr.right, FieldRef) and not isinstance(expr.left, FieldRef)
            ref, against = (expr.right, expr.left) if mirrored else (expr.left, expr.right)
            assert isinstance(ref, FieldRef)
            test, key = _OPS[_FLIP[expr.op] if mirrored else expr.op], ref.name.text
            bound = constant(domains[key], against)
            return lambda env: test(env[key], bound)
    raise ValueError("not an analysable condition")


@dataclass(frozen=True, slots=True)
class Analysis:
    """Every combination of cells, with the analysed rows (by index) that match it."""

    domains: tuple[Domain, ...]
    cells: tuple[tuple[Cell, ...], ...]
    positions: tuple[dict[Cell, int], ...]
    combos: tuple[tuple[tuple[Cell, ...], frozenset[int]], ...]
    skipped: tuple[int, ...]

    def env(self, combo: tuple[Cell, ...]) -> dict[str, Value]:
        """Return a representative value per field for a combination of cells."""
        return {d.field: c.witness() for d, c in zip(self.domains, combo, strict=True)}


def analyse(spec: Spec, conditions: Sequence[Expr]) -> Analysis | None:
    """Return which rows match which cells, or None when there are too many combinations.

    Rows that are not comparisons of fields with literals are listed in ``skipped``.
    """
    collector = _Collector(spec)
    rows = [i for i, c in enumerate(conditions) if collector.analysable(c)]
    skipped = tuple(i for i in range(len(conditions)) if i not in rows)
    domains = tuple(collector.domains.values())
    per_field = [cells(d, collector.constants.get(d.field, set())) for d in domains]
    total = 1
    for c in per_field:
        total *= len(c)
    if total > MAX_COMBINATIONS or total * len(rows) > MAX_WORK:
        return None
    positions = tuple({c: i for i, c in enumerate(cs)} for cs in per_field)
    found = Analysis(domains, tuple(per_field), positions, (), skipped)
    tests = [(i, compile_condition(conditions[i], collector.domains)) for i in rows]
    combos = []
    for combo in itertools.product(*per_field):
        env = found.env(combo)
        combos.append((combo, frozenset(i for i, test in tests if test(env))))
    return Analysis(domains, tuple(per_field), positions, tuple(combos), skipped)


def runs(positions: dict[Cell, int], selected: Sequence[Cell]) -> list[list[Cell]]:
    """Return the selected cells grouped into runs of neighbours (by their positions)."""
    groups: list[list[Cell]] = []
    last = -2
    for index, cell in sorted((positions[c], c) for c in set(selected)):
        if index == last + 1:
            groups[-1].append(cell)
        else:
            groups.append([cell])
        last = index
    return groups
