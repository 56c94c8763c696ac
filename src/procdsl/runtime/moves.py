"""How a case moves: route selection, parallel frames, joins, for-each groups, ends.

Each split starts a frame counting its live threads; a join of kind ``all`` fires when
every started thread has arrived or ended (synchronising merge), ``any`` fires on the
first arrival and absorbs the rest (the case is not done while they are active).  A
thread routed outside its block cancels the other threads of that block.  Route
selection happens before any change, so a refused action leaves the case as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .approvals import plan_stages, record_vote
from .compiled import (
    AUTO_APPROVE,
    AUTO_REJECT,
    NOBODY,
    Move,
    Route,
    Target,
    TaskPlan,
    Way,
    votes_left,
)
from .errors import Refused
from .messages import action_word, alternatives
from .messages import refused as refusal
from .records import SYSTEM, Actor, Event, Frame, Group, WorkItem
from .state import EMPTY, CaseState
from .tables import JOIN_ANY, JOIN_EACH, Go, block_key


def choose(case: CaseState[Any], move: Move, data: Any) -> Way:
    """Return where the action goes on data: the targets, the capped routes it passes and
    the block key of a split; or refuse (nothing has changed yet)."""
    try:
        for route in move.routes:  # the first route whose condition holds is taken
            guard = route.guard
            if guard is None or guard(data):
                break
        else:
            raise refusal(case.workflow.lang, "no_route", step=move.plan.name,
                          action=move.action)
    except (ArithmeticError, TypeError) as error:
        raise refusal(case.workflow.lang, "condition_error", step=move.plan.name,
                      error=error) from None
    if route.final:
        return route.way
    return _combine(case, move, route, data)


def _combine(case: CaseState[Any], move: Move, first: Route, data: Any) -> Way:
    """Return where the first route taken goes with the ``also when`` routes that hold
    after it (a multi-choice) and its cap (a capped route past its limit goes elsewhere)."""
    taken = [first]
    if first.inclusive:
        routes = move.routes
        for route in routes[routes.index(first) + 1:]:
            if route.otherwise:
                continue
            guard = route.guard
            try:
                holds = guard is None or guard(data)
            except (ArithmeticError, TypeError) as error:
                raise refusal(case.workflow.lang, "condition_error", step=move.plan.name,
                              error=error) from None
            if holds and route.inclusive:
                taken.append(route)
    targets: list[Target] = []
    caps: list[str] = []
    for route in taken:
        if route.cap_times is not None:
            if case.passes.get(route.passed, 0) >= route.cap_times:
                if route.cap_then is None:
                    lang = case.workflow.lang
                    raise refusal(lang, "route_cap", step=move.plan.name,
                                  action=action_word(lang, move.action), times=route.cap_times)
                targets.append(route.cap_then)
                continue
            caps.append(route.passed)
        targets.extend(chosen(case, move, route) if route.choice else
                       ruled(case, move, route, data) if route.rule is not None else
                       route.targets)
    key = ""
    if len(targets) > 1:
        key = block_key(move.plan.name, None if first.inclusive else first.index)
    return tuple(targets), tuple(caps), key


def ruled(case: CaseState[Any], move: Move, route: Route, data: Any) -> tuple[Target, ...]:
    """Return the target the first row of the route's rule that holds on data names
    (``then by rule R``), or refuse when no row holds."""
    rule = case.workflow.rules.get(route.rule or "")
    lang = case.workflow.lang
    for guard, names in rule.rows if rule is not None else ():
        try:
            holds = guard is None or guard(data)
        except (ArithmeticError, TypeError) as error:
            raise refusal(lang, "condition_error", step=move.plan.name, error=error) from None
        if holds:
            for target in route.targets:
                if names and target.name == names[0]:
                    return (target,)
    raise refusal(lang, "rule_no_route", step=move.plan.name, rule=route.rule or "")


def chosen(case: CaseState[Any], move: Move, route: Route) -> tuple[Target, ...]:
    """Return the target the actor named (``case.choosing``) among a choice route's
    (``return -> choice of A, B``), or refuse: none named, or one the spec does not allow."""
    name = case.choosing
    for target in route.targets:
        if target.name == name:
            return (target,)
    lang = case.workflow.lang
    choices = alternatives(lang, [t.name for t in route.targets])
    if not name:
        raise refusal(lang, "return_choose", step=move.plan.name, choices=choices)
    raise refusal(lang, "return_not_allowed", step=move.plan.name, target=name,
                  choices=choices)


_STAY: Way = ((), (), "")  # a for-each still running


def finish(case: CaseState[Any], work: WorkItem, move: Move, actor: Actor, data: Any,
           now: dt.datetime, forced: bool = False) -> None:
    """Apply an accepted action to a work item: count an approval's vote, choose the
    route (refusing before any change if none fits), then move the case on."""
    plan = move.plan
    if work.votes_left > 1 and move.votes and not forced and work.escalated is None:
        # An approve that leaves votes to collect is a vote: the approval stays open (an
        # escalated item is decided by one holder of the role it was handed to).
        case.data = data
        if plan.watched:
            _keep_doer(case, plan, actor)
        record_vote(case, plan, work, actor)
        return
    group = case.groups.get(work.group) if work.group else None
    closing = group is None or _group_closes(case, group, plan, data)
    targets, caps, key = choose(case, move, data) if closing else _STAY
    back = None
    if case.returned and closing and plan.name in case.returned:
        back = _straight_back(case, plan, targets)
        if back is not None:
            targets, caps, key = (back[0],), (), ""
    elif plan.to_returner and move.action == "return" and len(targets) == 1 \
            and not targets[0].end:
        case.returned = {**case.returned, targets[0].name: [
            plan.name, work.stage, [list(s) for s in work.stages], list(work.needs), actor.id]}
    case.data = data
    if plan.watched:
        _keep_doer(case, plan, actor)
    remove(case, work)
    if plan.notify_leave:
        case.emit(Event("notify", plan.name, plan.notify_leave, now, "leave"))
    if group is not None:
        group.done += 1
        if not closing:
            if group.waiting and plan.for_each and plan.for_each.sequential:
                new_item(case, plan, group.frame, now, group.id, group.waiting.pop(0))
            return
        _close_group(case, group, now)
    if caps:
        passes = case.writable_passes()
        for passed in caps:
            passes[passed] = passes.get(passed, 0) + 1
    if len(targets) == 1:
        enter(case, work.frame, targets[0], now)
        if back is not None:
            _resume(case, back[0].name, back[1])
    else:
        split(case, work.frame, key, targets, now)


def _straight_back(case: CaseState[Any], plan: TaskPlan,
                   targets: tuple[Target, ...]) -> tuple[Target, list[Any]] | None:
    """Return the approval a resubmission goes straight back to (and where it stood),
    forgetting it; None when the step's routes go on as written."""
    found = case.returned[plan.name]
    case.returned = {k: v for k, v in case.returned.items() if k != plan.name}
    target = case.workflow.targets.get(Go(found[0]))
    if target is None or any(t.end and not t.success for t in targets):
        return None
    case.note(plan.name, "to_returner", found[4])
    return target, found


