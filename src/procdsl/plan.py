"""The lowered plan: after checking, one resolved, frozen picture of how a case runs.

``lower(spec)`` turns a checked ``Spec`` into a ``Plan``: every route the case can take
(written routes, the route a capped route takes once its cap is used up, SLA gotos and
escalations, withdraw and cancel), every lane (every role that can act on a task, in
declared role order), every deadline, the parallel blocks and the reading order.  The
diagram (DOT and Mermaid), the manual, the generated Python tables and the IR's ``plan``
section read routes, lanes and timing from here and nothing else, so they cannot
disagree; ``tests/test_fidelity.py`` reads each artifact back and compares it with the
plan.

``plan_of(spec)`` lowers a spec once: the plan is kept for as long as the spec object
lives (keyed by identity, never by the spec's hash, which would walk the whole model).
``task_routes`` is total (it also runs on unchecked specs, for the checks).
"""

from __future__ import annotations

import functools
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from . import model as m
from .kinds import Acting, BlockKind, BreachKind, RouteKind, Split, TargetKind, TimeUnit, Way
from .model import Route, Spec, Task

ANYWHERE = "*"  # the source of a process-level route (cancel, a process SLA goto)
TIMEOUT = "timeout"  # the action of a breach route
WITHDRAW = "withdraw"
CANCEL = "cancel"
REQUESTER_LANE = "requester"
UNASSIGNED_LANE = "unassigned"
ORG_LANE = "org:"  # the prefix of a lane of org-relative approvers (the directory finds them)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRoute:
    """One way a case moves: from ``source`` on ``action`` (when ``condition`` holds) to
    ``target``.

    ``kind`` says how it is taken (``kinds.Way``); ``index`` is the written route it
    comes from (its place among the task's routes, -1 for others) and ``route`` that
    route; ``roles`` are who takes it over (escalate) or may take it (cancel);
    ``split`` is how the written route starts its targets; ``to`` is the target as
    written (None for an escalation, which stays at its task, ``target == source``: the
    task moves to ``roles``' lanes).
    """

    source: str
    action: str
    target: str
    target_kind: TargetKind
    kind: Way
    condition: m.Expr | None = None
    split: Split = Split.ONE
    cap: m.Cap | None = None
    index: int = -1
    route: m.Route | None = None
    roles: tuple[str, ...] = ()
    to: m.Target | None = None

    @property
    def via(self) -> str:
        """Return ``route``, ``cap``, ``breach``, ``escalate``, ``withdraw`` or ``cancel``."""
        return self.kind.via

    @property
    def inclusive(self) -> bool:
        """Return True for a multi-choice (``also when``) route."""
        return self.kind is Way.ALSO

    def key(self) -> tuple[str, str, str, str]:
        """Return (source, action, target, via): what every artifact carries and the
        fidelity test compares."""
        return (self.source, self.action, self.target, self.kind.via)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanActor:
    """A role that can act on ``task`` (``ANYWHERE``: on the whole case), and why."""

    task: str
    lane: str
    how: Acting
    index: int = 0  # the role's place among those acting on the task (the assignee's first)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanLane:
    """A lane: a role (``role`` set; ``key`` is ``role:NAME``), the requester or nobody,
    or org-relative approvers (``approver`` set; ``key`` is ``org:...``, one lane per
    kind: the requester's manager, their 2nd-level manager, the managers up to R, the
    department head, the person a field names).

    ``tasks`` are drawn in it (their first acting role is this one, in reading order);
    ``actors`` are every way it acts, those tasks included.
    """

    key: str
    role: str | None
    declared: bool
    external: bool
    tasks: tuple[str, ...]
    actors: tuple[PlanActor, ...]
    approver: m.Assignee | None = None  # the org-relative assignee the lane stands for

    @property
    def name(self) -> str:
        """Return what a reader asks for the lane by: the role, ``requester``, ``unassigned``."""
        return self.role if self.role is not None else self.key


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanBreach:
    """What happens when a deadline passes."""

    kind: BreachKind
    roles: tuple[str, ...]
    target: str | None
    target_kind: TargetKind | None
    breach: m.Breach


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanDeadline:
    """A time limit on a task (``scope`` is its name) or the case (``ANYWHERE``).

    ``calendar`` is the process calendar the limit counts working time in (None when
    the unit counts clock time or no calendar is named).
    """

    scope: str
    amount: object  # a Decimal
    unit: TimeUnit
    calendar: str | None
    reminders: tuple[m.Reminder, ...]
    breaches: tuple[PlanBreach, ...]
    sla: m.Sla

    @property
    def limit(self) -> m.Duration:
        """Return the limit as written."""
        return self.sla.duration


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanBlock:
    """Work that runs at once: started by ``split``, met again at ``join``.

    ``members`` are the tasks between the split and the join; a branch that routes
    outside them leaves the block.  ``index`` is the split route's place among the
    task's routes (None for a multi-choice, whose ``also when`` routes start it together).
    """

    split: str
    kind: BlockKind
    branches: tuple[str, ...]
    join: str | None
    members: frozenset[str]
    route: m.Route
    index: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The lowered process: routes, lanes, deadlines, blocks and the reading order."""

    order: tuple[m.Task, ...]
    routes: tuple[PlanRoute, ...]
    lanes: tuple[PlanLane, ...]
    deadlines: tuple[PlanDeadline, ...]
    blocks: tuple[PlanBlock, ...]
    home: Mapping[str, str]  # task -> the key of the lane it is drawn in (read-only)
    # Look-up tables over the fields above, made once so that emitters asking for each
    # task's routes or deadline stay linear in the size of the process.
    _from: Mapping[str, tuple[PlanRoute, ...]] = field(init=False, repr=False, compare=False)
    _lanes: Mapping[str, PlanLane] = field(init=False, repr=False, compare=False)
    _deadlines: Mapping[str, PlanDeadline] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        leaving: dict[str, list[PlanRoute]] = {}
        for r in self.routes:
            leaving.setdefault(r.source, []).append(r)
        lanes: dict[str, PlanLane] = {}
        for lane in self.lanes:
            lanes.setdefault(lane.key, lane)
        deadlines: dict[str, PlanDeadline] = {}
        for d in self.deadlines:
            deadlines.setdefault(d.scope, d)
        # the documented way to fill derived fields of a frozen dataclass
        object.__setattr__(self, "_from", {k: tuple(v) for k, v in leaving.items()})
        object.__setattr__(self, "_lanes", lanes)
        object.__setattr__(self, "_deadlines", deadlines)

    def routes_from(self, task: str) -> tuple[PlanRoute, ...]:
        """Return the routes leaving task, in plan order."""
        return self._from.get(task, ())

    def lane(self, key: str) -> PlanLane | None:
        """Return the lane with key, if any."""
        return self._lanes.get(key)

    def deadline(self, scope: str) -> PlanDeadline | None:
        """Return the deadline of a task (or of the case, ``ANYWHERE``), if any."""
        return self._deadlines.get(scope)

    def route_keys(self) -> list[tuple[str, str, str, str]]:
        """Return every route's key, in plan order."""
        return [r.key() for r in self.routes]

    def acting(self) -> set[tuple[str, str, str]]:
        """Return (lane key, task, how) for every role acting on a task."""
        return {(lane.key, a.task, a.how.value) for lane in self.lanes for a in lane.actors}


