"""The procdsl runtime: what generated process modules import (standard library only).

A generated module describes its process with the tables in ``tables`` and builds a
``Workflow``; applications start cases, act on them and tick their clocks.  See
``docs/runtime.md``.
"""

from __future__ import annotations

from ..kinds import AssigneeMode, BreachKind, EmptyKind, JoinKind, Permission, Split, TimeUnit
from .calendar import WorkCalendar
from .case import Case
from .directory import DictDirectory, Directory
from .errors import Refused, SnapshotError
from .records import Actor, Allowed, AuditRecord, Deadline, Event, History, WorkItem
from .tables import (
    APPROVAL,
    APPROVE,
    COMPLETE,
    INTERLEAVED,
    JOIN_ALL,
    JOIN_ANY,
    JOIN_EACH,
    ONE,
    PARALLEL,
    REJECT,
    RETURN,
    STEP,
    AllowDef,
    Approvers,
    BlockDef,
    BreachDef,
    CalendarDef,
    CancelDef,
    EmptyDef,
    EndDef,
    Exclusion,
    Extra,
    FieldDef,
    ForEachDef,
    Go,
    Milestone,
    ProcessDef,
    Reminder,
    RouteDef,
    RuleDef,
    SlaDef,
    Span,
    TaskDef,
    Withdraw,
    end,
    step,
)
from .workflow import Workflow

__all__ = [
    "AssigneeMode", "BreachKind", "EmptyKind", "JoinKind", "Permission", "Split", "TimeUnit",
    "AllowDef", "Directory", "DictDirectory", "EmptyDef",
    "APPROVAL", "APPROVE", "COMPLETE", "INTERLEAVED", "JOIN_ALL", "JOIN_ANY", "JOIN_EACH", "ONE",
    "PARALLEL", "REJECT", "RETURN", "STEP", "Actor", "Allowed", "Approvers", "AuditRecord",
    "BlockDef", "BreachDef", "CalendarDef", "CancelDef", "Case", "Deadline", "EndDef", "Event",
    "Exclusion", "Extra", "FieldDef", "ForEachDef", "Go", "History", "Milestone", "ProcessDef",
    "Refused", "Reminder", "RouteDef", "RuleDef", "SlaDef", "SnapshotError", "Span", "TaskDef",
    "WorkCalendar", "WorkItem", "Workflow", "Withdraw", "end", "step",
]
