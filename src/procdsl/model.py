"""The validated intermediate model: frozen, typed nodes, each with the span it came from.

This is the contract between the parser, the checks and every emitter.  Emitters read
only this model (never spec text or parse trees).  Collections are tuples, names are
``Name`` nodes (text plus span), and declaration order is kept everywhere so that
output is deterministic.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

# Re-exported: code that reads the model names the kinds as ``m.TaskKind`` and so on.
from .kinds import AssigneeMode as AssigneeMode
from .kinds import BreachKind as BreachKind
from .kinds import EmptyKind as EmptyKind
from .kinds import ExclusionKind as ExclusionKind
from .kinds import Indicator as Indicator
from .kinds import JoinKind as JoinKind
from .kinds import LiteralKind as LiteralKind
from .kinds import NotifyWhen as NotifyWhen
from .kinds import Permission as Permission
from .kinds import ProvenanceKind as ProvenanceKind
from .kinds import ResultKind as ResultKind
from .kinds import RouteKind as RouteKind
from .kinds import Split as Split
from .kinds import TargetKind as TargetKind
from .kinds import TaskKind as TaskKind
from .kinds import TimeUnit as TimeUnit
from .kinds import TypeKind as TypeKind
from .source import Span

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Name:
    """A name as written in the spec (a declaration or a reference)."""

    text: str
    span: Span


# ------------------------------------------------------------------ time


@dataclass(frozen=True, slots=True, kw_only=True)
class Duration:
    amount: Decimal
    unit: TimeUnit
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Reminder:
    """A reminder at a share of the SLA (``percent``) or a time ``before`` the deadline."""

    percent: Decimal | None
    before: Duration | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a rule comes from: the source text (``依据 "原文第 3 条"``, kind SOURCE) or
    added by the spec's authors (``补充 "由风控部拟定"``, kind ADDED)."""

    kind: ProvenanceKind
    text: str
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class KpiTarget:
    """A KPI target (``目标 超时率 3%``): ``indicator`` None when the name is not one (PD706)."""

    name: Name
    indicator: Indicator | None
    percent: Decimal | None
    duration: Duration | None
    span: Span
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Term:
    """A term the manual defines (``术语 会签 "各审批人都同意才算通过"``)."""

    name: str
    definition: str
    span: Span
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One line of the revision history: version, date, what changed, by whom, approved by."""

    version: str
    date: str
    text: str
    author: str | None
    approver: str | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    """A task decides a field (``设定 风险等级 "按客户资信评级"``): the field and the criteria."""

    field: Name
    criteria: str | None
    span: Span
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Breach:
    """What happens when a deadline passes: roles for notify/escalate, target for goto."""

    kind: BreachKind
    roles: tuple[Name, ...]
    target: Target | None
    span: Span
    provenance: Provenance | None = None  # 依据/补充: from the source, or added


@dataclass(frozen=True, slots=True, kw_only=True)
class Sla:
    duration: Duration
    reminders: tuple[Reminder, ...]
    breaches: tuple[Breach, ...]
    span: Span
    provenance: Provenance | None = None  # 依据/补充: from the source, or added


@dataclass(frozen=True, slots=True, kw_only=True)
class DaySpan:
    """Weekdays ``first`` or ``first..last`` as written (mon, 周一, ...)."""

    first: Name
    last: Name | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockSpan:
    """Working hours from ``start`` to ``end``, in minutes after midnight."""

    start: int
    end: int
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
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


@dataclass(frozen=True, slots=True, kw_only=True)
class YearSpan:
    """A year or an inclusive range of years (``2026`` or ``2025..2027``)."""

    first: int
    last: int
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicHolidays:
    """``public holidays CN 2026``: a region's official holidays and make-up days, taken
    from a maintained package when the spec is compiled (see ``calendar_link``)."""

    region: Name
    years: tuple[YearSpan, ...]
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Calendar:
    """A business calendar.  ``base`` names the calendar it is based on, ``public`` its
    official sources; ``origin`` is the calendar file (beside the spec) it came from, or
    None when the spec itself declares it.  Once linked (``calendar_link``), a calendar
    holds every day itself: what it inherits and what the official sources give."""

    name: Name
    title: str | None
    workdays: tuple[DaySpan, ...]
    hours: tuple[ClockSpan, ...]
    holidays: tuple[DateSpan, ...]
    makeup_days: tuple[DateSpan, ...]
    timezone: Name | None
    description: str | None
    span: Span
    base: Name | None = None
    public: tuple[PublicHolidays, ...] = ()
    origin: str | None = None


# ------------------------------------------------------------------ roles and data


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    name: Name
    title: str | None
    external: bool
    description: str | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class DataType:
    """A field type; ``values`` for enums, ``item`` for lists."""

    kind: TypeKind
    values: tuple[Name, ...]
    item: DataType | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Bound:
    """One end of a field's ``range``: a number (int or decimal) or a date."""

    value: int | Decimal | _dt.date | str  # str: a date that is not a real day (PD609)
    kind: LiteralKind
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """A data field; ``required`` (必填): the case must be given it when it starts;
    ``low``/``high`` (范围 low..high): the values it may hold, both ends included."""

    name: Name
    type: DataType
    description: str | None
    span: Span
    required: bool = False
    low: Bound | None = None
    high: Bound | None = None