# ------------------------------------------------------------------ routes


def _way(route: m.Route) -> Way:
    if route.inclusive:
        return Way.ALSO
    if route.kind is RouteKind.OTHERWISE:
        return Way.OTHERWISE
    if route.condition is not None:
        return Way.WHEN
    return Way.THEN


def _task_routes(task: m.Task) -> Iterator[PlanRoute]:
    source = task.name.text
    inclusive = any(r.inclusive for r in task.routes)
    for index, route in enumerate(task.routes):
        way = _way(route)
        if way is Way.OTHERWISE and inclusive:
            way = Way.ALSO  # the otherwise branch of a multi-choice starts with the others
        for target in route.targets:
            yield PlanRoute(source=source, action=route.action, target=target.name.text,
                            target_kind=target.kind, kind=way, condition=route.condition,
                            split=route.split, cap=route.cap, index=index, route=route,
                            to=target)
        cap = route.cap
        if cap is not None and cap.then is not None:
            yield PlanRoute(source=source, action=route.action, target=cap.then.name.text,
                            target_kind=cap.then.kind, kind=Way.CAP,
                            condition=route.condition, cap=cap, index=index, route=route,
                            to=cap.then)
    if task.sla is not None:
        yield from _breach_routes(source, task.sla, escalate=True)


