"""The runtime's fast path does exactly what the general path does.

A Hypothesis state machine drives the same random actions (acts with and without data
changes, on chosen work items or not, withdraw, cancel, clock ticks, snapshot reloads)
through two cases of every runtime fixture, every spec under ``specs/`` and the
benchmark specs: one on the generated workflow (fast path on) and one on a workflow
built from the same tables with ``fast=False``.  After every step the outcome (the
events, or the refusal and its message), marking, history, data, outcome and JSON must
be equal.  Other tests check that the fast path is really taken and what it shares.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from procdsl.runtime import Actor, CalendarDef, Case, Refused, Span, WorkCalendar, Workflow, fastpath
from procdsl.runtime.calendar import require_aware
from procdsl.runtime.snapshot import history_doers

from .test_runtime_helpers import ROOT_DIR, RUNTIME_SPECS, module_for_spec, workflow
from .test_runtime_stateful import actors_of, values

START = dt.datetime(2026, 9, 28, 9, 0, tzinfo=dt.UTC)
BENCH_SPECS = ("chain20", "fork4", "sla20")
SOURCES = [*RUNTIME_SPECS, *(p.name for p in sorted((ROOT_DIR / "specs").glob("*.proc"))),
           *(f"bench/{name}" for name in BENCH_SPECS)]
ZONES = (dt.UTC, ZoneInfo("Asia/Shanghai"), dt.timezone(dt.timedelta(hours=-5)))


def load(source: str) -> Any:
    """Return the (fast) workflow of a fixture, a file under specs/ or a benchmark spec."""
    if source.startswith("bench/"):
        return module_for_spec(ROOT_DIR / "bench" / "specs" / f"{source[6:]}.proc").WORKFLOW
    if source.endswith(".proc"):
        return module_for_spec(ROOT_DIR / "specs" / source).WORKFLOW
    return workflow(source)


def general(wf: Workflow[Any]) -> Workflow[Any]:
    """Return a workflow of the same tables with the fast path forced off, whose cases
    keep who did every step (not only the steps an exclusion names): their snapshots
    show that table, the fast cases' what the history says."""
    slow = Workflow(wf.definition, wf.data_type, fast=False)
    slow.watched = frozenset(slow.tasks)
    return slow


def outcome_of(do: Any) -> tuple[str, Any]:
    """Return ("ok", events) or ("refused"/"invalid", message) of calling do."""
    try:
        return "ok", do()
    except Refused as refused:
        return "refused", str(refused)
    except ValueError as error:
        return "invalid", str(error)


