"""``Workflow``: a process definition compiled once into dispatch tables."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from . import fastpath
from .calendar import WorkCalendar, require_aware
from .case import Case
from .errors import Refused
from .records import Actor
from .tables import APPROVAL, BlockDef, EndDef, FieldDef, Go, ProcessDef, RouteDef, RuleDef, TaskDef

D = TypeVar("D")
IndexedRoute = tuple[int, RouteDef]


class Workflow(Generic[D]):
    """A runnable process: start cases, load them back from JSON."""

    __slots__ = ("definition", "data_type", "tasks", "routes", "actions", "ends", "rules",
                 "blocks", "calendar", "fields", "attrs", "version", "direct", "alone", "plans",
                 "fast", "moves", "start_go", "approvals", "first", "watched")

    def __init__(self, definition: ProcessDef, data_type: type[D], *, fast: bool = True) -> None:
        """Compile definition; ``fast=False`` sends every action down the general path
        (an internal switch: the tests compare both paths)."""
        self.definition = definition
        self.data_type = data_type
        self.version = definition.version
        self.tasks: dict[str, TaskDef] = {t.name: t for t in definition.tasks}
        self.routes: dict[str, dict[str, tuple[IndexedRoute, ...]]] = {}
        self.actions: dict[str, tuple[str, ...]] = {}
        for task in definition.tasks:
            self._index_routes(task)
        self.ends: dict[str, EndDef] = {e.name: e for e in definition.ends}
        self.rules: dict[str, RuleDef] = {r.name: r for r in definition.rules}
        self.blocks: dict[str, BlockDef] = {b.key: b for b in definition.blocks}
        self.calendar = WorkCalendar(definition.calendar)
        self.fields: dict[str, FieldDef] = {f.name: f for f in definition.fields}
        self.attrs: dict[str, FieldDef] = {f.attr: f for f in definition.fields}
        if definition.start not in self.tasks:
            raise ValueError(f"start task {definition.start!r} is not a task")
        self.start_go = Go(definition.start)
        self.approvals = {t.name: t.kind == APPROVAL for t in definition.tasks}
        self.alone: dict[str, tuple[str, ...]] = {name: (name,) for name in self.tasks}
        # The steps some "not by whoever did S" names: the only ones whose doers a case
        # keeps (a snapshot finds the others in the history).
        self.watched = frozenset(e.step for t in definition.tasks for e in t.exclusions
                                 if e.step is not None)
        self.plans = fastpath.plans(self)
        self.direct = self._direct_moves() if fast else {}
        self.fast = fastpath.build(self) if fast else {}
        # The same moves by step, then action (two lookups by string beat one by a pair).
        self.moves: dict[str, dict[str, fastpath.Move]] = {}
        for (step, action), move in self.fast.items():
            self.moves.setdefault(step, {})[action] = move
        first = fastpath.Target(self, self.start_go)
        self.first = first if fast and first.inline else None

    def _direct_moves(self) -> dict[tuple[str, str], TaskDef]:
        """Return (task, action) -> next task for moves that need no routing decision:
        one unconditional, uncapped route to one plain task (no join, no for-each)."""
        direct: dict[tuple[str, str], TaskDef] = {}
        for name, by_action in self.routes.items():
            for action, routes in by_action.items():
                route = routes[0][1]
                if len(routes) != 1 or route.guard is not None or route.cap_times is not None:
                    continue
                target = route.targets[0] if len(route.targets) == 1 else None
                nxt = self.tasks.get(target.name) if target and not target.end else None
                if nxt is not None and nxt.join is None and nxt.for_each is None:
                    direct[(name, action)] = nxt
        return direct

    def _index_routes(self, task: TaskDef) -> None:
        by_action: dict[str, list[IndexedRoute]] = {}
        for index, route in enumerate(task.routes):
            by_action.setdefault(route.action, []).append((index, route))
        self.routes[task.name] = {a: tuple(rs) for a, rs in by_action.items()}
        self.actions[task.name] = tuple(by_action)

    @property
    def name(self) -> str:
        """Return the process name."""
        return self.definition.name

    def is_approval(self, task: str) -> bool:
        """Return True when the task is an approval."""
        return self.approvals[task]

    def start(self, actor: Actor, data: D | Mapping[str, Any] | None, now: dt.datetime) -> Case[D]:
        """Return a new case started by actor (the requester) at now."""
        when = require_aware(now)
        if data is None:
            value = self.data_type()
        elif isinstance(data, self.data_type):
            value = data
        elif isinstance(data, Mapping):
            value = self.merge(self.data_type(), data)
        else:
            raise Refused(f"data must be a {self.data_type.__name__} or a mapping")
        return Case.begin(self, actor, value, when)

    def merge(self, data: D, changes: Mapping[str, Any]) -> D:
        """Return data with changes (keyed by field name or attribute) applied, checked."""
        from .snapshot import check_value

        values = {}
        for key, value in changes.items():
            spec_field = self.fields.get(key) or self.attrs.get(key)
            if spec_field is None:
                raise Refused(f"no data field named {key!r}")
            values[spec_field.attr] = check_value(spec_field, value)
        return _replace(data, values)

    def from_json(self, text: str) -> Case[D]:
        """Return the case a ``Case.to_json()`` snapshot describes (same process version)."""
        from .snapshot import load_case

        return load_case(self, text)


def _replace(data: D, values: dict[str, Any]) -> D:
    fresh = copy.copy(data)
    for attr, value in values.items():
        setattr(fresh, attr, value)
    return fresh
