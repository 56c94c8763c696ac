"""Reminders and breach actions, applied by ``Case.tick(now)``.

Deadlines and reminder times are set when a work item (or the case) starts, by
``WorkCalendar.schedule``; ``tick`` fires those due by now, in deadline order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .errors import Refused
from .interleave import busy
from .messages import refused as refusal
from .moves import enter, finish, jump, leave_item
from .records import SYSTEM, Event, WorkItem
from .state import CaseState
from .tables import APPROVE, REJECT, BreachDef


def tick(case: CaseState[Any], now: dt.datetime) -> None:
    """Fire reminders and breaches due by now, in deadline order, as events."""
    _process_tick(case, now)
    for item in sorted(case.items.values(), key=lambda i: (i.due or now, i.id)):
        if case.done:
            return
        if item.id not in case.items:
            continue
        if item.frame and busy(case, item) is not None:
            continue  # waits its turn in an ``in any order`` block: its timers wait too
        task = case.workflow.tasks[item.task]
        roles = task.assignee.roles if task.assignee else ()
        while item.reminders and item.reminders[0] <= now:
            case.emit(Event("reminder", item.task, roles, item.reminders.pop(0)))
        if item.due is not None and item.due <= now and not item.breached:
            item.breached = True
            case.emit(Event("breach", item.task, roles, item.due))
            for breach in task.sla.breaches if task.sla else ():
                if item.id in case.items and not case.done:
                    _apply(case, item, breach, now)


def _process_tick(case: CaseState[Any], now: dt.datetime) -> None:
    while case.reminders and case.reminders[0] <= now:
        case.emit(Event("reminder", None, (), case.reminders.pop(0)))
    sla = case.workflow.definition.sla
    if case.due is None or case.due > now or case.breached or sla is None:
        return
    case.breached = True
    case.emit(Event("process_breach", None, (), case.due))
    for breach in sla.breaches:
        if breach.kind == "goto" and breach.target is not None and not case.done:
            before = case.marking
            jump(case, case.workflow.targets[breach.target], now)
            case.record(SYSTEM, None, "goto", now, before)
        elif breach.kind == "notify":
            case.emit(Event("notify", None, breach.roles, now, "breach"))
        elif breach.kind == "escalate" and breach.roles and not case.done:
            _escalate_case(case, breach.roles[0], now)


def _escalate_case(case: CaseState[Any], role: str, now: dt.datetime) -> None:
    """Hand every open work item to role, as a task's own escalation hands its item:
    only holders of role may act on them, and one decision decides."""
    for item in case.items.values():
        item.escalated = role
        case.emit(Event("escalated", item.task, (role,), now, "process"))
    case.record(SYSTEM, None, "escalate", now, case.marking)


def _apply(case: CaseState[Any], item: WorkItem, breach: BreachDef, now: dt.datetime) -> None:
    before = case.marking
    if breach.kind == "notify":
        case.emit(Event("notify", item.task, breach.roles, now, "breach"))
        return
    if breach.kind == "escalate" and breach.roles:
        item.escalated = breach.roles[0]
        case.emit(Event("escalated", item.task, breach.roles[:1], now))
        case.record(SYSTEM, item.task, "escalate", now, before)
        return
    if breach.kind in ("auto_approve", "auto_reject"):
        action = APPROVE if breach.kind == "auto_approve" else REJECT
        move = case.workflow.plans[item.task].moves.get(action)
        try:
            if move is None:
                raise refusal(case.workflow.lang, "no_route", step=item.task, action=action)
            finish(case, item, move, SYSTEM, case.data, now, forced=True)
        except Refused as refused:
            case.emit(Event("no_route", item.task, (), now, str(refused)))
            return
        case.emit(Event("auto_approved" if action == APPROVE else "auto_rejected", item.task, (),
                        now))
        case.record(SYSTEM, item.task, breach.kind, now, before)
        return
    if breach.kind == "goto" and breach.target is not None:
        leave_item(case, item, now)
        enter(case, item.frame, case.workflow.targets[breach.target], now)
        case.emit(Event("goto", item.task, (), now, breach.target.name))
        case.record(SYSTEM, item.task, "goto", now, before)