class TwinMachine(RuleBasedStateMachine):
    """The same random actions on a fast-path case and a general-path case."""

    def __init__(self) -> None:
        super().__init__()
        self.fast: Any = None
        self.slow: Any = None
        self.cases: list[Case[Any]] = []
        self.actors: list[Actor] = []
        self.now = START

    @initialize(name=st.sampled_from(SOURCES), data=st.data())
    def start(self, name: str, data: st.DataObject) -> None:
        self.fast = load(name)
        self.slow = general(self.fast)
        assert not self.slow.fast and not self.slow.direct
        roles = sorted({r for a in actors_of(self.fast) for r in a.roles})
        # The requester again, holding every role: "not by requester" is tried everywhere.
        self.actors = [*actors_of(self.fast), Actor.of("requester", *roles)]
        self._begin(data)

    def _begin(self, data: st.DataObject) -> None:
        initial = {f.name: data.draw(values(f)) for f in self.fast.fields.values()}
        when = self._when(data)
        self.cases = [wf.start(self.actors[0], initial, when) for wf in (self.fast, self.slow)]
        self._same([self.cases[0].take_events(), self.cases[1].take_events()])

    def _when(self, data: st.DataObject) -> dt.datetime:
        return self.now.astimezone(data.draw(st.sampled_from(ZONES)))

    def _both(self, do: Any) -> None:
        self._same([outcome_of(lambda c=c: do(c)) for c in self.cases])

    def _same(self, results: list[Any]) -> None:
        fast, slow = self.cases
        assert results[0] == results[1]
        assert fast.marking == slow.marking
        assert fast.history == slow.history == list(slow.history)  # kept and read alike
        assert fast.data == slow.data
        assert fast.outcome == slow.outcome
        assert fast.to_json() == slow.to_json()
        assert history_doers(slow.history) == {s: list(a) for s, a in slow.doers.items()}
        assert set(fast.doers) <= self.fast.watched

    @rule(data=st.data(), minutes=st.integers(0, 600))
    def act(self, data: st.DataObject, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)
        if self.cases[0].done and data.draw(st.integers(0, 3)) > 0:
            self._begin(data)  # mostly a new pair of cases: more moves per example
            return
        options = [(actor, a) for actor in self.actors
                   for a in self.cases[0].allowed_actions(actor) if a.step is not None]
        item = None
        if options and data.draw(st.integers(0, 7)) > 0:
            actor, choice = data.draw(st.sampled_from(options))
            step, action = choice.step, choice.action
            if data.draw(st.integers(0, 7)) == 0:
                actor = self.actors[-1]  # the requester: "not by requester" must refuse
            if data.draw(st.booleans()):
                action = self.fast.actions[step][0]  # mostly the way forward: longer runs
            if data.draw(st.integers(0, 4)) == 0:
                item = choice.item
        else:
            actor = data.draw(st.sampled_from(self.actors))
            active = sorted(set(self.cases[0].marking))
            everywhere = not active or data.draw(st.booleans())
            tasks = sorted(self.fast.tasks) if everywhere else active
            step = data.draw(st.sampled_from(tasks))
            action = data.draw(st.sampled_from([*self.fast.actions[step], "bogus"]))
        change = None
        if self.fast.fields and data.draw(st.integers(0, 3)) == 0:
            spec_field = data.draw(st.sampled_from(sorted(self.fast.fields.values(),
                                                          key=lambda f: f.name)))
            change = {spec_field.name: data.draw(values(spec_field))}
        when = self._when(data)
        self._both(lambda c: c.act(step, action, actor, when, change, item=item))

    @rule(data=st.data())
    def other(self, data: st.DataObject) -> None:
        """Withdraw or cancel (rarely: they end the case), tick the clock, or reload."""
        what = data.draw(st.sampled_from(["process", "tick", "tick", "reload", "reload"]))
        if what == "process":
            if data.draw(st.integers(0, 2)) > 0:
                return
            actor = data.draw(st.sampled_from(self.actors))
            kind = data.draw(st.sampled_from(["withdraw", "cancel"]))
            when = self._when(data)
            self._both(lambda c: getattr(c, kind)(actor, when))
        elif what == "tick":
            self.now += dt.timedelta(hours=data.draw(st.integers(1, 96)))
            when = self._when(data)
            self._both(lambda c: c.tick(when))
        else:
            self.cases = [wf.from_json(c.to_json())
                          for wf, c in zip((self.fast, self.slow), self.cases, strict=True)]
            self._same([None, None])

    @invariant()
    def naive_time_is_refused_alike(self) -> None:
        if self.cases:
            naive = self.now.replace(tzinfo=None)
            step = next(iter(self.cases[0].marking), self.fast.definition.start)
            self._both(lambda c: c.act(step, self.fast.actions[step][0], self.actors[1], naive))