def _breach_routes(source: str, sla: m.Sla, escalate: bool) -> Iterator[PlanRoute]:
    for breach in sla.breaches:
        if breach.kind is BreachKind.GOTO and breach.target is not None:
            t = breach.target
            yield PlanRoute(source=source, action=TIMEOUT, target=t.name.text,
                            target_kind=t.kind, kind=Way.BREACH, to=t)
        elif breach.kind is BreachKind.ESCALATE and breach.roles and escalate:
            yield PlanRoute(source=source, action=TIMEOUT, target=source,
                            target_kind=TargetKind.STEP, kind=Way.ESCALATE,
                            roles=tuple(r.text for r in breach.roles))


def task_routes_of(task: m.Task) -> tuple[PlanRoute, ...]:
    """Return the routes that leave one task (written, cap, breach goto)."""
    return tuple(r for r in _task_routes(task) if r.kind is not Way.ESCALATE)


def task_routes(spec: m.Spec) -> tuple[PlanRoute, ...]:
    """Return the routes that leave tasks (written, cap, breach goto), in declaration
    order: the graph the checks search.  Total: unknown targets keep TargetKind.UNKNOWN."""
    return tuple(r for task in spec.tasks for r in _task_routes(task)
                 if r.kind is not Way.ESCALATE)


def _process_routes(spec: m.Spec) -> Iterator[PlanRoute]:
    p = spec.process
    w = p.withdraw
    for step in w.steps if w is not None else ():
        assert w is not None
        yield PlanRoute(source=step.text, action=WITHDRAW, target=w.target.name.text,
                        target_kind=w.target.kind, kind=Way.WITHDRAW, roles=(REQUESTER_LANE,),
                        to=w.target)
    for cancel in p.cancels:
        yield PlanRoute(source=ANYWHERE, action=CANCEL, target=cancel.target.name.text,
                        target_kind=cancel.target.kind, kind=Way.CANCEL,
                        roles=tuple(r.text for r in cancel.roles), to=cancel.target)
    if p.sla is not None:
        # A process-level escalation moves no task onto a route: it is a deadline (and
        # its roles get lanes), not a route.
        yield from _breach_routes(ANYWHERE, p.sla, escalate=False)


def _all_routes(spec: m.Spec) -> tuple[PlanRoute, ...]:
    """Return every route: the tasks' in declaration order, then the process's."""
    out = [r for task in spec.tasks for r in _task_routes(task)]
    out += _process_routes(spec)
    return tuple(out)


# ------------------------------------------------------------------ lanes


def rule_roles(spec: m.Spec, rule_name: str | None) -> tuple[str, ...]:
    """Return every role a rule's rows can name, in row order."""
    rule = spec.rule(rule_name) if rule_name else None
    found: dict[str, None] = {}
    for row in rule.rows if rule is not None else ():
        if row.result.kind is m.ResultKind.ROLES:
            found.update(dict.fromkeys(n.text for n in row.result.names))
    return tuple(found)


def _assignee_roles(spec: m.Spec, a: m.Assignee) -> tuple[tuple[str, Acting], ...]:
    """Return the roles of an assignee in order, the first one DOES, the others with why."""
    mode = a.mode
    if mode is m.AssigneeMode.REQUESTER:
        return ((REQUESTER_LANE, Acting.DOES),)
    if mode.org:
        return ((org_lane_key(a), Acting.DOES),)
    if mode is m.AssigneeMode.RULE:
        names = rule_roles(spec, a.rule.text if a.rule is not None else None)
        how = Acting.BY_RULE
    else:
        names = tuple(dict.fromkeys(r.text for r in a.roles))
        how = Acting.CO_APPROVES
    return tuple((f"role:{n}", Acting.DOES if i == 0 else how) for i, n in enumerate(names))


def org_lane_key(a: m.Assignee) -> str:
    """Return the lane key of an org-relative assignee: ``org:manager:2``,
    ``org:manager_chain:director`` (or ``:3`` levels), ``org:department_head``,
    ``org:field:NAME``."""
    mode = a.mode.value
    if a.mode is m.AssigneeMode.FIELD:
        return f"{ORG_LANE}{mode}:{a.field.text if a.field else ''}"
    if a.mode is m.AssigneeMode.DEPARTMENT_HEAD:
        return f"{ORG_LANE}{mode}"
    upto = a.roles[0].text if a.roles else str(a.level or 1)
    return f"{ORG_LANE}{mode}:{upto}"