def _resume(case: CaseState[Any], task: str, found: list[Any]) -> None:
    """Put the approval just entered back at the stage its returner decided at."""
    item = case.items.get(case.next_id - 1)
    if item is None or item.task != task or found[1] >= len(found[2]):
        return
    item.stages, item.needs, item.stage, item.votes = found[2], found[3], found[1], ()
    item.votes_left = votes_left(found[2], found[3], found[1], ())


def _keep_doer(case: CaseState[Any], plan: TaskPlan, actor: Actor) -> None:
    """Note actor as a doer of plan's task (some "not by whoever did" names it)."""
    done = case.doers.get(plan.name, ())
    if actor.id not in done:
        case.writable_doers()[plan.name] = (*done, actor.id)  # a new tuple: never changed


def _length(case: CaseState[Any], plan: TaskPlan, data: Any) -> int:
    """Return how many elements the list field a for-each task runs over holds in data."""
    each = plan.for_each
    spec_field = case.workflow.fields.get(each.field) if each is not None else None
    return len(getattr(data, spec_field.attr)) if spec_field is not None else 0


def _group_closes(case: CaseState[Any], group: Group, plan: TaskPlan, data: Any) -> bool:
    each = plan.for_each
    done = group.done + 1
    # Elements added to the list while the task runs are instances too (WCP-15).
    if done >= max(group.total, _length(case, plan, data)) or each is None:
        return True
    if each.until_count is not None and done >= each.until_count:
        return True
    if each.until is None:
        return False
    try:
        return bool(each.until(data))
    except (ArithmeticError, TypeError) as error:
        raise refusal(case.workflow.lang, "condition_error", step=plan.name,
                      error=error) from None


