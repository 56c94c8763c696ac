"""How a case moves: route selection, parallel frames, joins, for-each groups, ends.

Each split starts a frame counting its live threads; a join of kind ``all`` fires when
every started thread has arrived or ended (synchronising merge), ``any`` fires on the
first arrival and absorbs the rest (the case is not done while they are active).  A
thread routed outside its block cancels the other threads of that block.  Route
selection happens before any change, so a refused action leaves the case as it was.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import approvals, timers
from .errors import Refused
from .records import Actor, Event, Frame, Group, WorkItem
from .tables import APPROVAL, JOIN_ANY, JOIN_EACH, Go, RouteDef, TaskDef, block_key

if TYPE_CHECKING:
    from .case import Case


# A case's frames, groups, passes and doers until first written: one shared read-only
# mapping (typed Any, since the case's fields are dicts once written).
EMPTY: Any = MappingProxyType({})


def frames_of(case: Case[Any]) -> dict[int, Frame]:
    """Return the case's frames, making its root frame (one live thread) on first use."""
    frames = case.frames
    if frames is EMPTY:
        frames = case.frames = {0: Frame(0, -1, "", None, 1)}
    return frames


def doers_of(case: Case[Any]) -> dict[str, tuple[str, ...]]:
    """Return the case's step -> actors table (steps some exclusion names), ready to be
    written."""
    if case.doers is EMPTY:
        case.doers = {}
    return case.doers


def _passes_of(case: Case[Any]) -> dict[str, int]:
    if case.passes is EMPTY:
        case.passes = {}
    return case.passes


def _groups_of(case: Case[Any]) -> dict[int, Group]:
    if case.groups is EMPTY:
        case.groups = {}
    return case.groups


def holds(case: Case[Any], guard: Any, data: Any, where: str) -> bool:
    """Return the guard's value on data; arithmetic failures refuse the action."""
    try:
        return bool(guard(data))
    except (ArithmeticError, TypeError) as error:
        raise Refused(f"a condition of {where} cannot be evaluated: {error}") from None


Plan = tuple[list[Go], list[str], str]


def plan(case: Case[Any], task: TaskDef, action: str, data: Any) -> Plan:
    """Return the targets the action goes to, the capped routes it passes and the block
    key of a split; or refuse."""
    chosen: list[tuple[int, RouteDef]] = []
    for index, route in case.workflow.routes[task.name].get(action, ()):
        if route.otherwise and chosen:
            continue
        if route.guard is not None and not holds(case, route.guard, data, task.name):
            continue
        if route.inclusive:
            chosen.append((index, route))
        elif not chosen:
            chosen.append((index, route))
            break
    if not chosen:
        raise Refused(f"no route of {task.name} on {action!r} matches the case data")
    targets: list[Go] = []
    caps: list[str] = []
    for index, route in chosen:
        if route.cap_times is not None:
            passed = f"{task.name}#{index}"
            if case.passes.get(passed, 0) >= route.cap_times:
                if route.cap_then is None:
                    raise Refused(f"{task.name} may {action} at most {route.cap_times} times")
                targets.append(route.cap_then)
                continue
            caps.append(passed)
        targets.extend(route.targets)
    if len(targets) < 2:
        return targets, caps, ""
    return targets, caps, block_key(task.name, None if chosen[0][1].inclusive else chosen[0][0])


def finish(case: Case[Any], work: WorkItem, actor: Actor, action: str, data: Any,
           now: dt.datetime, forced: bool = False) -> None:
    """Apply an accepted action to a work item (refusing before any change if it cannot)."""
    task = case.workflow.tasks[work.task]
    decided: str | None = action
    role = ""
    if not forced and task.kind == APPROVAL:
        decided, role = approvals.vote(case, work, actor, action)
    if decided is not None and not work.group and not work.frame:
        direct = case.workflow.direct.get((task.name, decided))
        if direct is not None:  # the common sequential case, without the general machinery
            _commit(case, task.name, actor, data)
            _remove(case, work, now)
            new_item(case, direct, 0, now, 0, None)
            return
    group = case.groups.get(work.group) if work.group else None
    closing = decided is not None and (group is None or _group_closes(case, group, task, data))
    targets, caps, key = plan(case, task, decided, data) if closing and decided else ([], [], "")
    _commit(case, task.name, actor, data)
    if decided is None:
        approvals.record_vote(work, actor, role)
        return
    _remove(case, work, now)
    if group is not None:
        group.done += 1
        if not closing:
            if group.waiting and task.for_each and task.for_each.sequential:
                new_item(case, task, group.frame, now, group.id, group.waiting.pop(0))
            return
        _close_group(case, group, now)
    for passed in caps:
        passes = _passes_of(case)
        passes[passed] = passes.get(passed, 0) + 1
    advance(case, work.frame, key, targets, now)