def _task_actors(spec: m.Spec, task: m.Task) -> list[tuple[str, PlanActor]]:
    name = task.name.text
    out: list[tuple[str, PlanActor]] = []
    a = task.assignee
    pairs = _assignee_roles(spec, a) if a is not None else ()
    if not pairs:
        pairs = ((UNASSIGNED_LANE, Acting.DOES),)
    for i, (key, how) in enumerate(pairs):
        out.append((key, PlanActor(task=name, lane=key, how=how, index=i)))
    seen = {(key, actor.how) for key, actor in out}
    more = [(r.text, Acting.ALSO_APPROVES) for x in task.extra_approvers for r in x.roles]
    if task.on_empty is not None and task.on_empty.role is not None:
        more.append((task.on_empty.role.text, Acting.IF_EMPTY))
    for breach in task.sla.breaches if task.sla is not None else ():
        if breach.kind is BreachKind.ESCALATE:  # the runtime hands the task to the first
            more += [(r.text, Acting.TAKES_OVER) for r in breach.roles[:1]]
    for role, how in more:
        key = f"role:{role}"
        if (key, how) not in seen:
            seen.add((key, how))
            out.append((key, PlanActor(task=name, lane=key, how=how, index=len(out))))
    return out


def _lanes(spec: m.Spec, order: tuple[m.Task, ...]) -> tuple[tuple[PlanLane, ...], dict[str, str]]:
    actors: dict[str, list[PlanActor]] = {}
    home: dict[str, str] = {}
    homes: dict[str, list[str]] = {}
    for task in order:
        pairs = _task_actors(spec, task)
        for key, actor in pairs:
            actors.setdefault(key, []).append(actor)
        first = pairs[0][0]
        home.setdefault(task.name.text, first)
        homes.setdefault(first, []).append(task.name.text)
    p = spec.process
    for breach in p.sla.breaches if p.sla is not None else ():
        if breach.kind is BreachKind.ESCALATE:
            for r in breach.roles[:1]:
                key = f"role:{r.text}"
                actors.setdefault(key, []).append(
                    PlanActor(task=ANYWHERE, lane=key, how=Acting.TAKES_OVER))
    declared = [f"role:{r.name.text}" for r in spec.roles]
    keys = list(dict.fromkeys(k for k in declared if k in actors))
    keys += [k for k in actors if k.startswith("role:") and k not in keys]
    keys += [k for k in actors if k.startswith(ORG_LANE)]
    keys += [k for k in (REQUESTER_LANE, UNASSIGNED_LANE) if k in actors]
    approvers = {org_lane_key(t.assignee): t.assignee for t in order
                 if t.assignee is not None and t.assignee.mode.org}
    lanes = []
    for key in keys:
        name = key.removeprefix("role:") if key.startswith("role:") else None
        role = spec.role(name) if name is not None else None
        lanes.append(PlanLane(key=key, role=name, declared=role is not None,
                              external=bool(role is not None and role.external),
                              tasks=tuple(homes.get(key, ())), actors=tuple(actors[key]),
                              approver=approvers.get(key)))
    return tuple(lanes), home


# ------------------------------------------------------------------ deadlines


def _deadline(spec: m.Spec, scope: str, sla: m.Sla) -> PlanDeadline:
    unit = sla.duration.unit
    calendar = spec.process.calendar.text if spec.process.calendar and unit.working else None
    breaches = tuple(PlanBreach(kind=b.kind, roles=tuple(r.text for r in b.roles),
                                target=b.target.name.text if b.target else None,
                                target_kind=b.target.kind if b.target else None, breach=b)
                     for b in sla.breaches)
    return PlanDeadline(scope=scope, amount=sla.duration.amount, unit=unit, calendar=calendar,
                        reminders=sla.reminders, breaches=breaches, sla=sla)


def _deadlines(spec: m.Spec, order: tuple[m.Task, ...]) -> tuple[PlanDeadline, ...]:
    out = []
    if spec.process.sla is not None:
        out.append(_deadline(spec, ANYWHERE, spec.process.sla))
    out += [_deadline(spec, t.name.text, t.sla) for t in order if t.sla is not None]
    return tuple(out)


