"""``Case``: one running instance of a workflow, changed only through accepted actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import approvals, controls, fastpath, moves, timers
from .calendar import require_aware
from .errors import Refused
from .records import Actor, Allowed, Deadline, Event, Frame, Group, History, RawRecord, WorkItem
from .records import sorted_roles as _sorted

if TYPE_CHECKING:
    from .workflow import Workflow

D = TypeVar("D")
_DATETIME = dt.datetime


class Case(Generic[D]):
    """A case: its marking (work items in frames), data, who did what, and its history."""

    __slots__ = ("workflow", "requester", "data", "items", "frames", "groups", "passes",
                 "doers", "_log", "next_id", "outcome", "last_success", "started", "due",
                 "reminders", "breached", "_events")

    def __init__(self, workflow: Workflow[D], requester: str, data: D,
                 started: dt.datetime) -> None:
        self.workflow = workflow
        self.requester = requester
        self.data = data
        self.items: dict[int, WorkItem] = {}
        # Until first used: the root frame alone (``moves.frames_of``), no groups, no passes.
        self.frames: dict[int, Frame] = moves.EMPTY
        self.groups: dict[int, Group] = moves.EMPTY
        self.passes: dict[str, int] = moves.EMPTY
        self.doers: dict[str, tuple[str, ...]] = moves.EMPTY
        self._log: list[RawRecord] = []  # the audit records, as plain tuples (``history``)
        self.next_id = 1
        self.outcome: str | None = None
        self.last_success: str | None = None
        self.started = started
        self.due: dt.datetime | None = None
        self.reminders: list[dt.datetime] | tuple[()] = ()
        self.breached = False
        self._events: list[Event] | None = None

    @classmethod
    def begin(cls, workflow: Workflow[D], actor: Actor, data: D,
              now: dt.datetime) -> Case[D]:
        """Return a case started by actor at now, its start task active."""
        case = cls(workflow, actor.id, data, now)
        if workflow.definition.sla is not None:
            case.due, case.reminders = timers.schedule(case, workflow.definition.sla, now)
        first = workflow.first
        if first is not None:  # what moves.enter does for a plain start task
            case.items = {1: fastpath.new_item(1, first, now)}
            case.next_id = 2
        else:
            moves.enter(case, 0, workflow.start_go, now)
        case._log = [(1, actor.id, _sorted(actor.roles), None, "start", now, (), case.marking)]
        return case

    # ------------------------------------------------------------ reading
    @property
    def done(self) -> bool:
        """Return True when the case has reached its outcome."""
        return self.outcome is not None

    @property
    def history(self) -> History:
        """Return the audit records (read-only; it grows as the case does)."""
        return History(self._log)

    @property
    def active(self) -> tuple[str, ...]:
        """Return the distinct active steps, in activation order."""
        return tuple(dict.fromkeys(item.task for item in self.items.values()))

    @property
    def marking(self) -> tuple[str, ...]:
        """Return one entry per active work item (a step run twice appears twice)."""
        items = self.items
        if len(items) == 1:  # one shared tuple per step: records keep no copies
            for item in items.values():
                return self.workflow.alone[item.task]
        return tuple([item.task for item in items.values()])

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        """Return when each active work item (and the case, step None) is due."""
        out = [Deadline(i.task, i.id, i.due) for i in self.items.values() if i.due]
        if self.due is not None and not self.done:
            out.append(Deadline(None, None, self.due))
        return tuple(out)

    def allowed_actions(self, actor: Actor) -> tuple[Allowed, ...]:
        """Return every action actor may take now (role and duty checks, not routing)."""
        out: list[Allowed] = []
        for item in self.items.values():
            if approvals.barred(self, item, actor) is None:
                out.extend(Allowed(item.task, a, item.id)
                           for a in self.workflow.actions[item.task])
        out.extend(controls.process_actions(self, actor))
        return tuple(out)

    # ------------------------------------------------------------ acting
    # One function does the fast path's checks, its move and its record: per event, a call
    # costs more than those statements (see ``fastpath.act``).
    act = fastpath.act

    def _act(self, step: str, action: str, actor: Actor, now: dt.datetime,
             data: Mapping[str, Any] | None, item: int | None) -> tuple[Event, ...]:
        """Take action through the general path (every check, every construct)."""
        when = self._clock(now)
        work = self._find(step, item)
        if action not in self.workflow.actions[step]:
            raise Refused(f"{step} has no action {action!r}; it offers "
                          f"{', '.join(self.workflow.actions[step]) or 'none'}")
        reason = approvals.barred(self, work, actor)
        if reason is not None:
            raise Refused(reason)
        new_data = self.data if not data else self.workflow.merge(self.data, data)
        before = self.marking
        moves.finish(self, work, actor, action, new_data, when)
        return self._record(actor, step, action, when, before)

    def withdraw(self, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Withdraw the case (requester only, while a listed step is active)."""
        when = self._clock(now)
        target = controls.withdraw_target(self, actor)
        before = self.marking
        moves.jump(self, target, when)
        return self._record(actor, None, "withdraw", when, before)

    def cancel(self, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Cancel the case (holders of a cancelling role)."""
        when = self._clock(now)
        target = controls.cancel_target(self, actor)
        before = self.marking
        moves.jump(self, target, when)
        return self._record(actor, None, "cancel", when, before)

    def perform(self, action: str, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Take a milestone action (allowed only while one of its steps is active)."""
        when = self._clock(now)
        controls.check_milestone(self, action, actor)
        return self._record(actor, None, action, when, self.marking)

    def tick(self, now: dt.datetime) -> tuple[Event, ...]:
        """Apply reminders and breaches due by now; return what happened."""
        when = require_aware(now)
        if self.done:
            return ()
        timers.tick(self, when)
        return self._drain()

    def to_json(self) -> str:
        """Return the case as JSON (lossless; carries the process name and version)."""
        from .snapshot import dump_case

        return dump_case(self)

    # ------------------------------------------------------------ internals
    def _clock(self, now: dt.datetime) -> dt.datetime:
        when = require_aware(now)
        if self.done:
            raise Refused(f"the case is finished ({self.outcome})")
        return when

    def _find(self, step: str, item: int | None) -> WorkItem:
        if step not in self.workflow.tasks:
            raise Refused(f"no step named {step!r}")
        for work in self.items.values():
            if work.task == step and (item is None or work.id == item):
                return work
        where = f" (work item {item})" if item is not None else ""
        raise Refused(f"{step}{where} is not active; active: {', '.join(self.active) or 'none'}")

    def _record(self, actor: Actor, step: str | None, action: str, when: dt.datetime,
                before: tuple[str, ...]) -> tuple[Event, ...]:
        log = self._log
        log.append((len(log) + 1, actor.id, _sorted(actor.roles), step, action, when, before,
                    self.marking))
        return self._drain()

    def take_events(self) -> tuple[Event, ...]:
        """Return and forget the events not yet returned (e.g. those of starting)."""
        return self._drain()

    def emit(self, event: Event) -> None:
        """Queue an event for the caller of the current action or tick."""
        if self._events is None:
            self._events = [event]
        else:
            self._events.append(event)

    def _drain(self) -> tuple[Event, ...]:
        if not self._events:
            return ()
        events = tuple(self._events)
        self._events = None
        return events