def _commit(case: Case[Any], task: str, actor: Actor, data: Any) -> None:
    case.data = data
    if task not in case.workflow.watched:
        return  # nobody asks who did it; the history says (``snapshot.doers``)
    done = case.doers.get(task, ())
    if actor.id not in done:
        doers_of(case)[task] = (*done, actor.id)  # a new tuple: records never change


def _group_closes(case: Case[Any], group: Group, task: TaskDef, data: Any) -> bool:
    each = task.for_each
    done = group.done + 1
    if done >= group.total or each is None:
        return True
    if each.until_count is not None and done >= each.until_count:
        return True
    return each.until is not None and holds(case, each.until, data, task.name)


def _close_group(case: Case[Any], group: Group, now: dt.datetime) -> None:
    for item in [i for i in case.items.values() if i.group == group.id]:
        _cancel_item(case, item, now)
    del case.groups[group.id]


def advance(case: Case[Any], frame_id: int, key: str, targets: list[Go],
            now: dt.datetime) -> None:
    """Move a thread on to targets, starting a frame (of block key) when there are several."""
    if len(targets) == 1:
        enter(case, frame_id, targets[0], now)
        return
    block = case.workflow.blocks.get(key)
    fid = case.next_id
    case.next_id += 1
    frames = frames_of(case)
    frames[fid] = Frame(fid, frame_id, key, block.join if block else None, len(targets))
    for target in targets:
        if case.done or fid not in case.frames:
            return
        enter(case, fid, target, now)


def enter(case: Case[Any], frame_id: int, go: Go, now: dt.datetime) -> None:
    """Move one thread of frame_id to a task or an end."""
    if case.done:
        return
    wf = case.workflow
    frame_id = _leave_blocks(case, frame_id, go, now)
    if go.end:
        if not wf.ends[go.name].success:
            terminate(case, go.name, now)
            return
        case.last_success = go.name
        _thread_ends(case, frame_id, now)
        return
    task = wf.tasks[go.name]
    frame = case.frames[frame_id] if frame_id != 0 else None
    if task.join is not None and frame is not None and frame.join == task.name:
        _arrive(case, frame, task, now)
    else:
        activate(case, task, frame_id, now)


def _leave_blocks(case: Case[Any], frame_id: int, go: Go, now: dt.datetime) -> int:
    while frame_id != 0 and not go.end:
        frame = case.frames[frame_id]
        block = case.workflow.blocks.get(frame.split)
        if block is None or go.name == frame.join or go.name in block.members:
            break
        _cancel_frame(case, frame_id, now)
        frame_id = frame.parent
    return frame_id


def _thread_ends(case: Case[Any], frame_id: int, now: dt.datetime) -> None:
    frame = frames_of(case)[frame_id]
    frame.live -= 1
    if frame.live <= 0:
        _frame_done(case, frame, now)


def _frame_done(case: Case[Any], frame: Frame, now: dt.datetime) -> None:
    if frame.id == 0:
        frame.live = 0
        case.outcome = case.last_success or ""
        return
    del case.frames[frame.id]
    if frame.arrived > 0 and frame.join is not None and not frame.fired:
        activate(case, case.workflow.tasks[frame.join], frame.parent, now)
    else:
        _thread_ends(case, frame.parent, now)


