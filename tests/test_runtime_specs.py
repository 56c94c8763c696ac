"""Scenario tests that drive the generated machine of every spec in specs/.

Each spec gets: a happy path to a success end, a rejection, every rework cap hit, a role
refusal, a separation-of-duties refusal, and an SLA breach at a known time across a
weekend and a holiday.  Paths are found by seeded random walks biased toward the goal.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from procdsl.runtime import Actor, Allowed, Refused

from .test_runtime_helpers import ROOT_DIR, module_for_spec

SPECS = sorted((ROOT_DIR / "specs").glob("*.proc"))
NUMBERS = (0, 1, 3, 5, 10, 100, 999, 1000, 3000, 5000, 9999, 10000, 20000, 50000, 100000,
           200000, 500000, 1000000)
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
Score = Callable[[Any, Allowed, Actor], int]


def roles_of(wf: Any) -> list[str]:
    """Return every role the process's tasks, rules and controls name."""
    d = wf.definition
    found = {r for t in d.tasks if t.assignee for r in t.assignee.roles}
    found |= {r for t in d.tasks for x in t.extras for r in x.roles}
    found |= {r for rule in d.rules for _, roles in rule.rows for r in roles}
    found |= {r for t in d.tasks if t.sla for b in t.sla.breaches for r in b.roles}
    return sorted(found)


def actors_of(wf: Any) -> list[Actor]:
    """Return the requester, one actor holding every role, and two actors per role."""
    roles = roles_of(wf)
    return [Actor.of("req", *roles), Actor.of("omni", *roles),
            *[Actor.of(f"{r}#{n}", r) for r in roles for n in (1, 2)]]


def random_data(wf: Any, rng: random.Random) -> dict[str, Any]:
    """Return random valid values for the case fields."""
    def value(kind: str, f: Any) -> Any:
        if kind == "list":
            return [value(f.item or "text", f) for _ in range(rng.randint(1, 3))]
        if f.values:
            return rng.choice(f.values)
        return {"bool": lambda: rng.random() < 0.5, "int": lambda: rng.choice(NUMBERS),
                "decimal": lambda: Decimal(rng.choice(NUMBERS)),
                "money": lambda: Decimal(rng.choice(NUMBERS)),
                "date": lambda: dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 400)),
                "text": lambda: rng.choice(["a", "b"])}[kind]()
    return {f.name: value(f.kind, f) for f in wf.fields.values()}


def walk(wf: Any, seed: int, score: Score, now: dt.datetime,
         stop: Callable[[Any], bool], steps: int = 120) -> Any:
    """Return a case after a random walk that prefers high scores, stopping at stop."""
    rng = random.Random(seed)
    actors = actors_of(wf)
    case = wf.start(actors[0], random_data(wf, rng), now)
    for _ in range(steps):
        if case.done or stop(case):
            break
        options = [(a, p) for p in actors for a in case.allowed_actions(p) if a.step]
        if not options:
            break
        best = max(score(case, a, p) for a, p in options)
        if rng.random() < 0.85:
            options = [(a, p) for a, p in options if score(case, a, p) == best]
        allowed, actor = rng.choice(options)
        try:
            case.act(allowed.step, allowed.action, actor, now, item=allowed.item)
        except Refused:
            continue
    return case


def search(wf: Any, score: Score, stop: Callable[[Any], bool],
           now: dt.datetime = START) -> Any:
    """Return the first walked case meeting stop (or that ends where stop says), or None."""
    for seed in range(150):
        case = walk(wf, seed, score, now, stop)
        if stop(case):
            return case
    return None


def forward(case: Any, allowed: Allowed, actor: Actor) -> int:
    """Prefer approving and completing; avoid going back and cancelling."""
    return {"approve": 3, "complete": 3, "reject": 0, "return": 0}.get(allowed.action, 1)


def success(wf: Any) -> Callable[[Any], bool]:
    """Return a stop test: the case reached a success end."""
    return lambda case: case.done and wf.ends[case.outcome].success


