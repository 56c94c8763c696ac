"""A process definition compiled once into the lookup tables every action reads.

``CompiledProcess`` holds, per task, what never changes while cases run: its moves by
action (the routes with their targets resolved, whether the action is an approve vote),
who may act on it (the approval stages of approvers that never depend on the data, a
step's roles, the separation of duties that applies), the marking of a case whose one
work item it is, and whether some "not by whoever did" names it.  ``Workflow`` adds
starting and loading cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from .calendar import WorkCalendar
from .fields import merge
from .tables import (
    APPROVAL,
    APPROVE,
    CHOICE,
    INTERLEAVED,
    Approvers,
    BlockDef,
    EndDef,
    FieldDef,
    Go,
    Guard,
    ProcessDef,
    RouteDef,
    RuleDef,
    TaskDef,
    block_key,
)

D = TypeVar("D")

REQUESTER, NOBODY = "@requester", "@nobody"  # stage role markers no spec name can spell
MARKERS = frozenset({REQUESTER, NOBODY})
# Further stage entries (all start with "@", as no spec name can): "@user:ID" one person
# (``directory.USER``), "@pick:R" the requester has yet to pick among holders of R,
# "@auto:approve" / "@auto:reject" the case decides it at once (no approver found).
PICK, AUTO_APPROVE, AUTO_REJECT = "@pick:", "@auto:approve", "@auto:reject"
# Modes whose approvers the directory (or the requester) names when the item starts.
PEOPLE_MODES = frozenset({"manager", "manager_chain", "department_head", "field", "pick"})
EACH_ROLE = 0  # a stage's need: one decision per listed role (会签)

Stages = tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]


def base_stages(who: Approvers | None,
                chain: tuple[str, ...] = ()) -> tuple[list[list[str]], list[int]]:
    """Return an approval's stages (roles) and what each needs; ``chain`` is the approver
    chain a rule chose (for ``by rule``)."""
    if who is None:
        return [[]], [1]
    mode = who.mode
    if mode == "all":
        return [list(who.roles)], [EACH_ROLE]
    if mode == "sequence":
        return [[r] for r in who.roles], [1] * len(who.roles)
    if mode == "count":
        return [list(who.roles)], [who.count or 1]
    if mode == "requester":
        return [[REQUESTER]], [1]
    if mode == "rule":
        if not chain:
            return [[NOBODY]], [1]
        return [[r] for r in chain], [1] * len(chain)
    return [list(who.roles)], [1]


def votes_left(stages: Sequence[Sequence[str]], needs: Sequence[int], stage: int,
               votes: Sequence[object]) -> int:
    """Return how many approve votes an approval at stage (with votes cast there) still
    takes to decide: each stage takes its need (one per role for ``EACH_ROLE``), at least
    one; the vote that completes the last stage decides."""
    def takes(n: int) -> int:
        need = needs[n] if needs[n] != EACH_ROLE else len(stages[n])
        return max(need, 1)

    here = max(takes(stage) - len(votes), 1)
    return here + sum(takes(n) for n in range(stage + 1, len(stages)))


def static_stages(task: TaskDef) -> Stages | None:
    """Return the stages of an approval that never depend on the case data (None: they do)."""
    if task.extras or (task.assignee is not None and (
            task.assignee.mode == "rule" or task.assignee.mode in PEOPLE_MODES)):
        return None
    stages, needs = base_stages(task.assignee)
    return tuple(tuple(s) for s in stages), tuple(needs)


class TaskPlan:
    """What an action needs to know about one task, worked out once."""

    __slots__ = ("name", "task", "approval", "alone", "stages", "needs", "votes_left", "roles",
                 "by_requester", "by_rule", "moves", "watched", "join", "for_each", "plain", "sla",
                 "notify_enter", "notify_leave", "duties", "not_requester", "not_after",
                 "people", "allows", "dedupe", "on_empty", "to_returner")

    def __init__(self, task: TaskDef, watched: bool) -> None:
        self.name = task.name
        self.task = task
        self.approval = task.kind == APPROVAL
        self.alone = (task.name,)  # the marking while this is the case's one work item
        fixed = static_stages(task) if self.approval else ((), ())
        # Shared by every fresh work item of the task; None when the data decides them.
        self.stages: tuple[tuple[str, ...], ...] | None = fixed[0] if fixed else None
        self.needs: tuple[int, ...] = fixed[1] if fixed else ()  # read only with stages
        self.votes_left = (votes_left(fixed[0], fixed[1], 0, ())
                           if self.approval and fixed else 1)
        # Who may act on a step (an approval's work items carry their stages instead):
        # holders of one of ``roles`` (none: anyone), the requester, or whom a rule names.
        who = None if self.approval else task.assignee
        self.by_requester = who is not None and who.mode == "requester"
        self.by_rule = who.rule or "" if who is not None and who.mode == "rule" else None
        self.roles: tuple[str, ...] = (
            who.roles if who is not None and not self.by_requester and self.by_rule is None
            else ())
        self.moves: dict[str, Move] = {}  # by action, filled in by CompiledProcess
        self.watched = watched  # some "not by whoever did" names it: the case keeps its doers
        self.join = task.join
        self.for_each = task.for_each
        self.plain = task.join is None and task.for_each is None  # entering it makes one item
        self.sla = task.sla
        self.notify_enter = task.notify_enter
        self.notify_leave = task.notify_leave
        self.not_requester = any(e.step is None for e in task.exclusions)
        self.not_after = tuple(e.step for e in task.exclusions if e.step is not None)
        self.duties = bool(task.exclusions)  # some separation of duties applies
        # Org-relative approvers (the directory names people), and what the spec lets
        # approvers do at run time: permission -> roles a person brought in must hold.
        self.people = task.assignee is not None and task.assignee.mode in PEOPLE_MODES
        self.allows: dict[str, tuple[str, ...]] = {}
        for allow in task.allows:
            for permission in allow.permissions:
                self.allows[permission] = (*self.allows.get(permission, ()), *allow.roles)
        self.dedupe = task.dedupe
        self.on_empty = task.on_empty
        self.to_returner = task.to_returner


class Target:
    """Where a route goes: a task (its plan) or an end."""

    __slots__ = ("name", "end", "success", "plan")

    def __init__(self, go: Go, plan: TaskPlan | None, end: EndDef | None) -> None:
        self.name = go.name
        self.end = go.end
        self.success = end is not None and end.success
        self.plan: TaskPlan = plan  # type: ignore[assignment]  # None only for ends


Way = tuple[tuple[Target, ...], tuple[str, ...], str]  # targets, capped routes passed, block


class Route:
    """One route of a task on one action, its targets resolved."""

    __slots__ = ("index", "guard", "otherwise", "inclusive", "cap_times", "cap_then",
                 "targets", "passed", "way", "final", "choice", "rule")

    def __init__(self, task: str, index: int, route: RouteDef,
                 targets: Mapping[Go, Target]) -> None:
        self.index = index
        self.guard: Guard | None = route.guard
        self.otherwise = route.otherwise
        self.inclusive = route.inclusive
        self.cap_times = route.cap_times
        self.cap_then = targets[route.cap_then] if route.cap_then is not None else None
        self.targets = tuple(targets[go] for go in route.targets)
        self.passed = f"{task}#{index}"  # the key of its passes, when capped
        # ``return -> choice of A, B``: the actor names one of the targets (``act(target=)``).
        self.choice = route.split == CHOICE
        # ``then by rule R``: the rule's first row that holds names the one target.
        self.rule = route.rule
        key = (block_key(task, None if route.inclusive else index)
               if len(self.targets) > 1 and not self.choice and self.rule is None else "")
        self.way: Way = (self.targets, (), key)  # where it goes when taken alone, uncapped
        # Taken, it is the whole choice: no ``also when`` routes join it, no cap applies.
        self.final = (not route.inclusive and route.cap_times is None and not self.choice
                      and self.rule is None)


class Move:
    """One action on one task: the task's plan and the routes of that action, in order."""

    __slots__ = ("plan", "action", "routes", "votes")

    def __init__(self, plan: TaskPlan, action: str, routes: tuple[Route, ...]) -> None:
        self.plan = plan
        self.action = action
        self.routes = routes
        # An approval's approve is a vote: it decides only once it completes the last stage.
        self.votes = plan.approval and action == APPROVE