def _arrive(case: Case[Any], frame: Frame, task: TaskDef, now: dt.datetime) -> None:
    frame.live -= 1
    if task.join == JOIN_EACH:
        # Multi-merge: every arrival goes on as its own thread of the parent.
        frame.fired = True
        frames_of(case)[frame.parent].live += 1
        activate(case, task, frame.parent, now)
    elif task.join != JOIN_ANY:
        frame.arrived += 1
    elif not frame.fired:
        # The first arrival goes on as a new thread of the parent; the frame stays one
        # thread of the parent until its other branches have arrived or ended.
        frame.fired = True
        frames_of(case)[frame.parent].live += 1
        activate(case, task, frame.parent, now)
    if frame.live <= 0:
        _frame_done(case, frame, now)


def activate(case: Case[Any], task: TaskDef, frame_id: int, now: dt.datetime) -> None:
    """Create the work items of task in frame_id (one per element for a for-each)."""
    each = task.for_each
    if each is not None:
        spec_field = case.workflow.fields.get(each.field)
        elements = list(getattr(case.data, spec_field.attr)) if spec_field else []
        if elements:
            gid = case.next_id
            case.next_id += 1
            first = [0] if each.sequential else list(range(len(elements)))
            waiting = [i for i in range(len(elements)) if i not in first]
            _groups_of(case)[gid] = Group(gid, task.name, frame_id, waiting, len(elements))
            for index in first:
                new_item(case, task, frame_id, now, gid, index)
            return
    new_item(case, task, frame_id, now, 0, None)


def new_item(case: Case[Any], task: TaskDef, frame_id: int, now: dt.datetime, group: int,
              element: int | None) -> None:
    """Add a work item of task to the marking (its SLA, approvers and notices with it)."""
    item = WorkItem(case.next_id, task.name, frame_id, now, group=group, element=element)
    case.next_id += 1
    if task.sla is not None:
        item.due, item.reminders = timers.schedule(case, task.sla, now)
    if task.kind == APPROVAL:
        item.stages, item.needs = approvals.plan_stages(case, task)
        if approvals.NOBODY in item.stages[0]:
            case.emit(Event("no_approver", task.name, (), now, task.assignee.rule or ""
                            if task.assignee else ""))
    case.items[item.id] = item
    if task.notify_enter:
        case.emit(Event("notify", task.name, task.notify_enter, now, "enter"))


def _remove(case: Case[Any], item: WorkItem, now: dt.datetime) -> None:
    del case.items[item.id]
    task = case.workflow.tasks[item.task]
    if task.notify_leave:
        case.emit(Event("notify", task.name, task.notify_leave, now, "leave"))


def leave_item(case: Case[Any], item: WorkItem, now: dt.datetime) -> None:
    """Take item out of the marking (its whole for-each group with it)."""
    del case.items[item.id]
    group = case.groups.get(item.group) if item.group else None
    if group is not None:
        _close_group(case, group, now)


def _cancel_item(case: Case[Any], item: WorkItem, now: dt.datetime) -> None:
    del case.items[item.id]
    case.emit(Event("cancelled", item.task, (), now))


def _cancel_frame(case: Case[Any], frame_id: int, now: dt.datetime) -> None:
    doomed = {frame_id}
    grew = True
    while grew:
        more = {f.id for f in case.frames.values() if f.parent in doomed} - doomed
        grew = bool(more)
        doomed |= more
    for item in [i for i in case.items.values() if i.frame in doomed]:
        _cancel_item(case, item, now)
    for gid in [g.id for g in case.groups.values() if g.frame in doomed]:
        del case.groups[gid]
    for fid in doomed:
        del case.frames[fid]


def terminate(case: Case[Any], end: str, now: dt.datetime) -> None:
    """End the case at end, cancelling all active work."""
    for item in list(case.items.values()):
        _cancel_item(case, item, now)
    case.groups = EMPTY
    case.frames = {0: Frame(0, -1, "", None, 0)}
    case.outcome = end


def jump(case: Case[Any], go: Go, now: dt.datetime) -> None:
    """Cancel all active work and move the case's one thread to go."""
    for item in list(case.items.values()):
        _cancel_item(case, item, now)
    case.groups = EMPTY
    case.frames = EMPTY
    enter(case, 0, go, now)