def grow(case: CaseState[Any], now: dt.datetime) -> None:
    """After an action changed the data: every running for-each whose list now holds more
    elements than it had gets their instances (WCP-15; a one-at-a-time task queues them,
    and starts the next at once when none of its items is active)."""
    for group in list(case.groups.values()):
        plan = case.workflow.plans[group.task]
        total = _length(case, plan, case.data)
        if total <= group.total or plan.for_each is None:
            continue
        fresh = list(range(group.total, total))
        group.total = total
        case.note(plan.name, "grow", str(len(fresh)))
        if plan.for_each.sequential:
            group.waiting.extend(fresh)
            if not any(i.group == group.id for i in case.items.values()):
                new_item(case, plan, group.frame, now, group.id, group.waiting.pop(0))
            continue
        for index in fresh:
            new_item(case, plan, group.frame, now, group.id, index)


def _close_group(case: CaseState[Any], group: Group, now: dt.datetime) -> None:
    for item in [i for i in case.items.values() if i.group == group.id]:
        _cancel_item(case, item, now)
    del case.groups[group.id]


def split(case: CaseState[Any], frame_id: int, key: str, targets: tuple[Target, ...],
          now: dt.datetime) -> None:
    """Start a frame (of block key) in frame_id with one thread per target."""
    block = case.workflow.blocks.get(key)
    fid = case.next_id
    case.next_id += 1
    frames = case.writable_frames()
    frames[fid] = Frame(fid, frame_id, key, block.join if block else None, len(targets),
                        interleaved=key in case.workflow.interleaved)
    for target in targets:
        if case.done or fid not in case.frames:
            return
        enter(case, fid, target, now)


def enter(case: CaseState[Any], frame_id: int, target: Target, now: dt.datetime) -> None:
    """Move one thread of frame_id to a task or an end."""
    if case.outcome is not None:
        return
    if frame_id:
        frame_id = _leave_blocks(case, frame_id, target, now)
    if target.end:
        if not target.success:
            terminate(case, target.name, now)
            return
        case.last_success = target.name
        _thread_ends(case, frame_id, now)
        return
    plan = target.plan
    if plan.plain:
        new_item(case, plan, frame_id, now, 0, None)
        return
    if plan.join is not None and frame_id:
        frame = case.frames[frame_id]
        if frame.join == plan.name:
            _arrive(case, frame, plan, now)
            return
    activate(case, plan, frame_id, now)


def _leave_blocks(case: CaseState[Any], frame_id: int, target: Target, now: dt.datetime) -> int:
    while frame_id != 0 and not target.end:
        frame = case.frames[frame_id]
        block = case.workflow.blocks.get(frame.split)
        if block is None or target.name == frame.join or target.name in block.members:
            break
        _cancel_frame(case, frame_id, now)
        frame_id = frame.parent
    return frame_id


