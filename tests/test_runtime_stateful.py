"""A Hypothesis state machine driving random actions on random cases of every fixture."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from procdsl.runtime import Actor, DictDirectory, FieldDef, Refused
from procdsl.runtime.compiled import votes_left

from .test_runtime_helpers import ROOT_DIR, RUNTIME_SPECS, module_for_spec, workflow

START = dt.datetime(2026, 9, 28, 9, 0, tzinfo=dt.UTC)
# Actions keep their time as given: every zone must give the same case.
ZONES = (dt.UTC, ZoneInfo("Asia/Shanghai"), dt.timezone(dt.timedelta(hours=-5)))
SOURCES = [*RUNTIME_SPECS, "runtime_org",
           *(p.name for p in sorted((ROOT_DIR / "specs").glob("*.proc")))]


def load(source: str) -> Any:
    """Return the workflow of a fixture name or of a file name under specs/."""
    if source.endswith(".proc"):
        return module_for_spec(ROOT_DIR / "specs" / source).WORKFLOW
    return workflow(source)


def values(spec_field: FieldDef, kind: str | None = None) -> st.SearchStrategy[Any]:
    """Return a strategy for valid values of a field."""
    kind = kind or spec_field.kind
    if kind == "list":
        return st.lists(values(spec_field, spec_field.item or "text"),
                        min_size=1 if spec_field.required else 0, max_size=3)
    if kind == "enum" or (spec_field.values and kind == "text"):
        return st.sampled_from(spec_field.values)
    if kind == spec_field.kind and kind in ("int", "decimal", "money") and (
            spec_field.low is not None or spec_field.high is not None):  # within its range
        low = int(spec_field.low) if spec_field.low is not None else 0
        high = int(spec_field.high) if spec_field.high is not None else low + 20000
        ints = st.integers(low, min(high, low + 20000))
        return ints if kind == "int" else ints.map(Decimal)
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
                   | {r for rule in wf.definition.rules for _, rs in rule.rows for r in rs}
                   | {r for t in wf.definition.tasks for a in t.allows for r in a.roles}
                   | {t.on_empty.role for t in wf.definition.tasks
                      if t.on_empty is not None and t.on_empty.role})
    pool = [Actor.of(f"{r}-{n}", r) for r in roles for n in (1, 2)]
    return [Actor.of("requester", *roles[:1]), Actor.of("all", *roles), Actor.of("nobody"), *pool]


def directory_of(actors: list[Actor]) -> DictDirectory:
    """Return an org of the actor pool: the requester and the pool in a team whose head
    is the first pool actor, under a company headed by 'all'; delegates for the pool."""
    pool = [a.id for a in actors[3:]]
    head = pool[0] if pool else "all"
    return DictDirectory(
        departments={"company": ("all", None), "team": (head, "company")},
        people={a.id: "team" for a in actors if a.id != "all"} | {"all": "company"},
        roles={r: {a.id for a in actors if r in a.roles} for a in actors for r in a.roles},
        delegates={pool[i]: pool[i + 1] for i in range(0, len(pool) - 1, 2)})


class CaseMachine(RuleBasedStateMachine):
    """Random actions on one case; refused ones must change nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.wf: Any = None
        self.case: Any = None
        self.actors: list[Actor] = []
        self.directory: Any = None
        self.now = START

    @initialize(name=st.sampled_from(SOURCES), data=st.data())
    def start(self, name: str, data: st.DataObject) -> None:
        self.wf = load(name)
        self.actors = actors_of(self.wf)
        fields = list(self.wf.fields.values())
        initial = {f.name: data.draw(values(f)) for f in fields}
        self.directory = directory_of(self.actors)
        self.case = self.wf.start(self.actors[0], initial, self.now, directory=self.directory)

    def _accepts(self, do: Any) -> None:
        before, count = self.case.to_json(), len(self.case.history)
        try:
            do()
        except Refused as refused:
            assert str(refused), "a refusal says why"
            assert self.case.to_json() == before
            assert len(self.case.history) == count
        else:  # one record, then what the case did on its own (dedupe, no approver)
            assert len(self.case.history) >= count + 1

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
        # A return may name the step it goes back to (``return -> choice of``): any task.
        target = (data.draw(st.sampled_from(sorted(self.wf.tasks)))
                  if action == "return" and data.draw(st.booleans()) else None)
        self._accepts(lambda: self.case.act(step, action, actor, when, change, item=item,
                                            target=target))

    @rule(data=st.data())
    def process_action(self, data: st.DataObject) -> None:
        if data.draw(st.integers(0, 5)) > 0:
            return  # rarely: they end the case
        actor = data.draw(st.sampled_from(self.actors))
        kind = data.draw(st.sampled_from(["withdraw", "cancel"]))
        self._accepts(lambda: getattr(self.case, kind)(actor, self.now))

    @rule(data=st.data())
    def approver_action(self, data: st.DataObject) -> None:
        """Transfer, add-sign, urge or pick: allowed or refused, never half done."""
        actor = data.draw(st.sampled_from(self.actors))
        step = data.draw(st.sampled_from(sorted(self.wf.tasks)))
        person = data.draw(st.sampled_from([a.id for a in self.actors]))
        kind = data.draw(st.sampled_from(["transfer", "add_sign", "urge", "pick"]))
        self.now += dt.timedelta(minutes=data.draw(st.integers(0, 90)))
        if kind == "transfer":
            self._accepts(lambda: self.case.transfer(step, person, actor, self.now))
        elif kind == "add_sign":
            where = data.draw(st.sampled_from(["before", "after", "with", "beside"]))
            self._accepts(lambda: self.case.add_sign(step, person, where, actor, self.now))
        elif kind == "urge":
            self._accepts(lambda: self.case.urge(step, actor, self.now))
        else:
            self._accepts(lambda: self.case.pick(step, [person], actor, self.now))

    @rule(data=st.data())
    def add_element(self, data: st.DataObject) -> None:
        """Act with a list field one element longer: a running for-each over it grows."""
        lists = sorted((f for f in self.wf.fields.values() if f.kind == "list"),
                       key=lambda f: f.name)
        allowed = [a for a in self.case.allowed_actions(self.actors[1]) if a.step is not None]
        if not lists or not allowed:
            return
        spec_field = data.draw(st.sampled_from(lists))
        grown = [*getattr(self.case.data, spec_field.attr),
                 data.draw(values(spec_field, spec_field.item or "text"))]
        choice = data.draw(st.sampled_from(allowed))
        self._accepts(lambda: self.case.act(choice.step, choice.action, self.actors[1],
                                            self.now, {spec_field.name: grown},
                                            item=choice.item))

    @rule(data=st.data())
    def out_of_range(self, data: st.DataObject) -> None:
        """A value outside a field's range is always refused, and changes nothing."""
        ranged = sorted((f for f in self.wf.fields.values() if f.high is not None),
                        key=lambda f: f.name)
        allowed = [a for a in self.case.allowed_actions(self.actors[1]) if a.step is not None]
        if not ranged or not allowed:
            return
        spec_field = data.draw(st.sampled_from(ranged))
        choice = data.draw(st.sampled_from(allowed))
        before = self.case.to_json()
        try:
            self.case.act(choice.step, choice.action, self.actors[1], self.now,
                          {spec_field.name: spec_field.high + 1}, item=choice.item)
        except Refused as refused:
            assert refused.key == "out_of_range"
        else:
            raise AssertionError(f"{spec_field.name} above its range was accepted")
        assert self.case.to_json() == before

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
    def in_any_order_one_at_a_time(self) -> None:
        """In an ``in any order`` block, at most one task has started and not finished."""
        if self.case is None:
            return
        case = self.case
        for frame in case.frames.values():
            if not frame.interleaved:
                continue
            started = {i.task for i in case.items.values() if _inside(case, i.frame, frame.id)
                       and (i.votes or i.stage or (i.group and case.groups[i.group].done))}
            assert len(started) <= 1, started

    @invariant()
    def json_round_trip(self) -> None:
        if self.case is not None:
            text = self.case.to_json()
            assert self.wf.from_json(text, directory=self.directory).to_json() == text


def _inside(case: Any, frame_id: int, block: int) -> bool:
    while frame_id:
        if frame_id == block:
            return True
        frame_id = case.frames[frame_id].parent if frame_id in case.frames else 0
    return False


CaseMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_random_actions = CaseMachine.TestCase