# ------------------------------------------------------------------ the flow graph
#
# The moves between tasks (``task_routes``) and the searches over them: what the checks
# use on a spec not yet checked (through ``procdsl.flow``), and what ``lower`` takes the
# reading order and the parallel blocks from.

# A move from a task to a task or an end (written route, cap route, SLA goto).
Transition = PlanRoute


_T = TypeVar("_T")


def per_spec(compute: Callable[[Spec], _T]) -> Callable[[Spec], _T]:
    """Remember compute's answer for the last spec asked about (answers must be immutable).

    Checks and emitters ask for the same (frozen) spec's transitions and reading order
    many times; keying the answer by the spec's identity through a weak reference (never
    its hash, which would walk the whole model) makes each later call O(1).  One tuple,
    read and replaced whole, so threads never see half an update.
    """
    box: list[tuple[weakref.ref[Spec], _T] | None] = [None]

    @functools.wraps(compute)
    def remembered(spec: Spec) -> _T:
        last = box[0]
        if last is not None and last[0]() is spec:
            return last[1]
        answer = compute(spec)
        box[0] = (weakref.ref(spec), answer)
        return answer

    return remembered


@per_spec
def transitions(spec: Spec) -> tuple[Transition, ...]:
    """Return every move between tasks and ends (``plan.task_routes``), in declaration order."""
    return task_routes(spec)


@per_spec
def successors(spec: Spec) -> Mapping[str, tuple[str, ...]]:
    """Return, for each task, the tasks and ends it can move to (deduplicated, in order).

    The answer is shared by every caller for the same spec: read it, never change it.
    """
    lists: dict[str, list[str]] = {t.name.text: [] for t in spec.tasks}
    if len(lists) == len(spec.tasks):  # names unique: the cached transitions, grouped
        for t in transitions(spec):
            outs = lists[t.source]
            if t.target not in outs:
                outs.append(t.target)
        return {name: tuple(outs) for name, outs in lists.items()}
    return _successors_task_by_task(spec)


def _successors_task_by_task(spec: Spec) -> dict[str, tuple[str, ...]]:
    """Return ``successors`` task by task (a repeated name keeps its last task's moves)."""
    result: dict[str, tuple[str, ...]] = {}
    for task in spec.tasks:
        seen: list[str] = []
        for t in task_routes_of(task):
            if t.target not in seen:
                seen.append(t.target)
        result[task.name.text] = tuple(seen)
    return result


@dataclass(frozen=True, slots=True)
class ParallelBlock:
    """Work that runs at once: started by ``split``, met again at ``join``.

    ``kind`` is ``parallel`` (then all of), ``interleaved`` (in any order) or ``inclusive``
    (also when: every branch whose condition holds).  ``members`` are the tasks between
    the split and the join; a branch that routes outside them leaves the block.
    """

    split: str
    kind: str
    branches: tuple[str, ...]
    join: str | None
    members: frozenset[str]
    route: Route


def _task_graph(spec: Spec) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {t.name.text: [] for t in spec.tasks}
    for t in transitions(spec):
        if t.target_kind is TargetKind.STEP and t.target in graph:
            graph[t.source].append(t.target)
    return graph


def _reach(graph: dict[str, list[str]], starts: Iterator[str] | tuple[str, ...],
           avoid: frozenset[str]) -> dict[str, int]:
    """Return BFS distances from starts, never entering ``avoid``."""
    dist: dict[str, int] = {}
    queue = [s for s in starts if s in graph and s not in avoid]
    for s in queue:
        dist.setdefault(s, 0)
    i = 0
    while i < len(queue):
        node = queue[i]
        i += 1
        for nxt in graph[node]:
            if nxt not in dist and nxt not in avoid:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist


def _splits(spec: Spec) -> Iterator[tuple[Task, str, tuple[str, ...], Route]]:
    for task in spec.tasks:
        inclusive = [r for r in task.routes if r.inclusive or
                     (r.kind is RouteKind.OTHERWISE and any(x.inclusive for x in task.routes))]
        if inclusive:
            names = tuple(dict.fromkeys(t.name.text for r in inclusive for t in r.targets
                                        if t.kind is TargetKind.STEP))
            yield task, "inclusive", names, inclusive[0]
        for route in task.routes:
            if not route.split.picks_one:
                names = tuple(t.name.text for t in route.targets if t.kind is TargetKind.STEP)
                yield task, route.split.value, names, route


