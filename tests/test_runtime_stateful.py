"""A Hypothesis state machine driving random actions on random cases of every fixture."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from procdsl.runtime import Actor, FieldDef, Refused
from procdsl.runtime.compiled import votes_left

from .test_runtime_helpers import ROOT_DIR, RUNTIME_SPECS, module_for_spec, workflow

START = dt.datetime(2026, 9, 28, 9, 0, tzinfo=dt.UTC)
# Actions keep their time as given: every zone must give the same case.
ZONES = (dt.UTC, ZoneInfo("Asia/Shanghai"), dt.timezone(dt.timedelta(hours=-5)))
SOURCES = [*RUNTIME_SPECS, *(p.name for p in sorted((ROOT_DIR / "specs").glob("*.proc")))]


def load(source: str) -> Any:
    """Return the workflow of a fixture name or of a file name under specs/."""
    if source.endswith(".proc"):
        return module_for_spec(ROOT_DIR / "specs" / source).WORKFLOW
    return workflow(source)


def values(spec_field: FieldDef, kind: str | None = None) -> st.SearchStrategy[Any]:
    """Return a strategy for valid values of a field."""
    kind = kind or spec_field.kind
    if kind == "list":
        return st.lists(values(spec_field, spec_field.item or "text"), max_size=3)
    if kind == "enum" or (spec_field.values and kind == "text"):
        return st.sampled_from(spec_field.values)
    return {
        "bool": st.booleans(), "int": st.integers(0, 20), "text": st.sampled_from(["a", "b"]),
        "decimal": st.integers(0, 20000).map(Decimal), "money": st.integers(0, 20000).map(Decimal),
        "date": st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    }[kind]


def actors_of(wf: Any) -> list[Actor]:
    """Return a pool of actors: two per role, one holding every role, one with none."""
    roles = sorted({r for t in wf.definition.tasks if t.assignee for r in t.assignee.roles}
                   | {r for t in wf.definition.tasks if t.sla for b in t.sla.breaches
                      for r in b.roles}
                   | {r for c in wf.definition.cancels for r in c.roles}
                   | {r for t in wf.definition.tasks for x in t.extras for r in x.roles}
                   | {r for rule in wf.definition.rules for _, rs in rule.rows for r in rs})
    pool = [Actor.of(f"{r}-{n}", r) for r in roles for n in (1, 2)]
    return [Actor.of("requester", *roles[:1]), Actor.of("all", *roles), Actor.of("nobody"), *pool]


class CaseMachine(RuleBasedStateMachine):
    """Random actions on one case; refused ones must change nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.wf: Any = None
        self.case: Any = None
        self.actors: list[Actor] = []
        self.now = START

    @initialize(name=st.sampled_from(SOURCES), data=st.data())
    def start(self, name: str, data: st.DataObject) -> None:
        self.wf = load(name)
        self.actors = actors_of(self.wf)
        fields = list(self.wf.fields.values())
        initial = {f.name: data.draw(values(f)) for f in fields}
        self.case = self.wf.start(self.actors[0], initial, self.now)

    def _accepts(self, do: Any) -> None:
        before, count = self.case.to_json(), len(self.case.history)
        try:
            do()
        except Refused as refused:
            assert str(refused), "a refusal says why"
            assert self.case.to_json() == before
            assert len(self.case.history) == count
        else:
            assert len(self.case.history) == count + 1

    @rule(data=st.data(), minutes=st.integers(0, 600))
    def act(self, data: st.DataObject, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)
        actor = data.draw(st.sampled_from(self.actors))
        allowed = [a for a in self.case.allowed_actions(actor) if a.step is not None]
        if allowed and data.draw(st.integers(0, 5)) > 0:
            choice = data.draw(st.sampled_from(allowed))
            step, action, item = choice.step, choice.action, choice.item
        else:
            step = data.draw(st.sampled_from(sorted(self.wf.tasks)))
            action = data.draw(st.sampled_from([*self.wf.actions[step], "bogus"]))
            item = None
        change = None
        if self.wf.fields and data.draw(st.booleans()):
            spec_field = data.draw(st.sampled_from(sorted(self.wf.fields.values(),
                                                          key=lambda f: f.name)))
            change = {spec_field.name: data.draw(values(spec_field))}
        when = self.now.astimezone(data.draw(st.sampled_from(ZONES)))
        self._accepts(lambda: self.case.act(step, action, actor, when, change, item=item))

    @rule(data=st.data())
    def process_action(self, data: st.DataObject) -> None:
        if data.draw(st.integers(0, 5)) > 0:
            return  # rarely: they end the case
        actor = data.draw(st.sampled_from(self.actors))
        kind = data.draw(st.sampled_from(["withdraw", "cancel"]))
        self._accepts(lambda: getattr(self.case, kind)(actor, self.now))

    @rule(hours=st.integers(1, 96))
    def tick(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)
        count = len(self.case.history)
        self.case.tick(self.now)
        assert len(self.case.history) >= count

    @invariant()
    def marking_holds_declared_steps_only(self) -> None:
        if self.case is not None:
            assert set(self.case.marking) <= set(self.wf.tasks)
            assert self.case.marking == tuple(i.task for i in self.case.items.values())
            for item in self.case.items.values():  # the count kept by votes, not written
                if self.wf.is_approval(item.task):
                    assert item.votes_left == votes_left(item.stages, item.needs, item.stage,
                                                         item.votes)
            assert self.case.done == (self.case.outcome is not None)
            assert bool(self.case.marking) != self.case.done, "active work iff not done"

    @invariant()
    def json_round_trip(self) -> None:
        if self.case is not None:
            text = self.case.to_json()
            assert self.wf.from_json(text).to_json() == text


CaseMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_random_actions = CaseMachine.TestCase
