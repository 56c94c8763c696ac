"""The flow graph every emitter draws from: one transition per way a case can move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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


def transitions(spec: Spec) -> tuple[Transition, ...]:
    """Return every transition of the spec, in declaration order."""
    return tuple(t for task in spec.tasks for t in _task_transitions(task))


def successors(spec: Spec) -> dict[str, tuple[str, ...]]:
    """Return, for each task, the tasks and ends it can move to (deduplicated, in order)."""
    result: dict[str, tuple[str, ...]] = {}
    for task in spec.tasks:
        seen: list[str] = []
        for t in _task_transitions(task):
            if t.target not in seen:
                seen.append(t.target)
        result[task.name.text] = tuple(seen)
    return result