@per_spec
def flow_order(spec: Spec) -> tuple[Task, ...]:
    """Return the tasks in the order a reader meets them: breadth-first from the start,
    then the ones no route reaches, in declaration order."""
    after = successors(spec)
    seen: dict[str, None] = {}  # ordered, with O(1) membership
    start = spec.start_task
    queue = deque([start.name.text] if start is not None else [])
    while queue:
        name = queue.popleft()
        if name in seen or spec.task(name) is None:
            continue
        seen[name] = None
        queue.extend(after.get(name, ()))
    order = [t for name in seen if (t := spec.task(name)) is not None]
    order += [t for t in spec.tasks if t.name.text not in seen]
    return tuple(order)


@per_spec
def parallel_blocks(spec: Spec) -> tuple[ParallelBlock, ...]:
    """Return every parallel, interleaved or multi-choice block with its join and members."""
    splits = list(_splits(spec))
    if not splits:
        return ()  # no graph to build: most specs have no parallel work
    graph = _task_graph(spec)
    reverse: dict[str, list[str]] = {n: [] for n in graph}
    for src, outs in graph.items():
        for dst in outs:
            reverse[dst].append(src)
    blocks = []
    for task, kind, branches, route in splits:
        split = task.name.text
        avoid = frozenset({split})
        reaches = [_reach(graph, (b,), avoid) for b in branches]
        common = set(reaches[0]) if reaches else set()
        for r in reaches[1:]:
            common &= set(r)
        joins = [n for n in common if (t := spec.task(n)) is not None and t.join is not None]
        join = min(joins, key=lambda n: (max(r[n] for r in reaches), n)) if joins else None
        if join is None:
            members = frozenset(n for r in reaches for n in r)
        else:
            forward = _reach(graph, branches, frozenset({split, join}))
            backward = _reach(reverse, (join,), avoid)
            members = frozenset(n for n in forward if n in backward and n != join)
        blocks.append(ParallelBlock(split, kind, branches, join, members, route))
    return tuple(blocks)


# ------------------------------------------------------------------ the plan


def lower(spec: m.Spec) -> Plan:
    """Return the plan of a checked spec (computed afresh; ``plan_of`` remembers it)."""
    order = flow_order(spec)
    blocks = []
    for b in parallel_blocks(spec):
        kind = BlockKind(b.kind)
        task = spec.task(b.split)
        index = None if kind is BlockKind.INCLUSIVE or task is None else next(
            i for i, r in enumerate(task.routes) if r is b.route)
        blocks.append(PlanBlock(split=b.split, kind=kind, branches=b.branches, join=b.join,
                                members=b.members, route=b.route, index=index))
    lanes, home = _lanes(spec, order)
    return Plan(order=order, routes=_all_routes(spec), lanes=lanes,
                deadlines=_deadlines(spec, order), blocks=tuple(blocks),
                home=MappingProxyType(home))


class _Plans:
    """Each live spec's plan, keyed by the spec's identity, dropped with the spec."""

    def __init__(self) -> None:
        self._plans: dict[int, tuple[weakref.ref[m.Spec], Plan]] = {}
        self._last: tuple[m.Spec, Plan] | None = None  # a spec that takes no weak reference

    def get(self, spec: m.Spec) -> Plan:
        key = id(spec)
        found = self._plans.get(key)
        if found is not None and found[0]() is spec:
            return found[1]
        last = self._last
        if last is not None and last[0] is spec:
            return last[1]
        made = lower(spec)

        def forget(ref: weakref.ref[m.Spec], key: int = key) -> None:
            self._forget(key, ref)

        try:
            ref = weakref.ref(spec, forget)
        except TypeError:
            self._last = (spec, made)
            return made
        self._plans[key] = (ref, made)
        return made

    def _forget(self, key: int, ref: weakref.ref[m.Spec]) -> None:
        found = self._plans.get(key)
        if found is not None and found[0] is ref:
            del self._plans[key]


_PLANS = _Plans()


def plan_of(spec: m.Spec) -> Plan:
    """Return the plan of a checked spec, lowered once for as long as the spec lives."""
    return _PLANS.get(spec)
