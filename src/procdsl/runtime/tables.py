"""The declarative tables a generated module hands to the engine.

Generated modules describe a process with these frozen records (tasks, routes,
approvers, SLAs, calendar) plus small typed guard functions; ``Workflow`` compiles them
once into dispatch tables.  Names are the spec's names, exactly as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from ..kinds import (
    AssigneeMode,
    BreachKind,
    EmptyKind,
    JoinKind,
    Permission,
    Split,
    StandardAction,
    TaskKind,
    TimeUnit,
)

Guard = Callable[[Any], bool]

# The closed sets are the compiler's own enums (procdsl.kinds).  Generated modules name
# their members (``_rt.BreachKind.ESCALATE``), so a misspelt kind fails when the module
# is imported; each table checks a plain string against its enum too, and keeps the
# value, so the engine compares and hashes plain strings.
STEP, APPROVAL = TaskKind.STEP.value, TaskKind.APPROVAL.value
COMPLETE, APPROVE, REJECT, RETURN = (StandardAction.COMPLETE.value, StandardAction.APPROVE.value,
                                     StandardAction.REJECT.value, StandardAction.RETURN.value)
ONE, PARALLEL, INTERLEAVED = Split.ONE.value, Split.PARALLEL.value, Split.INTERLEAVED.value
CHOICE = Split.CHOICE.value  # return -> choice of A, B: the approver names one target
JOIN_ALL, JOIN_ANY, JOIN_EACH = JoinKind.ALL.value, JoinKind.ANY.value, JoinKind.EACH.value


def _kind(record: object, name: str, kinds: type[Enum]) -> None:
    """Replace record.name by its enum's value; an unknown kind raises ValueError."""
    value = getattr(record, name)
    if value is None:
        return
    try:
        member = kinds(value)
    except ValueError:
        known = ", ".join(repr(k.value) for k in kinds)
        raise ValueError(f"{type(record).__name__}.{name}: unknown {kinds.__name__} "
                         f"{value!r} (known: {known})") from None
    object.__setattr__(record, name, member.value)  # frozen: set once, at construction


@dataclass(frozen=True, slots=True)
class Go:
    """A route target: a task, or an end when ``end`` is set."""

    name: str
    end: bool = False


def step(name: str) -> Go:
    """Return a target that activates the task called name."""
    return Go(name, False)


def end(name: str) -> Go:
    """Return a target that reaches the end called name."""
    return Go(name, True)


@dataclass(frozen=True, slots=True)
class RouteDef:
    """One way onward: taken on ``action`` when ``guard`` holds (None: always)."""

    action: str
    targets: tuple[Go, ...]
    guard: Guard | None = None
    otherwise: bool = False
    split: str = ONE
    inclusive: bool = False
    cap_times: int | None = None
    cap_then: Go | None = None
    line: int = 0
    rule: str | None = None  # split RULE: the rule whose first row that holds names the target

    def __post_init__(self) -> None:
        _kind(self, "split", Split)



@dataclass(frozen=True, slots=True)
class Approvers:
    """Who may act: ``mode`` is one/list/all/any/sequence/count/rule/requester, or an
    org-relative mode the case's directory resolves (manager, manager_chain,
    department_head, field, pick): ``level`` is the manager level or how many levels a
    chain climbs, ``roles`` the role a chain climbs to or a pick is made among, ``field``
    the text field (spec name) naming a person."""

    mode: str
    roles: tuple[str, ...] = ()
    count: int | None = None
    rule: str | None = None
    level: int | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        _kind(self, "mode", AssigneeMode)



@dataclass(frozen=True, slots=True)
class Extra:
    """``when COND -> also by R``: approvers appended, in order, when ``guard`` holds."""

    guard: Guard
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EmptyDef:
    """When the directory finds no approver: auto_approve, transfer (to ``role``), reject."""

    kind: str
    role: str | None = None

    def __post_init__(self) -> None:
        _kind(self, "kind", EmptyKind)


@dataclass(frozen=True, slots=True)
class AllowDef:
    """What approvers may do at run time (transfer, add_sign, delegate, urge); a person
    brought in must hold one of ``roles`` (none: a role of the task's approvers)."""

    permissions: tuple[str, ...]
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        known = {p.value for p in Permission}
        for p in self.permissions:
            if p not in known:
                raise ValueError(f"AllowDef.permissions: unknown Permission {p!r}")
        object.__setattr__(self, "permissions", tuple(Permission(p).value
                                                      for p in self.permissions))


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Separation of duties: not the requester (step None) or not whoever did ``step``."""

    step: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """An amount of time in one unit (minutes/hours/work_hours/days/workdays/weeks)."""

    amount: Decimal
    unit: str

    def __post_init__(self) -> None:
        _kind(self, "unit", TimeUnit)



@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder at ``percent`` of the SLA, or ``before`` the deadline."""

    percent: Decimal | None = None
    before: Span | None = None


