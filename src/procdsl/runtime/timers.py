"""Deadlines, reminders and breach actions, applied by ``Case.tick(now)``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import moves
from .errors import Refused
from .records import SYSTEM, Event, WorkItem
from .tables import APPROVE, REJECT, BreachDef, SlaDef, Span

if TYPE_CHECKING:
    from .case import Case


def schedule(case: Case[Any], sla: SlaDef | None,
             now: dt.datetime) -> tuple[dt.datetime | None, list[dt.datetime] | tuple[()]]:
    """Return the deadline and the reminder times of an SLA started at now."""
    if sla is None:
        return None, ()
    calendar = case.workflow.calendar
    due = calendar.add(now, sla.within)
    times = []
    for reminder in sla.reminders:
        if reminder.percent is not None:
            times.append(calendar.add(now, _share(sla.within, reminder.percent)))
        elif reminder.before is not None:
            times.append(max(now, calendar.subtract(due, reminder.before)))
    return due, sorted(times) if times else ()


_SHARES: dict[tuple[Decimal, str, Decimal], Span] = {}


def _share(within: Span, percent: Decimal) -> Span:
    """Return percent of within (remembered: every activation of a task asks again)."""
    key = (within.amount, within.unit, percent)
    found = _SHARES.get(key)
    if found is None:
        if len(_SHARES) >= 1024:
            _SHARES.clear()
        found = _SHARES[key] = Span(within.amount * percent / 100, within.unit)
    return found


def tick(case: Case[Any], now: dt.datetime) -> None:
    """Fire reminders and breaches due by now, in deadline order, as events."""
    _process_tick(case, now)
    for item in sorted(case.items.values(), key=lambda i: (i.due or now, i.id)):
        if case.done:
            return
        if item.id not in case.items:
            continue
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


def _process_tick(case: Case[Any], now: dt.datetime) -> None:
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
            moves.jump(case, breach.target, now)
            _audit(case, None, "goto", now, before)
        elif breach.kind == "notify":
            case.emit(Event("notify", None, breach.roles, now, "breach"))


def _apply(case: Case[Any], item: WorkItem, breach: BreachDef, now: dt.datetime) -> None:
    before = case.marking
    if breach.kind == "notify":
        case.emit(Event("notify", item.task, breach.roles, now, "breach"))
        return
    if breach.kind == "escalate" and breach.roles:
        item.escalated = breach.roles[0]
        case.emit(Event("escalated", item.task, breach.roles[:1], now))
        _audit(case, item.task, "escalate", now, before)
        return
    if breach.kind in ("auto_approve", "auto_reject"):
        action = APPROVE if breach.kind == "auto_approve" else REJECT
        try:
            moves.finish(case, item, SYSTEM, action, case.data, now, forced=True)
        except Refused as refused:
            case.emit(Event("no_route", item.task, (), now, str(refused)))
            return
        case.emit(Event(f"auto_{action}d", item.task, (), now))
        _audit(case, item.task, breach.kind, now, before)
        return
    if breach.kind == "goto" and breach.target is not None:
        moves.leave_item(case, item, now)
        moves.enter(case, item.frame, breach.target, now)
        case.emit(Event("goto", item.task, (), now, breach.target.name))
        _audit(case, item.task, "goto", now, before)


def _audit(case: Case[Any], step: str | None, action: str, now: dt.datetime,
           before: tuple[str, ...]) -> None:
    log = case._log
    log.append((len(log) + 1, SYSTEM.id, (), step, action, now, before, case.marking))