def _thread_ends(case: CaseState[Any], frame_id: int, now: dt.datetime) -> None:
    frame = case.writable_frames()[frame_id]
    frame.live -= 1
    if frame.live <= 0:
        _frame_done(case, frame, now)


def _frame_done(case: CaseState[Any], frame: Frame, now: dt.datetime) -> None:
    if frame.id == 0:
        frame.live = 0
        case.outcome = case.last_success or ""
        return
    del case.frames[frame.id]
    if frame.arrived > 0 and frame.join is not None and not frame.fired:
        activate(case, case.workflow.plans[frame.join], frame.parent, now)
    else:
        _thread_ends(case, frame.parent, now)


def _arrive(case: CaseState[Any], frame: Frame, plan: TaskPlan, now: dt.datetime) -> None:
    frame.live -= 1
    if plan.join == JOIN_EACH:
        # Multi-merge: every arrival goes on as its own thread of the parent.
        frame.fired = True
        case.writable_frames()[frame.parent].live += 1
        activate(case, plan, frame.parent, now)
    elif plan.join != JOIN_ANY:
        frame.arrived += 1
    elif not frame.fired:
        # The first arrival goes on as a new thread of the parent; the frame stays one
        # thread of the parent until its other branches have arrived or ended.
        frame.fired = True
        case.writable_frames()[frame.parent].live += 1
        activate(case, plan, frame.parent, now)
    if frame.live <= 0:
        _frame_done(case, frame, now)


def activate(case: CaseState[Any], plan: TaskPlan, frame_id: int, now: dt.datetime) -> None:
    """Create the work items of a task in frame_id (one per element for a for-each)."""
    if plan.for_each is not None:
        _start_group(case, plan, frame_id, now)
    else:
        new_item(case, plan, frame_id, now, 0, None)


def _start_group(case: CaseState[Any], plan: TaskPlan, frame_id: int, now: dt.datetime) -> None:
    each = plan.for_each
    assert each is not None
    spec_field = case.workflow.fields.get(each.field)
    elements = list(getattr(case.data, spec_field.attr)) if spec_field else []
    if not elements:  # an empty list: no instance, the task is passed
        _pass_empty(case, plan, frame_id, now)
        return
    gid = case.next_id
    case.next_id += 1
    first = [0] if each.sequential else list(range(len(elements)))
    waiting = [i for i in range(len(elements)) if i not in first]
    case.writable_groups()[gid] = Group(gid, plan.name, frame_id, waiting, len(elements))
    for index in first:
        new_item(case, plan, frame_id, now, gid, index)


def _pass_empty(case: CaseState[Any], plan: TaskPlan, frame_id: int, now: dt.datetime) -> None:
    """Pass a for-each task over an empty list: it goes on as its first action (complete,
    or approve) would, recorded by the clock (``skip``); when no route of that action
    holds on the data, it waits as one work item for someone to act on it."""
    moves = plan.moves
    move = moves.get("complete") or moves.get("approve") or next(iter(moves.values()), None)
    try:
        if move is None:
            raise Refused("")
        targets, caps, key = choose(case, move, case.data)
    except Refused:
        new_item(case, plan, frame_id, now, 0, None)
        return
    case.note(plan.name, "skip", "empty")
    if caps:
        passes = case.writable_passes()
        for passed in caps:
            passes[passed] = passes.get(passed, 0) + 1
    if len(targets) == 1:
        enter(case, frame_id, targets[0], now)
    else:
        split(case, frame_id, key, targets, now)