class CompiledProcess(Generic[D]):
    """A process definition and its tables (see the module docstring)."""

    __slots__ = ("definition", "data_type", "version", "tasks", "actions", "ends", "rules",
                 "blocks", "calendar", "fields", "attrs", "watched", "plans", "targets",
                 "start_target", "directory", "lang", "checked_fields", "interleaved")

    def __init__(self, definition: ProcessDef, data_type: type[D]) -> None:
        self.definition = definition
        self.data_type = data_type
        self.lang = definition.lang  # what refusals and event descriptions are worded in
        # The directory cases use unless they are given one (``Workflow.start``).
        self.directory: Any = None
        self.version = definition.version
        self.tasks: dict[str, TaskDef] = {t.name: t for t in definition.tasks}
        if definition.start not in self.tasks:
            raise ValueError(f"start task {definition.start!r} is not a task")
        self.ends: dict[str, EndDef] = {e.name: e for e in definition.ends}
        self.rules: dict[str, RuleDef] = {r.name: r for r in definition.rules}
        self.blocks: dict[str, BlockDef] = {b.key: b for b in definition.blocks}
        # The keys of the blocks ``in any order`` starts: their tasks run one at a time.
        self.interleaved = frozenset(block_key(t.name, n) for t in definition.tasks
                                     for n, r in enumerate(t.routes) if r.split == INTERLEAVED)
        self.calendar = WorkCalendar(definition.calendar)
        self.fields: dict[str, FieldDef] = {f.name: f for f in definition.fields}
        self.attrs: dict[str, FieldDef] = {f.attr: f for f in definition.fields}
        # The fields a case's starting data is checked against: required or ranged.
        self.checked_fields = tuple(f for f in definition.fields if f.required
                                    or f.low is not None or f.high is not None)
        # The steps some "not by whoever did S" names: the only ones whose doers a case
        # keeps (a snapshot finds the others in the history).
        self.watched = frozenset(e.step for t in definition.tasks for e in t.exclusions
                                 if e.step is not None)
        self.plans: dict[str, TaskPlan] = {
            t.name: TaskPlan(t, t.name in self.watched) for t in definition.tasks}
        self.targets: dict[Go, Target] = {}
        for task in definition.tasks:
            for route in task.routes:
                for go in (*route.targets, *([route.cap_then] if route.cap_then else [])):
                    self._target(go)
        self.start_target = self._target(Go(definition.start))
        for extra in (definition.withdraw, *definition.cancels):
            if extra is not None:
                self._target(extra.target)
        for breach in (definition.sla.breaches if definition.sla else ()):
            if breach.target is not None:
                self._target(breach.target)
        for task in definition.tasks:
            for breach in (task.sla.breaches if task.sla else ()):
                if breach.target is not None:
                    self._target(breach.target)
        self.actions: dict[str, tuple[str, ...]] = {}
        for task in definition.tasks:
            by_action: dict[str, list[Route]] = {}
            for index, route in enumerate(task.routes):
                by_action.setdefault(route.action, []).append(
                    Route(task.name, index, route, self.targets))
            self.actions[task.name] = tuple(by_action)
            plan = self.plans[task.name]
            for action, routes in by_action.items():
                plan.moves[action] = Move(plan, action, tuple(routes))

    def _target(self, go: Go) -> Target:
        found = self.targets.get(go)
        if found is None:
            if go.end and go.name not in self.ends:
                raise ValueError(f"route to {go.name!r}, which is not an end")
            if not go.end and go.name not in self.tasks:
                raise ValueError(f"route to {go.name!r}, which is not a task")
            found = self.targets[go] = Target(go, self.plans.get(go.name) if not go.end else None,
                                              self.ends.get(go.name) if go.end else None)
        return found

    @property
    def name(self) -> str:
        """Return the process name."""
        return self.definition.name

    def is_approval(self, task: str) -> bool:
        """Return True when the task is an approval."""
        return self.plans[task].approval

    def merge(self, data: D, changes: Mapping[str, Any]) -> D:
        """Return data with changes (keyed by field name or attribute) applied, checked."""
        return merge(data, changes, self.fields, self.attrs, self.lang)