@dataclass(frozen=True, slots=True)
class BreachDef:
    """On breach: notify/escalate (roles), auto_approve, auto_reject, goto (target)."""

    kind: str
    roles: tuple[str, ...] = ()
    target: Go | None = None

    def __post_init__(self) -> None:
        _kind(self, "kind", BreachKind)



@dataclass(frozen=True, slots=True)
class SlaDef:
    """A deadline after activation, with its reminders and breach actions."""

    within: Span
    reminders: tuple[Reminder, ...] = ()
    breaches: tuple[BreachDef, ...] = ()


@dataclass(frozen=True, slots=True)
class ForEachDef:
    """One work item per element of the list field ``field`` (spec name)."""

    field: str
    sequential: bool = False
    until_count: int | None = None
    until: Guard | None = None


@dataclass(frozen=True, slots=True)
class TaskDef:
    """A step or an approval with everything the engine needs to run it."""

    name: str
    kind: str
    routes: tuple[RouteDef, ...]
    assignee: Approvers | None = None
    exclusions: tuple[Exclusion, ...] = ()
    extras: tuple[Extra, ...] = ()
    sla: SlaDef | None = None
    notify_enter: tuple[str, ...] = ()
    notify_leave: tuple[str, ...] = ()
    join: str | None = None
    for_each: ForEachDef | None = None
    call: str | None = None
    on_empty: EmptyDef | None = None
    dedupe: bool = False
    allows: tuple[AllowDef, ...] = ()
    to_returner: bool = False  # a resubmission goes straight back to whoever returned it

    def __post_init__(self) -> None:
        _kind(self, "kind", TaskKind)
        _kind(self, "join", JoinKind)



@dataclass(frozen=True, slots=True)
class RuleDef:
    """A decision table: rows (guard or None for otherwise, names): the approver chain it
    chooses, or the one task it routes to (``then by rule R``)."""

    name: str
    rows: tuple[tuple[Guard | None, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class CalendarDef:
    """Working weekdays (ISO numbers), hours (minute ranges), holidays, make-up days."""

    workdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    hours: tuple[tuple[int, int], ...] = ((9 * 60, 18 * 60),)
    holidays: tuple[str, ...] = ()
    makeup_days: tuple[str, ...] = ()
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class EndDef:
    """An end of the process, a success or a failure."""

    name: str
    success: bool


@dataclass(frozen=True, slots=True)
class BlockDef:
    """A parallel block: the split task and route (None: its ``also when`` routes together),
    its join task (if any) and its member tasks."""

    split: str
    route: int | None
    join: str | None
    members: frozenset[str]

    @property
    def key(self) -> str:
        """Return the key frames use to name the block."""
        return block_key(self.split, self.route)


def block_key(split: str, route: int | None) -> str:
    """Return the key of the block a split route (None: multi-choice) starts."""
    return f"{split}#{'also' if route is None else route}"


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A case field: spec name, attribute on the data class, kind and list item kind;
    ``required``: the case must be given it when it starts; ``low``/``high``: the lowest
    and highest value it may hold (int, Decimal or date; None: no limit)."""

    name: str
    attr: str
    kind: str
    item: str | None = None
    values: tuple[str, ...] = ()
    required: bool = False
    low: Any = None
    high: Any = None


@dataclass(frozen=True, slots=True)
class Withdraw:
    """The requester may withdraw while one of ``steps`` is active; goes to ``target``."""

    steps: tuple[str, ...]
    target: Go


@dataclass(frozen=True, slots=True)
class CancelDef:
    """Holders of ``roles`` may cancel the case; goes to ``target``."""

    roles: tuple[str, ...]
    target: Go


@dataclass(frozen=True, slots=True)
class Milestone:
    """A process action allowed only while one of ``steps`` is active (audit only)."""

    name: str
    assignee: Approvers
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProcessDef:
    """A whole process: what ``Workflow`` is built from."""

    name: str
    version: str
    start: str
    tasks: tuple[TaskDef, ...]
    ends: tuple[EndDef, ...]
    fields: tuple[FieldDef, ...] = ()
    rules: tuple[RuleDef, ...] = ()
    calendar: CalendarDef | None = None
    sla: SlaDef | None = None
    blocks: tuple[BlockDef, ...] = ()
    withdraw: Withdraw | None = None
    cancels: tuple[CancelDef, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    return_cap: int | None = None  # returns total at most N times, across routes
    lang: str = "en"  # the spec's language: what refusals and event descriptions are in