def new_item(case: CaseState[Any], plan: TaskPlan, frame_id: int, now: dt.datetime, group: int,
             element: int | None) -> None:
    """Add a work item of a task to the marking (its SLA, approvers and notices with it)."""
    stages, needs, left = plan.stages, plan.needs, plan.votes_left
    if stages is None:  # approvers that depend on the data: planned now
        stages, needs = plan_stages(case, plan)
        left = votes_left(stages, needs, 0, ())
        if NOBODY in stages[0]:
            who = plan.task.assignee
            detail = (who.rule or "" if who.mode == "rule" else who.mode) if who else ""
            case.emit(Event("no_approver", plan.name, (), now, detail))
    due: dt.datetime | None
    reminders: list[dt.datetime] | tuple[()]
    if plan.sla is None:
        due, reminders = None, ()
    else:
        due, reminders = case.workflow.calendar.schedule(plan.sla, now)
    nid = case.next_id
    case.next_id = nid + 1
    marking = case.marking
    case.marking = (*marking, plan.name) if marking else plan.alone  # records share alone
    case.items[nid] = WorkItem(nid, plan.name, frame_id, now, due, reminders, stages, needs,
                               group, element, left)
    if plan.notify_enter:
        case.emit(Event("notify", plan.name, plan.notify_enter, now, "enter"))


def remove(case: CaseState[Any], item: WorkItem) -> None:
    """Take item out of the case's work items and its marking."""
    items = case.items
    del items[item.id]
    case.marking = tuple([i.task for i in items.values()]) if items else ()


def leave_item(case: CaseState[Any], item: WorkItem, now: dt.datetime) -> None:
    """Take item out of the marking (its whole for-each group with it)."""
    remove(case, item)
    group = case.groups.get(item.group) if item.group else None
    if group is not None:
        _close_group(case, group, now)


def _cancel_item(case: CaseState[Any], item: WorkItem, now: dt.datetime) -> None:
    remove(case, item)
    case.emit(Event("cancelled", item.task, (), now))


def _cancel_frame(case: CaseState[Any], frame_id: int, now: dt.datetime) -> None:
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


def terminate(case: CaseState[Any], end: str, now: dt.datetime) -> None:
    """End the case at end, cancelling all active work."""
    for item in list(case.items.values()):
        _cancel_item(case, item, now)
    case.groups = EMPTY
    case.frames = {0: Frame(0, -1, "", None, 0)}
    case.outcome = end


def jump(case: CaseState[Any], target: Target, now: dt.datetime) -> None:
    """Cancel all active work and move the case's one thread to target."""
    for item in list(case.items.values()):
        _cancel_item(case, item, now)
    case.groups = EMPTY
    case.frames = EMPTY
    enter(case, 0, target, now)


def settle(case: CaseState[Any], now: dt.datetime) -> None:
    """Decide the approvals the case decides on its own (no approver found and ``when no
    approver: auto-approve / reject``, or everyone de-duplicated), each recorded by the
    clock; what they activate is settled too."""
    if not case.unsettled:
        return
    case.unsettled = False
    for _ in range(10_000):  # a process that auto-approves in a loop stops here
        found = next(((item, roles[0]) for item in case.items.values()
                      if item.stages and item.stage < len(item.stages)
                      and (roles := item.stages[item.stage])
                      and roles[0] in (AUTO_APPROVE, AUTO_REJECT)), None)
        if found is None or case.done:
            return
        item, marker = found
        plan = case.workflow.plans[item.task]
        action = "approve" if marker == AUTO_APPROVE else "reject"
        move = plan.moves.get(action)
        before = case.marking
        try:
            if move is None:
                raise refusal(case.workflow.lang, "no_route_for", step=item.task, action=action)
            finish(case, item, move, SYSTEM, case.data, now, forced=True)
        except Refused as refused:
            item.stages, item.needs = [[NOBODY]], [1]
            case.emit(Event("no_route", item.task, (), now, str(refused)))
            continue
        case.emit(Event(f"auto_{action}ed".replace("eed", "ed"), item.task, (), now,
                        "no_approver"))
        case.record(SYSTEM, item.task, f"empty_{action}", now, before)