# ------------------------------------------------------------------ conditions


@dataclass(frozen=True, slots=True, kw_only=True)
class Literal:
    value: bool | int | Decimal | str | _dt.date
    kind: LiteralKind
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldRef:
    """A name that refers to a declared data field."""

    name: Name
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class EnumValue:
    """A bare name that is not a field: an enum value (checked against the other side)."""

    name: Name
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Not:
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Compare:
    op: str  # "==" | "!=" | "<" | "<=" | ">" | ">="
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Arith:
    op: str  # "+" | "-" | "*" | "/"
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Negative:
    operand: Expr
    span: Span


Expr = Literal | FieldRef | EnumValue | Not | BoolOp | Compare | Member | Arith | Negative


# ------------------------------------------------------------------ tasks and routes


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Where a route goes: a task or an end (``explicit_end`` when written ``end X``)."""

    name: Name
    kind: TargetKind
    explicit_end: bool
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Cap:
    """``at most N times``: after N passes the route goes to ``then`` instead."""

    times: int
    then: Target | None
    span: Span


# Canonical action names; custom outcomes keep the name the spec gives them.
COMPLETE, APPROVE, REJECT, RETURN = "complete", "approve", "reject", "return"
STANDARD_OUTCOMES = (APPROVE, REJECT, RETURN)


@dataclass(frozen=True, slots=True, kw_only=True)
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
    provenance: Provenance | None = None  # 依据/补充: from the source, or added
    # ``then by rule R`` (split RULE): the rule whose first row that holds names the task;
    # ``targets`` are then every task its rows give (filled in when names are resolved).
    rule: Name | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignee:
    """Who does a task.  ``count`` belongs to ``by N of R`` alone and ``rule`` (with no
    roles) to ``by rule R`` alone; any other combination is refused when it is made.

    Org-relative approvers (``mode.org``): ``level`` is the manager level (``by
    requester's 2nd-level manager``) or how many levels a chain climbs (``by managers up
    to 3 levels``); ``roles`` holds the role a chain climbs to (``up to director``) or the
    role a requester picks among (``by requester's choice of R``); ``field`` the text
    field naming a person (``by person in field X``)."""

    mode: AssigneeMode
    roles: tuple[Name, ...]
    count: int | None
    rule: Name | None
    span: Span
    level: int | None = None
    field: Name | None = None
    provenance: Provenance | None = None  # 依据/补充: from the source, or added

    def __post_init__(self) -> None:
        if (self.count is not None) != (self.mode is AssigneeMode.COUNT):
            raise ValueError(f"an assignee in mode {self.mode.value} "
                             f"{'needs' if self.count is None else 'takes no'} count")
        if (self.rule is not None) != (self.mode is AssigneeMode.RULE) or (
                self.rule is not None and self.roles):
            raise ValueError(f"an assignee in mode {self.mode.value} "
                             f"{'needs a rule and no roles' if self.mode is AssigneeMode.RULE else 'takes no rule'}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Exclusion:
    """Separation of duties: ``not by requester`` or ``not by whoever did STEP``."""

    kind: ExclusionKind
    step: Name | None
    span: Span
    provenance: Provenance | None = None  # 依据/补充: from the source, or added


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtraApprovers:
    """``when COND -> also by R``: more approvers, in order after the others."""

    condition: Expr
    roles: tuple[Name, ...]
    span: Span
    provenance: Provenance | None = None  # 依据/补充: from the source, or added


@dataclass(frozen=True, slots=True, kw_only=True)
class EmptyApprover:
    """``when no approver: auto-approve | transfer to R | reject`` (审批人为空时)."""

    kind: EmptyKind
    role: Name | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Allow:
    """``allow transfer, add-sign [to R, S]``: what approvers (``urge``: the requester)
    may do at run time; a person brought in must hold one of ``roles`` (none: a role
    of the task's own approvers)."""

    permissions: tuple[Permission, ...]
    roles: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Notify:
    roles: tuple[Name, ...]
    when: NotifyWhen
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Join:
    kind: JoinKind
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class ForEach:
    """A task done once per item of a list field, together or ``sequential``."""

    item: Name
    list_field: Name
    sequential: bool
    until_count: int | None
    until: Expr | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A form or record a task takes in or produces."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
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
    on_empty: EmptyApprover | None = None
    dedupe: bool = False
    allows: tuple[Allow, ...] = ()
    to_returner: bool = False  # after resubmission: straight back to the approver who returned
    sets: tuple[Setting, ...] = ()  # the fields this task decides

    @property
    def label(self) -> str:
        """Return the title, or the name when there is no title (or only a blank one)."""
        return self.title if self.title and not self.title.isspace() else self.name.text

    @property
    def permissions(self) -> tuple[Permission, ...]:
        """Return what the approval allows at run time, in the order written."""
        return tuple(dict.fromkeys(p for a in self.allows for p in a.permissions))

    @property
    def actions(self) -> tuple[str, ...]:
        """Return the actions an actor can take on this task, in route order."""
        seen: list[str] = []
        for route in self.routes:
            if route.action not in seen:
                seen.append(route.action)
        return tuple(seen)


# ------------------------------------------------------------------ rules and ends


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleResult:
    kind: ResultKind
    names: tuple[Name, ...]
    value: Literal | None
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleRow:
    """``when COND -> RESULT``; ``condition`` is None for the ``otherwise`` row."""

    condition: Expr | None
    result: RuleResult
    span: Span
    provenance: Provenance | None = None  # 依据/补充: from the source, or added


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    name: Name
    title: str | None
    description: str | None
    rows: tuple[RuleRow, ...]
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class End:
    name: Name
    title: str | None
    success: bool
    description: str | None
    span: Span

    @property
    def label(self) -> str:
        """Return the title, or the name when there is no title (or only a blank one)."""
        return self.title if self.title and not self.title.isspace() else self.name.text


# ------------------------------------------------------------------ the process


@dataclass(frozen=True, slots=True, kw_only=True)
class Withdraw:
    """The requester may withdraw the case while one of ``steps`` is active."""

    steps: tuple[Name, ...]
    target: Target
    span: Span
    provenance: Provenance | None = None  # 依据/补充: from the source, or added


@dataclass(frozen=True, slots=True, kw_only=True)
class Cancel:
    """A role may cancel the case at any time."""

    roles: tuple[Name, ...]
    target: Target
    span: Span
    provenance: Provenance | None = None  # 依据/补充: from the source, or added


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """A milestone action: allowed only while one of ``steps`` is active."""

    name: Name
    title: str | None
    assignee: Assignee
    steps: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
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
    return_cap: int | None = None  # returns total at most N times (退回 总计 最多 N 次)
    terms: tuple[Term, ...] = ()
    changes: tuple[Change, ...] = ()  # the revision history, oldest first
    targets: tuple[KpiTarget, ...] = ()  # KPI targets

    @property
    def label(self) -> str:
        """Return the title, or the name when there is no title (or only a blank one)."""
        return self.title if self.title and not self.title.isspace() else self.name.text


@dataclass(frozen=True, kw_only=True)  # not slotted: _index is a cached_property
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
