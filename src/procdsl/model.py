"""The validated intermediate model: frozen, typed nodes, each with the span it came from.

This is the contract between the parser, the checks and every emitter.  Emitters read
only this model (never spec text or parse trees).  Collections are tuples, names are
``Name`` nodes (text plus span), and declaration order is kept everywhere so that
output is deterministic.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import sys
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass
from decimal import Decimal
from functools import cached_property
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

from .kinds import (
    AssigneeMode,
    BreachKind,
    ExclusionKind,
    JoinKind,
    LiteralKind,
    NotifyWhen,
    ResultKind,
    RouteKind,
    Split,
    TargetKind,
    TaskKind,
    TimeUnit,
    TypeKind,
)
from .source import Span

SCHEMA_VERSION = 1
_C = TypeVar("_C", bound=type)

# Python 3.11's ``@dataclass(frozen=True, slots=True)`` compiles six methods per class
# from text, half of what importing the model cost.  ``_frozen_311`` has dataclasses
# compile only ``__init__`` (its signature is the class's) and makes the rest from shared
# closures that return what the written methods return and raise what they raise
# (``tests/test_model_frozen.py`` compares the two on every class).


def _row(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Return a function giving an instance's field values as a tuple."""
    if len(names) == 1:
        only = names[0]
        return lambda obj: (getattr(obj, only),)
    return attrgetter(*names)


def _methods(cls: type, names: tuple[str, ...]) -> dict[str, Callable[..., Any]]:
    """Return the comparison, hashing, repr and frozen-assignment methods of cls."""
    row = _row(names) if names else (lambda obj: ())

    labels = [f"{n}=" for n in names]

    def __repr__(self: Any) -> str:
        shown = ", ".join([f + repr(v) for f, v in zip(labels, row(self), strict=True)])
        return f"{self.__class__.__qualname__}({shown})"

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return row(self) == row(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(row(self))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]

    return {"__repr__": dataclasses._recursive_repr(__repr__),  # type: ignore[attr-defined]
            "__eq__": __eq__, "__hash__": __hash__,
            "__setattr__": __setattr__, "__delattr__": __delattr__}


def _frozen_311(cls: _C) -> _C:
    """Return cls as ``@dataclass(frozen=True, slots=True)`` would, compiling only __init__."""
    doc = cls.__doc__
    cls.__doc__ = doc or "-"  # dataclass would work a doc-string out of the wrong __init__
    made: Any = dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    fields = dataclasses.fields(made)
    names = tuple(f.name for f in fields)
    init_order = dataclasses._fields_in_init_order(fields)  # type: ignore[attr-defined]
    methods = _methods(cls, names)
    methods["__init__"] = dataclasses._init_fn(  # type: ignore[attr-defined]
        fields, *init_order, True, False, "__dataclass_self__" if "self" in names else "self",
        sys.modules[cls.__module__].__dict__, True)
    for name, method in methods.items():
        method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    made.__getstate__ = dataclasses._dataclass_getstate  # type: ignore[attr-defined]
    made.__setstate__ = dataclasses._dataclass_setstate  # type: ignore[attr-defined]
    made.__dataclass_params__ = dataclasses._DataclassParams(  # type: ignore[attr-defined]
        True, True, True, False, False, True)
    if not doc:
        shown = ", ".join(f"{f.name}: {f.type!r}" for f in fields)
        made.__doc__ = f"{made.__name__}({shown})"
    return made  # type: ignore[no-any-return]


_QUICK = sys.version_info[:2] == (3, 11)  # other Pythons write other methods


@dataclass_transform(frozen_default=True)
def _frozen(cls: _C) -> _C:
    """Return cls as a frozen slotted dataclass."""
    if _QUICK:
        doc = cls.__doc__
        try:
            return _frozen_311(cls)
        except Exception:  # noqa: BLE001 - a 3.11 release whose private helpers differ
            cls.__doc__ = doc
    return dataclass(frozen=True, slots=True)(cls)  # type: ignore[return-value]


@_frozen
class Name:
    """A name as written in the spec (a declaration or a reference)."""

    text: str
    span: Span


# ------------------------------------------------------------------ time



@_frozen
class Duration:
    amount: Decimal
    unit: TimeUnit
    span: Span


@_frozen
class Reminder:
    """A reminder at a share of the SLA (``percent``) or a time ``before`` the deadline."""

    percent: Decimal | None
    before: Duration | None
    span: Span



@_frozen
class Breach:
    """What happens when a deadline passes: roles for notify/escalate, target for goto."""

    kind: BreachKind
    roles: tuple[Name, ...]
    target: Target | None
    span: Span


@_frozen
class Sla:
    duration: Duration
    reminders: tuple[Reminder, ...]
    breaches: tuple[Breach, ...]
    span: Span


@_frozen
class DaySpan:
    """Weekdays ``first`` or ``first..last`` as written (mon, 周一, ...)."""

    first: Name
    last: Name | None
    span: Span