TwinMachine.TestCase.settings = settings(
    max_examples=250, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_fast_path_matches_general_path = TwinMachine.TestCase


def _chain() -> Any:
    return load("bench/chain20")


def _approver(i: int) -> Actor:
    return Actor(f"user-{i}", frozenset({f"r{i}"}))


def test_fast_path_is_taken_for_a_sequential_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    wf = _chain()
    assert {step for step, _ in wf.fast} == {f"s{i}" for i in range(1, 21)}
    case = wf.start(Actor.of("requester", "clerk"), {"amount": Decimal(5)}, START)

    def general_path(*args: Any) -> None:
        raise AssertionError(f"took the general path: {args[:2]}")

    monkeypatch.setattr(Case, "_act", general_path)
    for i in range(1, 20):
        assert case.act(f"s{i}", "approve", _approver(i), START) == ()
        if i == 10:  # a reloaded case goes fast too (its item shares the plan again)
            case = wf.from_json(case.to_json())
    assert case.marking == ("s20",)
    assert case.doers == {}  # no step of the chain is named by "not by whoever did"
    with pytest.raises(AssertionError, match="general path"):
        case.act("s20", "approve", Actor.of("requester", "r20"), START)  # barred: asks it


def test_a_held_work_item_is_never_remade_in_place() -> None:
    case = _chain().start(Actor.of("requester", "clerk"), {"amount": Decimal(5)}, START)
    held = next(iter(case.items.values()))
    case.act("s1", "approve", _approver(1), START)
    assert (held.id, held.task) == (1, "s1")
    assert all(item is not held for item in case.items.values())
    assert [(i.id, i.task) for i in case.items.values()] == [(2, "s2")]


@pytest.mark.skipif(not fastpath._RECYCLE, reason="no counted references on this Python")
def test_a_work_item_nobody_holds_is_remade_in_place() -> None:
    case = _chain().start(Actor.of("requester", "clerk"), {"amount": Decimal(5)}, START)
    first = id(next(iter(case.items.values())))  # the item itself is not held
    case.act("s1", "approve", _approver(1), START)
    item = next(iter(case.items.values()))
    assert id(item) == first and (item.id, item.task, item.stages) == (2, "s2", (("r2",),))


def test_fast_path_refusals_come_from_the_general_path() -> None:
    case = _chain().start(Actor.of("requester", "clerk"), {"amount": Decimal(5)}, START)
    before = case.to_json()
    for actor, message in ((Actor.of("requester", "r1"), "not by requester"),
                           (_approver(2), "needs the role r1")):
        with pytest.raises(Refused, match=message):
            case.act("s1", "approve", actor, START)
    with pytest.raises(Refused, match="no action 'complete'"):
        case.act("s1", "complete", _approver(1), START)
    assert case.to_json() == before


def test_guard_failure_and_data_change_take_the_same_routes() -> None:
    fast = _chain()
    for wf in (fast, general(fast)):
        case = wf.start(Actor.of("requester", "clerk"), {"amount": Decimal(5)}, START)
        case.act("s1", "approve", _approver(1), START, {"amount": Decimal(0)})
        assert case.outcome == "rejected"
        assert [r.after for r in case.history] == [("s1",), ()]


def test_markings_and_plans_are_shared_not_copied() -> None:
    wf = _chain()
    case = wf.start(Actor.of("requester", "clerk"), {"amount": Decimal(5)}, START)
    case.act("s1", "approve", _approver(1), START)
    record = case.history[-1]
    assert record.before is wf.alone["s1"] and record.after is wf.alone["s2"]
    item = next(iter(case.items.values()))
    assert item.stages is wf.plans["s2"][0] and item.stages == (("r2",),)
    loaded = wf.from_json(case.to_json())
    assert next(iter(loaded.items.values())).stages is wf.plans["s2"][0]
    assert loaded.to_json() == case.to_json()


def test_utc_conversion_is_remembered_by_value() -> None:
    shanghai = dt.datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    fixed = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert require_aware(shanghai) == require_aware(fixed) == dt.datetime(
        2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    assert require_aware(fixed).tzinfo is dt.UTC
    with pytest.raises(ValueError, match="aware"):
        require_aware(dt.datetime(2026, 3, 2, 9, 30))


def test_an_edited_snapshot_plan_is_honoured_by_both_paths() -> None:
    fast = _chain()
    case = fast.start(Actor.of("requester", "clerk"), {"amount": Decimal(5)}, START)
    doc = json.loads(case.to_json())
    doc["items"][0]["stages"], doc["items"][0]["needs"] = [["r1"], ["r2"]], [1, 1]
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    twins = [wf.from_json(text) for wf in (fast, general(fast))]
    for twin in twins:
        assert twin.act("s1", "approve", _approver(1), START) == ()
        assert twin.marking == ("s1",)
    assert twins[0].to_json() == twins[1].to_json()
    assert json.loads(twins[0].to_json())["items"][0]["stage"] == 1


_OFFICE = CalendarDef(workdays=(1, 2, 3, 4, 5), hours=((9 * 60, 12 * 60), (13 * 60, 18 * 60)),
                      holidays=("2026-10-01", "2026-10-02", "2026-10-05"),
                      makeup_days=("2026-10-10",), timezone="Asia/Shanghai")


def _walk(calendar: WorkCalendar, when: dt.datetime, left: dt.timedelta) -> dt.datetime:
    """Return when plus left of working time, interval by interval (no whole-day skips)."""
    day = when.astimezone(ZoneInfo("Asia/Shanghai")).date()
    while True:
        for a, b in calendar._intervals(day):
            a = max(a, when)
            if b > a and left <= b - a:
                return a + left
            left -= max(b - a, dt.timedelta(0))
        day += dt.timedelta(days=1)


@given(minutes=st.integers(0, 60 * 24 * 40), amount=st.integers(1, 400),
       unit=st.sampled_from(["work_hours", "workdays"]))
@settings(max_examples=200, deadline=None)
def test_working_time_skips_whole_days_exactly(minutes: int, amount: int, unit: str) -> None:
    calendar = WorkCalendar(_OFFICE)
    start = dt.datetime(2026, 9, 25, 0, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    span = Span(Decimal(amount) / 4, unit)
    left = dt.timedelta(seconds=int(calendar.seconds(span)))
    assert calendar.add(start, span) == _walk(calendar, start, left)
    assert calendar.add(start, span) == calendar.add(start, Span(Decimal(amount) / 4, unit))


@pytest.mark.parametrize("source", SOURCES)
def test_a_reloaded_item_holds_the_plan_the_fast_path_expects(source: str) -> None:
    wf = load(source)
    case = wf.start(actors_of(wf)[0], None, START)
    for twin in (case, wf.from_json(case.to_json())):
        for item in twin.items.values():
            for (step, _), move in wf.fast.items():
                if step == item.task and item.stage == 0 and not item.votes:
                    assert item.stages is move.stages  # the identity act checks