@pytest.fixture(params=SPECS, ids=[p.stem for p in SPECS])
def wf(request: pytest.FixtureRequest) -> Any:
    return module_for_spec(request.param).WORKFLOW


def test_there_are_specs_to_drive() -> None:
    assert len(SPECS) >= 5


def test_happy_path_reaches_a_success_end(wf: Any) -> None:
    case = search(wf, forward, success(wf))
    assert case is not None, "no walk reached a success end"
    assert case.active == () and case.history[-1].after == ()


def test_rejection_reaches_a_failure_end(wf: Any) -> None:
    failing = {(t.name, r.action) for t in wf.definition.tasks for r in t.routes
               if any(g.end and not wf.ends[g.name].success
                      for g in (*r.targets, *([r.cap_then] if r.cap_then else [])))}
    assert failing, "every spec has a way to fail"

    def toward(case: Any, allowed: Allowed, actor: Actor) -> int:
        return 5 if (allowed.step, allowed.action) in failing else forward(case, allowed, actor)

    case = search(wf, toward, lambda c: c.done and not wf.ends[c.outcome].success)
    assert case is not None, "no walk reached a failure end"
    assert (case.history[-1].step, case.history[-1].action) in failing
    assert case.marking == ()


def test_every_rework_cap_is_hit(wf: Any) -> None:
    caps = [(t.name, i, r) for t in wf.definition.tasks for i, r in enumerate(t.routes)
            if r.cap_times is not None]
    for task, index, route in caps:
        key = f"{task}#{index}"

        def toward(case: Any, allowed: Allowed, actor: Actor, task: str = task,
                   route: Any = route) -> int:
            if (allowed.step, allowed.action) == (task, route.action):
                return 5
            return forward(case, allowed, actor)

        def hit(case: Any, key: str = key, route: Any = route, task: str = task) -> bool:
            if case.passes.get(key, 0) < route.cap_times or not case.history:
                return False
            if route.cap_then is None:
                return task in case.active
            last, then = case.history[-1], route.cap_then
            return (last.step, last.action) == (task, route.action) and (
                case.outcome == then.name if then.end else then.name in last.after)

        case = search(wf, toward, hit)
        assert case is not None, f"cap of {key} never hit"
        if route.cap_then is None:
            actor = next(a for a in actors_of(wf)[1:]
                         if any(x.step == task for x in case.allowed_actions(a)))
            with pytest.raises(Refused, match="at most|最多"):
                case.act(task, route.action, actor, START)


def test_an_actor_without_the_role_is_refused(wf: Any) -> None:
    def guarded(case: Any) -> list[Any]:
        return [i for i in case.items.values() if wf.tasks[i.task].assignee
                and wf.tasks[i.task].assignee.mode != "requester"]

    case = search(wf, forward, lambda c: bool(guarded(c)))
    assert case is not None, "no step with a role ever became active"
    item = guarded(case)[0]
    before = case.to_json()
    with pytest.raises(Refused, match="needs the role|需要角色"):
        case.act(item.task, wf.actions[item.task][0], Actor.of("stranger", "访客"), START,
                 item=item.id)
    assert case.to_json() == before


def _with_duties(path: Path) -> bool:
    return any(t.exclusions for t in module_for_spec(path).WORKFLOW.definition.tasks)


@pytest.mark.parametrize("path", [p for p in SPECS if _with_duties(p)],
                         ids=lambda p: p.stem)
def test_separation_of_duties_is_enforced(path: Path) -> None:
    wf = module_for_spec(path).WORKFLOW
    names = {t.name for t in wf.definition.tasks if t.exclusions}

    def barred(case: Any) -> bool:
        return any(i.task in names and _barred_actor(case, i) for i in case.items.values())

    def by_omni(case: Any, allowed: Allowed, actor: Actor) -> int:
        return forward(case, allowed, actor) * 2 + (actor.id == "omni")

    case = search(wf, by_omni, barred)
    assert case is not None, "never reached a barred step"
    item = next(i for i in case.items.values() if i.task in names and _barred_actor(case, i))
    actor = _barred_actor(case, item)
    assert actor is not None
    before = case.to_json()
    with pytest.raises(Refused, match="separation of duties|not by requester|不相容职务"):
        case.act(item.task, wf.actions[item.task][0], actor, START, item=item.id)
    assert case.to_json() == before


