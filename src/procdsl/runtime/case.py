"""``Case``: one running instance of a workflow, changed only through accepted actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from .approvals import barred
from .calendar import aware, require_aware
from .compiled import CompiledProcess
from .controls import cancel_target, check_milestone, process_actions, withdraw_target
from .errors import Refused
from .moves import enter, finish, jump
from .records import Actor, Allowed, Event
from .snapshot import dump_case
from .state import CaseState
from .timers import tick as fire_timers

D = TypeVar("D")
DATETIME = dt.datetime


class Case(CaseState[D]):
    """A case: its marking (work items in frames), data, who did what, and its history."""

    __slots__ = ()

    @classmethod
    def begin(cls, workflow: CompiledProcess[D], actor: Actor, data: D,
              now: dt.datetime) -> Case[D]:
        """Return a case started by actor at now, its start task active."""
        case = cls(workflow, actor.id, data, now)
        sla = workflow.definition.sla
        if sla is not None:
            case.due, case.reminders = workflow.calendar.schedule(sla, now)
        enter(case, 0, workflow.start_target, now)
        case.record(actor, None, "start", now, ())
        return case

    def allowed_actions(self, actor: Actor) -> tuple[Allowed, ...]:
        """Return every action actor may take now (role and duty checks, not routing)."""
        out: list[Allowed] = []
        for item in self.items.values():
            if barred(self, self.workflow.plans[item.task], item, actor) is None:
                out.extend(Allowed(item.task, a, item.id)
                           for a in self.workflow.actions[item.task])
        out.extend(process_actions(self, actor))
        return tuple(out)

    # ------------------------------------------------------------ acting
    def act(self, step: str, action: str, actor: Actor, now: dt.datetime,
            data: Mapping[str, Any] | None = None, *, item: int | None = None
            ) -> tuple[Event, ...]:
        """Take action on an active step (``item`` picks one of its work items); return
        the events it caused, or raise Refused (and nothing changed)."""
        # Check: the time, the step and its work item, the action, who acts.
        if type(now) is not DATETIME or now.tzinfo is None:
            now = aware(now)  # a datetime subclass with a zone passes; others raise
        if self.outcome is not None:
            raise Refused(f"the case is finished ({self.outcome})")
        for work in self.items.values():
            if work.task == step and (item is None or work.id == item):
                break
        else:
            raise self._not_active(step, item)
        plan = self.workflow.plans[step]
        move = plan.moves.get(action)
        if move is None:
            offered = ", ".join(self.workflow.actions[step]) or "none"
            raise Refused(f"{step} has no action {action!r}; it offers {offered}")
        reason = barred(self, plan, work, actor)
        if reason is not None:
            raise Refused(reason)
        # Choose the route and change the case (``finish`` refuses before changing).
        new_data = self.data if not data else self.workflow.merge(self.data, data)
        before = self.marking
        finish(self, work, move, actor, new_data, now)
        # Record.
        self.record(actor, step, action, now, before)
        return () if self._events is None else self.take_events()

    def withdraw(self, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Withdraw the case (requester only, while a listed step is active)."""
        when = self._clock(now)
        target = withdraw_target(self, actor)
        before = self.marking
        jump(self, self.workflow.targets[target], when)
        self.record(actor, None, "withdraw", when, before)
        return self.take_events()

    def cancel(self, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Cancel the case (holders of a cancelling role)."""
        when = self._clock(now)
        target = cancel_target(self, actor)
        before = self.marking
        jump(self, self.workflow.targets[target], when)
        self.record(actor, None, "cancel", when, before)
        return self.take_events()

    def perform(self, action: str, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Take a milestone action (allowed only while one of its steps is active)."""
        when = self._clock(now)
        check_milestone(self, action, actor)
        self.record(actor, None, action, when, self.marking)
        return self.take_events()

    def tick(self, now: dt.datetime) -> tuple[Event, ...]:
        """Apply reminders and breaches due by now; return what happened."""
        when = require_aware(now)
        if self.done:
            return ()
        fire_timers(self, when)
        return self.take_events()

    def to_json(self) -> str:
        """Return the case as JSON (lossless; carries the process name and version)."""
        return dump_case(self)

    # ------------------------------------------------------------ internals
    def _clock(self, now: dt.datetime) -> dt.datetime:
        when = aware(now)
        if self.outcome is not None:
            raise Refused(f"the case is finished ({self.outcome})")
        return when

    def _not_active(self, step: str, item: int | None) -> Refused:
        if step not in self.workflow.tasks:
            return Refused(f"no step named {step!r}")
        where = f" (work item {item})" if item is not None else ""
        return Refused(f"{step}{where} is not active; active: {', '.join(self.active) or 'none'}")
