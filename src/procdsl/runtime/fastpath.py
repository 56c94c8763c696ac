"""The fast path: sequential moves decided from tables built once per workflow.

An action takes the fast path when the general machinery could only do one thing with
it: a work item in the root frame and in no for-each group, not escalated, whose task
has a fixed assignee (no rule, no extra approvers) that one decision settles, and whose
routes on that action each go to one target with no cap.  Everything else, and every
refusal, goes through the general path (``Case._act``), which says why.  The tests in
``tests/test_runtime_fastpath.py`` drive random actions through both and compare.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import moves
from .approvals import EACH_ROLE, REQUESTER, static_stages
from .calendar import UTC, UTC_OF, require_aware
from .records import _ROLE_ORDER, Actor, Event, WorkItem, sorted_roles
from .tables import APPROVAL, Go, Guard, TaskDef

if TYPE_CHECKING:
    from .case import Case
    from .workflow import Workflow

_new_item = object.__new__
_sorted_of = _ROLE_ORDER.get  # roles -> sorted, when remembered (cleared, never replaced)
_utc_of = UTC_OF.get  # an aware time -> UTC, when remembered (likewise)
_EMPTY = moves.EMPTY
_DATETIME = dt.datetime
# A finished work item that only the case's items and act hold (three references, with
# getrefcount's own) is made the next one in place: nobody can tell, and it saves making
# one object and freeing another.  Only where a call's argument is a counted reference.
_refs = sys.getrefcount
_RECYCLE = 3 if sys.implementation.name == "cpython" and sys.version_info < (3, 14) else 0


class Target:
    """Where a fast move goes: a plain task (its item made inline), a task without for-each
    (``moves.new_item``: SLA, notices) or anything else ``moves.enter`` does (ends)."""

    __slots__ = ("go", "name", "task", "alone", "stages", "needs", "inline", "single")

    def __init__(self, wf: Workflow[Any], go: Go) -> None:
        self.go = go
        self.name = go.name
        task = None if go.end else wf.tasks[go.name]
        self.task: TaskDef = task  # type: ignore[assignment]  # None only for ends
        self.alone: tuple[str, ...] = wf.alone.get(go.name, ())  # the marking after an inline move
        plan = wf.plans.get(go.name)
        self.stages, self.needs = plan if plan is not None else ((), ())
        self.single = task is not None and task.for_each is None  # one item in the root frame
        self.inline = (task is not None and task.for_each is None and task.sla is None
                       and not task.notify_enter and (plan is not None or task.kind != APPROVAL))


class Move:
    """What the fast path needs to know about one action on one task: the checks that
    apply (those that never can are left out), the routes, the markings around it."""

    __slots__ = ("name", "alone", "stages", "role", "not_requester", "checks", "roles",
                 "by_requester", "not_after", "notify_leave", "guard", "target", "rest",
                 "watched")

    def __init__(self, wf: Workflow[Any], task: TaskDef,
                 stages: tuple[tuple[str, ...], ...] | None,
                 routes: tuple[tuple[Guard | None, Target], ...]) -> None:
        self.name = task.name
        self.alone = wf.alone[task.name]
        self.watched = task.name in wf.watched  # whether the case keeps who did it
        self.stages = stages if stages is not None else ()  # what a fresh item of it holds
        who = task.assignee
        roles = stages[0] if stages is not None else (who.roles if who is not None else ())
        requester = (REQUESTER in roles if stages is not None
                     else who is not None and who.mode == "requester")
        self.by_requester = requester
        self.roles = frozenset(roles) if roles and not requester else None
        self.role = roles[0] if self.roles is not None and len(self.roles) == 1 else None
        self.not_requester = any(e.step is None for e in task.exclusions)
        self.not_after = tuple(e.step for e in task.exclusions if e.step is not None)
        # The checks act leaves to duties_allow: several roles, by requester, not after.
        self.checks = requester or bool(self.not_after) or (
            self.roles is not None and self.role is None)
        self.notify_leave = task.notify_leave
        self.guard, self.target = routes[0]
        self.rest = routes[1:]


def build(wf: Workflow[Any]) -> dict[tuple[str, str], Move]:
    """Return (task, action) -> Move for every action that can go fast."""
    targets: dict[Go, Target] = {}
    out: dict[tuple[str, str], Move] = {}
    for task in wf.definition.tasks:
        plan = wf.plans.get(task.name)
        if not _fast_source(task, plan):
            continue
        for action, routes in wf.routes[task.name].items():
            if all(r.cap_times is None and not r.inclusive and len(r.targets) == 1
                   for _, r in routes):
                found = tuple((r.guard, targets.get(r.targets[0])
                               or targets.setdefault(r.targets[0], Target(wf, r.targets[0])))
                              for _, r in routes)
                out[(task.name, action)] = Move(wf, task, plan[0] if plan is not None else None,
                                                found)
    return out


def _fast_source(task: TaskDef, plan: tuple[Any, Any] | None) -> bool:
    """Return True when one accepted action on task always decides it, whoever acts."""
    if task.for_each is not None or (task.assignee is not None and task.assignee.mode == "rule"):
        return False
    if task.kind != APPROVAL:
        return True
    if plan is None:
        return False
    stages, needs = plan
    return len(stages) == 1 and (needs[0] == 1 or (needs[0] == EACH_ROLE and len(stages[0]) == 1))


def plans(wf: Workflow[Any]) -> dict[str, tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]]:
    """Return the approval stages of every approval whose stages never depend on the data."""
    return {t.name: plan for t in wf.definition.tasks
            if t.kind == APPROVAL and (plan := static_stages(t)) is not None}


def new_item(nid: int, target: Target, when: dt.datetime) -> WorkItem:
    """Return ``WorkItem(nid, task, 0, when, stages=..., needs=...)`` of an inline target,
    made without the call to the dataclass ``__init__`` (a third of the cost)."""
    item = _new_item(WorkItem)
    item.id, item.task, item.frame, item.started, item.due, item.reminders = (
        nid, target.name, 0, when, None, ())
    item.breached, item.escalated, item.stages, item.needs = False, None, target.stages, target.needs
    item.stage, item.votes, item.group, item.element = 0, (), 0, None
    return item


def duties_allow(case: Case[Any], move: Move, actor: Actor) -> bool:
    """Return True when several roles, "by requester" and separation of duties let
    actor act."""
    if move.roles is not None and move.roles.isdisjoint(actor.roles):
        return False
    aid = actor.id
    if move.by_requester and aid != case.requester:
        return False
    doers = case.doers
    for step in move.not_after:  # noqa: SIM110 (a loop: all() and a generator cost more)
        if aid in doers.get(step, ()):
            return False
    return True


def act(self: Case[Any], step: str, action: str, actor: Actor, now: dt.datetime,
        data: Mapping[str, Any] | None = None, *, item: int | None = None) -> tuple[Event, ...]:
    """Take action on an active step; return the events it caused, or raise Refused.

    This is ``Case.act``.  A move of the case's one work item that the workflow's tables
    decide is checked, made and recorded here in one piece, since calls cost more than
    the statements (what ``moves.finish`` does for it, and the new work item as
    ``new_item`` makes it); anything else, and every refusal, goes through ``Case._act``,
    the general path.
    """
    try:
        move = self.workflow.moves[step][action]
        items = self.items
        nid = self.next_id
        work = items[nid - 1]  # the one item, when the last move made it
    except KeyError:  # not a move the tables decide, or no such item: the general path
        return self._act(step, action, actor, now, data, item)
    if (item is not None or self.outcome is not None or len(items) != 1
            or work.task != step or work.frame or work.group
            or work.escalated is not None or work.stages is not move.stages):
        return self._act(step, action, actor, now, data, item)
    aid, roles = actor.id, actor.roles
    if (((role := move.role) is not None and role not in roles)
            or (move.not_requester and aid == self.requester)
            or (move.checks and not duties_allow(self, move, actor))):
        return self._act(step, action, actor, now, data, item)
    if type(now) is _DATETIME:  # what require_aware does, without the call
        when = now if now.tzinfo is UTC else _utc_of(now) or require_aware(now)
    else:
        when = require_aware(now)
    new = self.data if not data else self.workflow.merge(self.data, data)
    guard = move.guard
    try:
        target = move.target if guard is None or guard(new) else _route(move.rest, new)
    except (ArithmeticError, TypeError):
        target = None
    if target is None:  # no route holds, or a condition fails: the general path says so
        return self._act(step, action, actor, now, data, item)
    self.data = new
    name = move.name
    if move.watched:  # what moves._commit does
        doers = self.doers
        done = doers.get(name)
        if done is None:
            if doers is _EMPTY:
                doers = self.doers = {}
            doers[name] = (aid,)
        elif aid not in done:
            doers[name] = (*done, aid)
    recycle = _refs(work) == _RECYCLE
    items.clear()  # the one item (len 1, checked): no dummy entries to resize away later
    if move.notify_leave:
        self.emit(Event("notify", name, move.notify_leave, when, "leave"))
    if target.inline:  # the new work item, as new_item makes it
        self.next_id = nid + 1
        if recycle:  # frame 0 (as the general path passes it on), escalated None: checked
            items[nid] = fresh = work
            fresh.due = fresh.element = None
        else:
            items[nid] = fresh = _new_item(WorkItem)
            fresh.due = fresh.escalated = fresh.element = None
            fresh.frame = 0
        fresh.stage = fresh.group = 0
        fresh.reminders = fresh.votes = ()
        fresh.breached = False
        fresh.id = nid
        fresh.task = target.name
        fresh.started = when
        fresh.stages = target.stages
        fresh.needs = target.needs
        after = target.alone
    else:
        after = _enter(self, target, when)
    log = self._log  # plain tuples: ``Case.history`` makes the AuditRecords when read
    log.append((len(log) + 1, aid, _sorted_of(roles) or sorted_roles(roles),
                name, action, when, move.alone, after))
    return self.take_events() if self._events else ()


def _route(rest: tuple[tuple[Guard | None, Target], ...], data: Any) -> Target | None:
    """Return the target of the first of the other routes whose condition holds."""
    for guard, target in rest:
        if guard is None or guard(data):
            return target
    return None


def _enter(case: Case[Any], target: Target, when: dt.datetime) -> tuple[str, ...]:
    """Enter a target that is not inline (an SLA, notices, an end); return the marking."""
    if target.single:  # what moves.enter does for it in the root frame
        moves.new_item(case, target.task, 0, when, 0, None)
    else:
        moves.enter(case, 0, target.go, when)
    return case.marking
