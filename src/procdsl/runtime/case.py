"""``Case``: one running instance of a workflow, changed only through accepted actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from .approvals import add_sign as sign_with
from .approvals import barred, on_behalf
from .approvals import pick as pick_people
from .approvals import transfer as hand_over
from .approvals import urge as urge_event
from .calendar import aware, require_aware
from .compiled import CompiledProcess
from .controls import cancel_target, check_milestone, process_actions, withdraw_target
from .directory import Directory
from .errors import Refused
from .interleave import busy, hold
from .messages import alternatives, describe, refused, text
from .moves import enter, finish, grow, jump, settle
from .records import Actor, Allowed, Event
from .snapshot import dump_case
from .state import CaseState
from .timers import tick as fire_timers

D = TypeVar("D")
DATETIME = dt.datetime
RETURNS = "@returns"  # the route-passes key counting a case's returns (returns total at most)


class Case(CaseState[D]):
    """A case: its marking (work items in frames), data, who did what, and its history."""

    __slots__ = ()

    @classmethod
    def begin(cls, workflow: CompiledProcess[D], actor: Actor, data: D,
              now: dt.datetime, directory: Directory | None = None) -> Case[D]:
        """Return a case started by actor at now, its start task active (``directory``:
        whom org-relative approvers are looked up in; the workflow's by default)."""
        case = cls(workflow, actor.id, data, now)
        if directory is not None:
            case.directory = directory
        sla = workflow.definition.sla
        if sla is not None:
            case.due, case.reminders = workflow.calendar.schedule(sla, now)
        enter(case, 0, workflow.start_target, now)
        case.record(actor, None, "start", now, ())
        settle(case, now)
        return case

    def allowed_actions(self, actor: Actor) -> tuple[Allowed, ...]:
        """Return every action actor may take now (role and duty checks, not routing)."""
        out: list[Allowed] = []
        for item in self.items.values():
            if item.frame and self.frames and busy(self, item) is not None:
                continue  # another task of its ``in any order`` block has started
            if barred(self, self.workflow.plans[item.task], item, actor) is None:
                out.extend(Allowed(item.task, a, item.id)
                           for a in self.workflow.actions[item.task])
        out.extend(process_actions(self, actor))
        return tuple(out)

    # ------------------------------------------------------------ acting
    def act(self, step: str, action: str, actor: Actor, now: dt.datetime,
            data: Mapping[str, Any] | None = None, *, item: int | None = None,
            target: str | None = None) -> tuple[Event, ...]:
        """Take action on an active step (``item`` picks one of its work items; ``target``
        names the step a ``return -> choice of A, B`` goes to); return the events it
        caused, or raise Refused (and nothing changed)."""
        # Check: the time, the step and its work item, the action, who acts.
        if type(now) is not DATETIME or now.tzinfo is None:
            now = aware(now)  # a datetime subclass with a zone passes; others raise
        if self.outcome is not None:
            raise refused(self.workflow.lang, "finished", outcome=self.outcome)
        for work in self.items.values():
            if work.task == step and (item is None or work.id == item):
                break
        else:
            raise self._not_active(step, item)
        plan = self.workflow.plans[step]
        move = plan.moves.get(action)
        if move is None:
            lang = self.workflow.lang
            offered = ", ".join(self.workflow.actions[step]) or text(lang, "none")
            raise refused(lang, "no_action", step=step, action=action, offered=offered)
        reason = barred(self, plan, work, actor)
        if reason is not None:
            raise reason
        if work.frame and self.frames:  # in a block: is it this task's turn (in any order)?
            holder = busy(self, work)
            if holder is not None:
                raise refused(self.workflow.lang, "interleaved", step=step, busy=holder)
        cap = self.workflow.definition.return_cap if action == "return" else None
        if cap is not None and self.passes.get(RETURNS, 0) >= cap:
            raise refused(self.workflow.lang, "return_cap", cap=cap)
        behalf = on_behalf(self, plan, work, actor) if plan.people else ""
        if target is not None and not any(r.choice for r in move.routes):
            lang = self.workflow.lang
            names = [t.name for r in move.routes for t in r.targets]
            raise refused(lang, "return_not_allowed", step=step, target=target,
                          choices=alternatives(lang, dict.fromkeys(names)))
        # Choose the route and change the case (``finish`` refuses before changing).
        new_data = self.data if not data else self.workflow.merge(self.data, data)
        before = self.marking
        if target is not None:  # a choice route takes it (``moves.chosen``)
            self.choosing = target
            try:
                self._finish(work, move, actor, new_data, now)
            finally:
                self.choosing = ""
        else:
            self._finish(work, move, actor, new_data, now)
        if work.frame and self.frames:
            hold(self, work)
        if data and self.groups:  # a list a running for-each reads may have grown
            grow(self, now)
        if cap is not None:
            passes = self.writable_passes()
            passes[RETURNS] = passes.get(RETURNS, 0) + 1
        # Record.
        detail = f"for:{behalf}" if behalf else ""
        if target is not None:
            detail = f"{detail} to:{target}".lstrip()
        self.record(actor, step, action, now, before, detail)
        if self.unsettled:
            settle(self, now)
        return () if self._events is None else self.take_events()

    def _finish(self, work: Any, move: Any, actor: Actor, data: Any,
                now: dt.datetime) -> None:
        if not move.votes:
            finish(self, work, move, actor, data, now)
            return
        # An approve: people planned meanwhile who are this actor are deduplicated.
        self.approving = actor.id
        try:
            finish(self, work, move, actor, data, now)
        finally:
            self.approving = ""

    # ------------------------------------------------------------ approvers at run time
    def transfer(self, step: str, person: str, actor: Actor, now: dt.datetime, *,
                 item: int | None = None) -> tuple[Event, ...]:
        """Hand actor's share of an approval to person (转交), where the spec allows it."""
        when, plan, work = self._approver_item(step, actor, now, item)
        hand_over(self, plan, work, person, actor)
        self.record(actor, step, "transfer", when, self.marking, person)
        return self.take_events()

    def add_sign(self, step: str, person: str, where: str, actor: Actor, now: dt.datetime, *,
                 item: int | None = None) -> tuple[Event, ...]:
        """Bring person into an approval ``before``, ``after`` or ``with`` actor (加签)."""
        when, plan, work = self._approver_item(step, actor, now, item)
        sign_with(self, plan, work, person, where, actor)
        self.record(actor, step, "add_sign", when, self.marking, f"{where}:{person}")
        return self.take_events()

    def urge(self, step: str, actor: Actor, now: dt.datetime, *,
             item: int | None = None) -> tuple[Event, ...]:
        """The requester urges an active step (催办): an ``urged`` event, once an hour."""
        when = self._clock(now)
        work = self._item(step, item)
        plan = self.workflow.plans[step]
        event = urge_event(self, plan, work, actor, when)
        self.emit(event)
        self.record(actor, step, "urge", when, self.marking)
        return self.take_events()

    def pick(self, step: str, people: list[str] | tuple[str, ...], actor: Actor,
             now: dt.datetime) -> tuple[Event, ...]:
        """The requester names the approvers of ``step`` (``by requester's choice of R``):
        before it starts, or while it waits for them."""
        when = self._clock(now)
        if step not in self.workflow.plans:
            raise refused(self.workflow.lang, "no_step", step=step)
        pick_people(self, self.workflow.plans[step], tuple(people), actor)
        self.record(actor, step, "pick", when, self.marking, ",".join(people))
        return self.take_events()

    def _item(self, step: str, item: int | None) -> Any:
        for work in self.items.values():
            if work.task == step and (item is None or work.id == item):
                return work
        raise self._not_active(step, item)

    def _approver_item(self, step: str, actor: Actor, now: dt.datetime,
                       item: int | None) -> tuple[dt.datetime, Any, Any]:
        when = self._clock(now)
        work = self._item(step, item)
        plan = self.workflow.plans[step]
        if not plan.approval:
            raise refused(self.workflow.lang, "not_approval", step=step)
        reason = barred(self, plan, work, actor)
        if reason is not None:
            raise reason
        return when, plan, work

    def withdraw(self, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Withdraw the case (requester only, while a listed step is active)."""
        when = self._clock(now)
        target = withdraw_target(self, actor)
        before = self.marking
        jump(self, self.workflow.targets[target], when)
        self.record(actor, None, "withdraw", when, before)
        settle(self, when)
        return self.take_events()

    def cancel(self, actor: Actor, now: dt.datetime) -> tuple[Event, ...]:
        """Cancel the case (holders of a cancelling role)."""
        when = self._clock(now)
        target = cancel_target(self, actor)
        before = self.marking
        jump(self, self.workflow.targets[target], when)
        self.record(actor, None, "cancel", when, before)
        settle(self, when)
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
        settle(self, when)
        return self.take_events()

    def to_json(self) -> str:
        """Return the case as JSON (lossless; carries the process name and version)."""
        return dump_case(self)

    def describe(self, event: Event) -> str:
        """Return what event means as a sentence in the spec's language, its time in the
        calendar's zone (``提醒：报销审批 即将到期（2026-10-09 09:00 CST）``)."""
        at = event.at.astimezone(self.workflow.calendar.zone)
        return describe(self.workflow.lang, event.kind, event.step, event.roles, at,
                        event.detail)

    # ------------------------------------------------------------ internals
    def _clock(self, now: dt.datetime) -> dt.datetime:
        when = aware(now)
        if self.outcome is not None:
            raise refused(self.workflow.lang, "finished", outcome=self.outcome)
        return when

    def _not_active(self, step: str, item: int | None) -> Refused:
        lang = self.workflow.lang
        if step not in self.workflow.tasks:
            return refused(lang, "no_step", step=step)
        where = text(lang, "work_item", item=item) if item is not None else ""
        return refused(lang, "not_active", step=step, where=where,
                       active=", ".join(self.active) or text(lang, "none"))