def _barred_actor(case: Any, item: Any) -> Actor | None:
    """Return an actor holding every role whom separation of duties bars from item."""
    actors = actors_of(case.workflow)
    for rule in case.workflow.tasks[item.task].exclusions:
        if rule.step is None:
            return actors[0]  # the requester
        if "omni" in case.doers.get(rule.step, ()):
            return actors[1]
    return None


def _working_sla_task(wf: Any) -> Any:
    return next((t for t in wf.definition.tasks if t.sla is not None
                 and t.sla.within.unit in ("work_hours", "workdays")), None)


def _with_working_sla(path: Path) -> bool:
    wf = module_for_spec(path).WORKFLOW
    table = wf.definition.calendar
    return (table is not None and _working_sla_task(wf) is not None and bool(table.holidays)
            and len(table.workdays) < 7)


class Minutes:
    """An independent, minute-by-minute reading of a calendar table (slow but obvious)."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.zone = ZoneInfo(table.timezone) if table.timezone else dt.UTC

    def working_day(self, day: dt.date) -> bool:
        if day.isoformat() in self.table.makeup_days:
            return True
        return day.isoweekday() in self.table.workdays and \
            day.isoformat() not in self.table.holidays

    def working(self, local: dt.datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return self.working_day(local.date()) and any(
            a <= minute < b for a, b in self.table.hours)

    def due(self, start: dt.datetime, minutes: int) -> dt.datetime:
        t = start.astimezone(self.zone)
        while minutes:
            if self.working(t):
                minutes -= 1
            t += dt.timedelta(minutes=1)
        return t

    def before_a_weekend_holiday(self) -> dt.datetime:
        """Return 1 h before the end of the working day before a holiday next to a weekend."""
        day = dt.date(2026, 1, 2)
        while day.year < 2028:
            run = []
            nxt = day + dt.timedelta(days=1)
            while not self.working_day(nxt):
                run.append(nxt)
                nxt += dt.timedelta(days=1)
            holiday = any(d.isoformat() in self.table.holidays for d in run)
            weekend = any(d.isoweekday() not in self.table.workdays for d in run)
            if self.working_day(day) and holiday and weekend:
                end = max(b for _, b in self.table.hours) - 60
                return dt.datetime.combine(day, dt.time(end // 60, end % 60), self.zone)
            day = nxt
        raise AssertionError("no holiday next to a weekend in 2026-2027")


@pytest.mark.parametrize("path", [p for p in SPECS if _with_working_sla(p)],
                         ids=lambda p: p.stem)
def test_sla_breach_at_a_known_time_across_a_weekend_and_a_holiday(path: Path) -> None:
    wf = module_for_spec(path).WORKFLOW
    task = _working_sla_task(wf)
    minutes = Minutes(wf.definition.calendar)
    start = minutes.before_a_weekend_holiday()
    case = search(wf, forward, lambda c: task.name in c.active, now=start)
    assert case is not None, f"never reached {task.name}"
    item = next(i for i in case.items.values() if i.task == task.name)
    daily = sum(b - a for a, b in wf.definition.calendar.hours)
    amount = task.sla.within.amount * (60 if task.sla.within.unit == "work_hours" else daily)
    expected = minutes.due(start, int(amount))
    assert item.due == expected
    assert (expected - start) > dt.timedelta(days=3), "the deadline spans the long weekend"
    early = case.tick(expected - dt.timedelta(minutes=1))
    assert not [e for e in early if e.kind == "breach" and e.step == task.name]
    assert item.id in case.items, "reminders leave the item where it is"
    events = case.tick(expected)
    assert [e.at for e in events if e.kind == "breach" and e.step == task.name] == [expected]
