"""``CaseState``: what one case holds (work items in frames, data, who did what, its
history) and the small operations everyone who changes a case goes through.

The modules that move a case (``moves``, ``approvals``, ``timers``, ``snapshot``) work on
a ``CaseState``; ``case.Case`` adds the public actions on top.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from .compiled import CompiledProcess
from .directory import Directory
from .records import SYSTEM, Actor, Deadline, Event, Frame, Group, History, RawRecord, WorkItem

D = TypeVar("D")

# A case's frames, groups, passes and doers until first written: one shared read-only
# mapping (typed Any, since the case's fields are dicts once written).
EMPTY: Any = MappingProxyType({})


class CaseState(Generic[D]):
    """A case's state.  ``log`` (the audit records, raw: see ``records.RawRecord``) is
    written only through ``record`` (and by ``snapshot`` when it loads a case)."""

    __slots__ = ("workflow", "requester", "data", "items", "marking", "frames", "groups",
                 "passes", "doers", "log", "next_id", "outcome", "last_success", "started",
                 "due", "reminders", "breached", "_events", "directory", "notes", "picks",
                 "unsettled", "approving", "returned", "choosing")

    def __init__(self, workflow: CompiledProcess[D], requester: str, data: D,
                 started: dt.datetime) -> None:
        self.workflow = workflow
        self.requester = requester
        self.data = data
        self.items: dict[int, WorkItem] = {}
        # One entry per active work item, in the order of ``items`` (a step run twice
        # appears twice); kept in step with ``items`` by whoever adds or removes one
        # (``moves.new_item``, ``moves.remove``; ``snapshot`` when it loads a case).
        self.marking: tuple[str, ...] = ()
        # Until first written: the root frame alone (``writable_frames``), no groups...
        self.frames: dict[int, Frame] = EMPTY
        self.groups: dict[int, Group] = EMPTY
        self.passes: dict[str, int] = EMPTY
        self.doers: dict[str, tuple[str, ...]] = EMPTY
        self.log: list[RawRecord] = []
        self.next_id = 1
        self.outcome: str | None = None
        self.last_success: str | None = None
        self.started = started
        self.due: dt.datetime | None = None
        self.reminders: list[dt.datetime] | tuple[()] = ()
        self.breached = False
        self._events: list[Event] | None = None
        # The application's organisation directory (never stored: see ``directory``).
        self.directory: Directory | None = workflow.directory
        # What the case did on its own while an action ran (a person skipped, an empty
        # approval handed on): recorded by the clock right after the action's record.
        self.notes: list[tuple[str | None, str, str]] = []
        # The approvers the requester picked, by approval (``by requester's choice of R``).
        self.picks: dict[str, tuple[str, ...]] = EMPTY
        self.unsettled = False  # some work item waits for the case to decide it itself
        self.approving = ""  # who approves in the action under way (not yet recorded)
        # Steps a ``to returner`` approval returned to: step -> [approval, stage, stages,
        # needs, who returned it]; resubmitting the step goes straight back there.
        self.returned: dict[str, list[Any]] = EMPTY
        # The step the approver names in the action under way (``return -> choice of``).
        self.choosing = ""

    # ------------------------------------------------------------ reading
    @property
    def done(self) -> bool:
        """Return True when the case has reached its outcome."""
        return self.outcome is not None

    @property
    def history(self) -> History:
        """Return the audit records (read-only; it grows as the case does), their times in
        the calendar's zone."""
        return History(self.log, self.workflow.calendar.zone)

    @property
    def active(self) -> tuple[str, ...]:
        """Return the distinct active steps, in activation order."""
        return tuple(dict.fromkeys(item.task for item in self.items.values()))

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        """Return when each active work item (and the case, step None) is due, in the
        calendar's zone."""
        zone = self.workflow.calendar.zone
        out = [Deadline(i.task, i.id, i.due.astimezone(zone))
               for i in self.items.values() if i.due]
        if self.due is not None and not self.done:
            out.append(Deadline(None, None, self.due.astimezone(zone)))
        return tuple(out)

    # ------------------------------------------------------------ changing
    def record(self, actor: Actor, step: str | None, action: str, when: dt.datetime,
               before: tuple[str, ...], detail: str = "") -> None:
        """Append the audit record of an accepted action (the marking after it is now's),
        then the clock's records of what the case did on its own meanwhile (``note``)."""
        marking = self.marking
        self.log.append((actor.id, actor.roles, step, action, when, before, marking, detail))
        if self.notes:
            clock, roles = SYSTEM.id, SYSTEM.roles
            for n_step, n_action, n_detail in self.notes:
                self.log.append((clock, roles, n_step, n_action, when, marking, marking,
                                 n_detail))
            self.notes = []

    def note(self, step: str | None, action: str, detail: str = "") -> None:
        """Queue a clock record of something the case did on its own (see ``record``)."""
        self.notes.append((step, action, detail))

    def emit(self, event: Event) -> None:
        """Queue an event for the caller of the current action or tick."""
        if self._events is None:
            self._events = [event]
        else:
            self._events.append(event)

    def take_events(self) -> tuple[Event, ...]:
        """Return and forget the events not yet returned (e.g. those of starting)."""
        if not self._events:
            return ()
        zone = self.workflow.calendar.zone
        events = tuple(e if e.at.tzinfo is zone else
                       Event(e.kind, e.step, e.roles, e.at.astimezone(zone), e.detail)
                       for e in self._events)
        self._events = None
        return events

    def writable_frames(self) -> dict[int, Frame]:
        """Return the case's frames, making its root frame (one live thread) on first use."""
        if self.frames is EMPTY:
            self.frames = {0: Frame(0, -1, "", None, 1)}
        return self.frames

    def writable_doers(self) -> dict[str, tuple[str, ...]]:
        """Return the case's step -> actors table, ready to be written."""
        if self.doers is EMPTY:
            self.doers = {}
        return self.doers

    def writable_passes(self) -> dict[str, int]:
        """Return the case's route passes (capped routes), ready to be written."""
        if self.passes is EMPTY:
            self.passes = {}
        return self.passes

    def writable_groups(self) -> dict[int, Group]:
        """Return the case's for-each groups, ready to be written."""
        if self.groups is EMPTY:
            self.groups = {}
        return self.groups
