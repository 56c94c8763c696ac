"""The flow graph every emitter draws from: one transition per way a case can move."""

from __future__ import annotations

import functools
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .model import Cap, Expr, Route, RouteKind, Spec, Split, Target, TargetKind, Task


@dataclass(frozen=True, slots=True)
class Transition:
    """A move from ``source`` to ``target``.

    ``via`` is ``route`` for a route written in the spec, ``cap`` for where a capped
    route goes once its cap is hit, and ``breach`` for an SLA ``goto``.
    """

    source: str
    action: str
    target: str
    target_kind: TargetKind
    kind: RouteKind | None
    condition: Expr | None
    split: Split
    cap: Cap | None
    via: str
    route: Route | None

    def key(self) -> tuple[str, str, str, str]:
        """Return (source, action, target, via): what the agreement tests compare."""
        return (self.source, self.action, self.target, self.via)


def _task_transitions(task: Task) -> Iterator[Transition]:
    source = task.name.text
    for route in task.routes:
        for target in route.targets:
            yield Transition(source, route.action, target.name.text, target.kind, route.kind,
                             route.condition, route.split, route.cap, "route", route)
        if route.cap is not None and route.cap.then is not None:
            t: Target = route.cap.then
            yield Transition(source, route.action, t.name.text, t.kind, route.kind,
                             route.condition, Split.ONE, route.cap, "cap", route)
    if task.sla is not None:
        for breach in task.sla.breaches:
            if breach.target is not None:
                t = breach.target
                yield Transition(source, "timeout", t.name.text, t.kind, None, None,
                                 Split.ONE, None, "breach", None)


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
    """Return every transition of the spec, in declaration order."""
    return tuple(t for task in spec.tasks for t in _task_transitions(task))


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
        for t in _task_transitions(task):
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
            if route.split is not Split.ONE:
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