@_frozen
class ClockSpan:
    """Working hours from ``start`` to ``end``, in minutes after midnight."""

    start: int
    end: int
    span: Span


@_frozen
class DateSpan:
    """A date or an inclusive date range, as ISO text (checked by the time checks)."""

    first: str
    last: str
    span: Span

    def dates(self) -> tuple[_dt.date, ...]:
        """Return every date in the span (empty when a date is invalid or reversed)."""
        try:
            first = _dt.date.fromisoformat(self.first)
            last = _dt.date.fromisoformat(self.last)
        except ValueError:
            return ()
        days = (last - first).days
        return tuple(first + _dt.timedelta(days=i) for i in range(days + 1))


@_frozen
class Calendar:
    name: Name
    title: str | None
    workdays: tuple[DaySpan, ...]
    hours: tuple[ClockSpan, ...]
    holidays: tuple[DateSpan, ...]
    makeup_days: tuple[DateSpan, ...]
    timezone: Name | None
    description: str | None
    span: Span


# ------------------------------------------------------------------ roles and data


@_frozen
class Role:
    name: Name
    title: str | None
    external: bool
    description: str | None
    span: Span



@_frozen
class DataType:
    """A field type; ``values`` for enums, ``item`` for lists."""

    kind: TypeKind
    values: tuple[Name, ...]
    item: DataType | None
    span: Span


@_frozen
class Field:
    name: Name
    type: DataType
    description: str | None
    span: Span


# ------------------------------------------------------------------ conditions



@_frozen
class Literal:
    value: bool | int | Decimal | str | _dt.date
    kind: LiteralKind
    span: Span


@_frozen
class FieldRef:
    """A name that refers to a declared data field."""

    name: Name
    span: Span


@_frozen
class EnumValue:
    """A bare name that is not a field: an enum value (checked against the other side)."""

    name: Name
    span: Span


@_frozen
class Not:
    operand: Expr
    span: Span


@_frozen
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]
    span: Span


@_frozen
class Compare:
    op: str  # "==" | "!=" | "<" | "<=" | ">" | ">="
    left: Expr
    right: Expr
    span: Span


@_frozen
class Member:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool
    span: Span


@_frozen
class Arith:
    op: str  # "+" | "-" | "*" | "/"
    left: Expr
    right: Expr
    span: Span


@_frozen
class Negative:
    operand: Expr
    span: Span


Expr = Literal | FieldRef | EnumValue | Not | BoolOp | Compare | Member | Arith | Negative


# ------------------------------------------------------------------ tasks and routes



@_frozen
class Target:
    """Where a route goes: a task or an end (``explicit_end`` when written ``end X``)."""

    name: Name
    kind: TargetKind
    explicit_end: bool
    span: Span


@_frozen
class Cap:
    """``at most N times``: after N passes the route goes to ``then`` instead."""

    times: int
    then: Target | None
    span: Span




# Canonical action names; custom outcomes keep the name the spec gives them.
COMPLETE, APPROVE, REJECT, RETURN = "complete", "approve", "reject", "return"
STANDARD_OUTCOMES = (APPROVE, REJECT, RETURN)


@_frozen
class Route:
    """One way onward from a task, taken on ``action`` when ``condition`` holds.

    Routes of a task are tried in order; for WHEN routes with ``inclusive`` set (written
    ``also when``) every route whose condition holds is taken (multi-choice).
    """

    kind: RouteKind
    action: str
    condition: Expr | None
    targets: tuple[Target, ...]
    split: Split
    inclusive: bool
    cap: Cap | None
    span: Span



@_frozen
class Assignee:
    mode: AssigneeMode
    roles: tuple[Name, ...]
    count: int | None
    rule: Name | None
    span: Span



@_frozen
class Exclusion:
    """Separation of duties: ``not by requester`` or ``not by whoever did STEP``."""

    kind: ExclusionKind
    step: Name | None
    span: Span


@_frozen
class ExtraApprovers:
    """``when COND -> also by R``: more approvers, in order after the others."""

    condition: Expr
    roles: tuple[Name, ...]
    span: Span



@_frozen
class Notify:
    roles: tuple[Name, ...]
    when: NotifyWhen
    span: Span



@_frozen
class Join:
    kind: JoinKind
    span: Span


@_frozen
class ForEach:
    """A task done once per item of a list field, together or ``sequential``."""

    item: Name
    list_field: Name
    sequential: bool
    until_count: int | None
    until: Expr | None
    span: Span


@_frozen
class Document:
    """A form or record a task takes in or produces."""

    name: str
    span: Span



@_frozen
class Task:
    kind: TaskKind
    name: Name
    title: str | None
    description: str | None
    assignee: Assignee | None
    exclusions: tuple[Exclusion, ...]
    extra_approvers: tuple[ExtraApprovers, ...]
    inputs: tuple[Document, ...]
    outputs: tuple[Document, ...]
    checklist: tuple[str, ...]
    sla: Sla | None
    notifies: tuple[Notify, ...]
    routes: tuple[Route, ...]
    join: Join | None
    for_each: ForEach | None
    call: Name | None
    span: Span

    @property
    def label(self) -> str:
        """Return the title, or the name when there is no title."""
        return self.title or self.name.text

    @property
    def actions(self) -> tuple[str, ...]:
        """Return the actions an actor can take on this task, in route order."""
        seen: list[str] = []
        for route in self.routes:
            if route.action not in seen:
                seen.append(route.action)
        return tuple(seen)


# ------------------------------------------------------------------ rules and ends



@_frozen
class RuleResult:
    kind: ResultKind
    names: tuple[Name, ...]
    value: Literal | None
    span: Span


@_frozen
class RuleRow:
    """``when COND -> RESULT``; ``condition`` is None for the ``otherwise`` row."""

    condition: Expr | None
    result: RuleResult
    span: Span


@_frozen
class Rule:
    name: Name
    title: str | None
    description: str | None
    rows: tuple[RuleRow, ...]
    span: Span


@_frozen
class End:
    name: Name
    title: str | None
    success: bool
    description: str | None
    span: Span

    @property
    def label(self) -> str:
        """Return the title, or the name when there is no title."""
        return self.title or self.name.text


# ------------------------------------------------------------------ the process


@_frozen
class Withdraw:
    """The requester may withdraw the case while one of ``steps`` is active."""

    steps: tuple[Name, ...]
    target: Target
    span: Span


@_frozen
class Cancel:
    """A role may cancel the case at any time."""

    roles: tuple[Name, ...]
    target: Target
    span: Span


@_frozen
class Action:
    """A milestone action: allowed only while one of ``steps`` is active."""

    name: Name
    title: str | None
    assignee: Assignee
    steps: tuple[Name, ...]
    span: Span


@_frozen
class Process:
    name: Name
    title: str | None
    version: str | None
    owner: str | None
    lang: str
    purpose: str | None
    scope: str | None
    references: tuple[str, ...]
    description: str | None
    sla: Sla | None
    calendar: Name | None
    start: Name | None
    withdraw: Withdraw | None
    cancels: tuple[Cancel, ...]
    actions: tuple[Action, ...]
    span: Span

    @property
    def label(self) -> str:
        """Return the title, or the name when there is no title."""
        return self.title or self.name.text


@dataclass(frozen=True)
class Spec:
    """One spec file: its process header and every declaration, in source order."""

    path: str
    process: Process
    calendars: tuple[Calendar, ...]
    roles: tuple[Role, ...]
    fields: tuple[Field, ...]
    tasks: tuple[Task, ...]
    rules: tuple[Rule, ...]
    ends: tuple[End, ...]

    @cached_property
    def _index(self) -> dict[str, dict[str, object]]:
        index: dict[str, dict[str, object]] = {}
        for key, items in (("task", self.tasks), ("role", self.roles), ("field", self.fields),
                           ("rule", self.rules), ("end", self.ends), ("calendar", self.calendars)):
            table: dict[str, object] = {}
            for item in items:
                table.setdefault(item.name.text, item)  # first declaration wins
            index[key] = table
        return index

    def task(self, name: str) -> Task | None:
        """Return the task (step or approval) called name, if any."""
        found = self._index["task"].get(name)
        return found if isinstance(found, Task) else None

    def role(self, name: str) -> Role | None:
        """Return the role called name, if any."""
        found = self._index["role"].get(name)
        return found if isinstance(found, Role) else None

    def field(self, name: str) -> Field | None:
        """Return the data field called name, if any."""
        found = self._index["field"].get(name)
        return found if isinstance(found, Field) else None

    def rule(self, name: str) -> Rule | None:
        """Return the rule called name, if any."""
        found = self._index["rule"].get(name)
        return found if isinstance(found, Rule) else None

    def end(self, name: str) -> End | None:
        """Return the end called name, if any."""
        found = self._index["end"].get(name)
        return found if isinstance(found, End) else None

    def calendar(self, name: str) -> Calendar | None:
        """Return the calendar called name, if any."""
        found = self._index["calendar"].get(name)
        return found if isinstance(found, Calendar) else None

    @property
    def start_task(self) -> Task | None:
        """Return the task a case starts at: the header's ``start`` or the first task."""
        if self.process.start is not None:
            return self.task(self.process.start.text)
        return self.tasks[0] if self.tasks else None

    @property
    def lang(self) -> str:
        """Return the language of generated text ('zh' or 'en')."""
        return self.process.lang

    @property
    def process_calendar(self) -> Calendar | None:
        """Return the calendar the process uses, if it names one."""
        if self.process.calendar is None:
            return None
        return self.calendar(self.process.calendar.text)
