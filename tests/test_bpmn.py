"""BPMN export (``procdsl.emitters.bpmn``): every spec's BPMN validates against the BPMN
2.0 XSD and runs on SpiffWorkflow 3 to the same end, through the same tasks, as our
runtime (docs/bpmn.md, "Verification")."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from procdsl import model as m
from procdsl.compiler import check_text
from procdsl.emitters.bpmn import BPMN_NS, emit_bpmn
from procdsl.kinds import TypeKind, Way
from procdsl.plan import plan_of
from procdsl.runtime import Actor, Refused

from .test_runtime_helpers import ROOT_DIR, module_for_spec

SPECS = sorted((ROOT_DIR / "specs").glob("*.proc"))
IDS = [p.stem for p in SPECS]

etree = pytest.importorskip("lxml.etree")
SpiffWorkflow = pytest.importorskip("SpiffWorkflow")


@functools.cache
def unit_of(path: Path) -> Any:
    unit = check_text(path.relative_to(ROOT_DIR).as_posix(), path.read_bytes())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    return unit


@functools.cache
def bpmn_of(path: Path) -> str:
    return emit_bpmn(unit_of(path).spec)


@functools.cache
def schema() -> Any:
    """Return the BPMN 2.0 XSD SpiffWorkflow ships (BPMN20.xsd and its imports)."""
    root = Path(os.path.dirname(SpiffWorkflow.__file__)) / "bpmn" / "parser" / "schema"
    return etree.XMLSchema(etree.parse(str(root / "BPMN20.xsd")))


# ------------------------------------------------------------------ the document


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_every_spec_validates_against_the_bpmn_xsd(path: Path) -> None:
    doc = etree.fromstring(bpmn_of(path).encode("utf-8"))
    xsd = schema()
    assert xsd.validate(doc), [str(e) for e in xsd.error_log][:5]


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_the_zeebe_dialect_validates_and_round_trips(path: Path) -> None:
    from procdsl.bpmn_import import import_bpmn
    from procdsl.formatter import format_text

    spec = unit_of(path).spec
    source = path.read_text(encoding="utf-8")
    xml = emit_bpmn(spec, dialect="zeebe", source_text=source)
    doc = etree.fromstring(xml.encode("utf-8"))
    assert schema().validate(doc), [str(e) for e in schema().error_log][:5]
    conditions = [e.text or "" for e in doc.iter(f"{{{BPMN_NS}}}conditionExpression")]
    assert conditions and all(c.startswith("=") and "==" not in c for c in conditions)
    back = import_bpmn(xml)
    assert back.exact and back.text == format_text(source)


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_shapes_lanes_and_flows_follow_the_plan(path: Path) -> None:
    spec = unit_of(path).spec
    plan = plan_of(spec)
    doc = etree.fromstring(bpmn_of(path).encode("utf-8"))
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
          "procdsl": "https://procdsl.dev/schema/bpmn/1"}
    lanes = doc.findall(".//bpmn:lane", ns)
    assert [lane.find(".//procdsl:lane", ns).get("key") for lane in lanes] == [
        lane.key for lane in plan.lanes]
    tasks = doc.findall(".//bpmn:userTask", ns) + doc.findall(".//bpmn:callActivity", ns)
    assert sorted(t.find(".//procdsl:task", ns).get("name") for t in tasks) == sorted(
        t.name.text for t in plan.order)
    # every task sits in the lane the plan draws it in
    lane_of = {ref.text: lane.find(".//procdsl:lane", ns).get("key")
               for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", ns)}
    for t in tasks:
        assert lane_of[t.get("id")] == plan.home[t.find(".//procdsl:task", ns).get("name")]
    # every written route, cap route and SLA goto is a sequence flow
    written = {(r.source, r.action, r.target) for r in plan.routes
               if r.kind in (Way.THEN, Way.WHEN, Way.OTHERWISE, Way.ALSO, Way.CAP)}
    flows = doc.findall(".//bpmn:sequenceFlow", ns)
    assert len([f for f in flows if f.find(".//procdsl:route", ns) is not None]) >= len(
        {(s, a) for s, a, _ in written})
    timers = doc.findall(".//bpmn:timerEventDefinition", ns)
    assert len(timers) == len(plan.deadlines)  # a boundary timer per task SLA, and the case's
    # every element has a shape or an edge
    ids = {e.get("id") for e in doc.iter() if e.get("id") and e.tag.startswith("{" + ns["bpmn"])
           and not e.tag.endswith(("definitions", "collaboration", "laneSet", "process", "Definition", "signal",
                                   "timeDuration", "conditionExpression"))}
    drawn = {e.get("bpmnElement") for e in doc.iter(f"{{{ns['bpmndi']}}}BPMNShape",
                                                    f"{{{ns['bpmndi']}}}BPMNEdge")}
    assert ids - drawn == set()


def test_output_is_deterministic() -> None:
    path = SPECS[0]
    text = check_text(path.name, path.read_bytes())
    assert text.spec is not None
    assert emit_bpmn(text.spec) == emit_bpmn(check_text(path.name, path.read_bytes()).spec)


HOSTILE = '''process p "A <b>&amp; \\"q\\" ]]> --> \x01"
  lang en

roles
  r "R & <D>"

step s "Sign <here> & ]]>"
  by r
  then end e

end e "Done </bpmn:process>" success
'''


def test_spec_text_never_breaks_the_xml() -> None:
    unit = check_text("hostile.proc", HOSTILE.encode("utf-8"))
    if unit.spec is None:  # the control character may be refused; the rest must hold
        unit = check_text("hostile.proc", HOSTILE.replace("\x01", "").encode("utf-8"))
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    xml = emit_bpmn(unit.spec, source_text=HOSTILE)
    doc = etree.fromstring(xml.encode("utf-8"))
    assert schema().validate(doc)
    names = {e.get("name") for e in doc.iter() if e.get("name")}
    assert "Sign <here> & ]]>" in names and "Done </bpmn:process>" in names
    source = doc.find(".//{https://procdsl.dev/schema/bpmn/1}source")
    assert source is not None and source.text == HOSTILE.replace("\x01", "\ufffd")


# ------------------------------------------------------------------ SpiffWorkflow


ISO_DURATION = re.compile(r"P(?:T?\d+(?:\.\d+)?[MHDW])+")


def spiff_engine() -> Any:
    """Return a Python script engine that also reads a plain ISO 8601 duration (the
    standard form of ``timeDuration``; SpiffWorkflow would evaluate it as Python)."""
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

    class Engine(PythonScriptEngine):  # type: ignore[misc]
        def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
            if ISO_DURATION.fullmatch(expression.strip()):
                return expression.strip()
            return super().evaluate(task, expression, external_context)

    return Engine()


@functools.cache
def spiff_spec(path: Path) -> Any:
    return parse_spiff(bpmn_of(path))


def parse_spiff(xml: str) -> Any:
    """Return SpiffWorkflow's parse of a BPMN document: the process and its subprocesses."""
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_str(xml.encode("utf-8"))
    return parser.get_spec("Process_1"), parser.get_subprocess_specs("Process_1")


def default_data(spec: m.Spec, variant: int) -> dict[str, Any]:
    """Return case data: variant 0 the plain defaults, 1 the other way round."""
    out: dict[str, Any] = {}
    for f in spec.fields:
        k = f.type.kind
        if k is TypeKind.BOOL:
            out[f.name.text] = variant == 1
        elif k is TypeKind.INT:
            out[f.name.text] = 1 if variant == 0 else 100000
        elif k in (TypeKind.DECIMAL, TypeKind.MONEY):
            out[f.name.text] = Decimal(1) if variant == 0 else Decimal(100000)
        elif k is TypeKind.ENUM:
            values = [v.text for v in f.type.values]
            out[f.name.text] = values[0] if variant == 0 else values[-1]
        elif k is TypeKind.LIST:
            out[f.name.text] = ["a", "b"] if variant == 1 else ["a"]
        elif k is TypeKind.DATE:
            out[f.name.text] = dt.date(2026, 10, 12)
        else:
            out[f.name.text] = "x"
    return out


Policy = Callable[[m.Task, int], list[str]]


def happy(task: m.Task, visit: int) -> list[str]:
    """Prefer approve/complete, then the other actions in route order."""
    actions = list(task.actions) or ["complete"]
    first = [a for a in ("approve", "complete") if a in actions]
    return first + [a for a in actions if a not in first]


def rejecting(task: m.Task, visit: int) -> list[str]:
    """Reject the first approval that can be rejected; approve the rest."""
    actions = happy(task, visit)
    return ["reject", *actions] if "reject" in actions else actions


def capping(task: m.Task, visit: int) -> list[str]:
    """Always take a capped route (return, query, a rework) where a task has one."""
    capped = [r.action for r in task.routes if r.cap is not None and r.action != "approve"]
    return list(dict.fromkeys(capped + happy(task, visit)))


POLICIES: dict[str, Policy] = {"happy": happy, "reject": rejecting, "cap": capping}
NOW = dt.datetime(2026, 10, 12, 10, 0, tzinfo=ZoneInfo("UTC"))


def run_ours(path: Path, policy: Policy, data: dict[str, Any],
             limit: int = 80) -> tuple[list[tuple[str, str]], str | None]:
    """Run our generated machine; return (task, action) per act and the end."""
    return drive_ours(unit_of(path).spec, module_for_spec(path).WORKFLOW, policy, data, limit)


def drive_ours(spec: m.Spec, wf: Any, policy: Policy, data: dict[str, Any],
               limit: int = 80) -> tuple[list[tuple[str, str]], str | None]:
    """Run a workflow, acting on its first active item each time as policy says."""
    roles = [r.name.text for r in spec.roles]
    requester = Actor.of("requester", *roles)
    case = wf.start(requester, dict(data), NOW)
    done: list[tuple[str, str]] = []
    visits: dict[str, int] = {}
    fresh = (Actor.of(f"u{i}", *roles) for i in range(10_000))
    for _ in range(limit):
        if case.done:
            break
        item = next(iter(case.items.values()))
        task = spec.task(item.task)
        assert task is not None
        visits[item.task] = visits.get(item.task, 0) + 1
        for action in policy(task, visits[item.task]):
            taken = None
            for actor in (next(fresh), requester):
                try:
                    case.act(item.task, action, actor, NOW, item=item.id)
                except Refused:
                    continue
                taken = action
                break
            if taken is not None:
                done.append((item.task, taken))
                break
        else:
            raise AssertionError(f"no action of {item.task} is possible")
    return done, case.outcome


def run_spiff(path: Path, script: list[tuple[str, str]], data: dict[str, Any]) -> tuple[
        list[tuple[str, str]], str | None]:
    """Run the BPMN on SpiffWorkflow, completing user tasks as ``script`` says (task,
    action, in our runtime's order); return what was done and the end reached."""
    return drive_spiff(unit_of(path).spec, spiff_spec(path), script, data)


def drive_spiff(spec: m.Spec, specs: Any, script: list[tuple[str, str]],
                data: dict[str, Any]) -> tuple[list[tuple[str, str]], str | None]:
    """Run parsed BPMN (``specs``: the process and its subprocesses) along script."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    top, subprocesses = specs
    wf = BpmnWorkflow(top, subprocesses, script_engine=spiff_engine())
    order = {f"Task_{i}": t.name.text for i, t in enumerate(plan_of(spec).order, 1)}
    wf.do_engine_steps()
    done: list[tuple[str, str]] = []
    for task_name, action in script:
        ready = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        match = [t for t in ready if order.get(t.task_spec.bpmn_id) == task_name]
        if not match:
            break
        t = match[0]
        t.data.update(data)
        t.data["action"] = action
        t.run()
        wf.do_engine_steps()
        done.append((task_name, action))
    ready = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    if ready and len(done) == len(script):
        done.append((order.get(ready[0].task_spec.bpmn_id, "?"), "(still active)"))
    ends = [t for t in wf.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.__class__.__name__ == "EndEvent" and t.task_spec.bpmn_id.startswith("End_")]
    end_names = {f"End_{i}": e.name.text for i, e in enumerate(spec.ends, 1)}
    terminate = [t for t in ends if not spec.end(end_names[t.task_spec.bpmn_id]).success]
    last = (terminate or ends)[-1] if ends else None
    return done, end_names[last.task_spec.bpmn_id] if last is not None else None


def scenarios() -> Iterator[Any]:
    for path in SPECS:
        for policy in POLICIES:
            for variant in (0, 1):
                yield pytest.param(path, policy, variant, id=f"{path.stem}-{policy}-{variant}")


@pytest.mark.parametrize(("path", "policy", "variant"), list(scenarios()))
def test_spiffworkflow_runs_the_bpmn_like_our_runtime(path: Path, policy: str, variant: int) -> None:
    spec = unit_of(path).spec
    data = default_data(spec, variant)
    ours, our_end = run_ours(path, POLICIES[policy], data)
    assert our_end is not None, f"our runtime did not finish: {ours}"
    theirs, their_end = run_spiff(path, ours, data)
    assert theirs == ours
    assert their_end == our_end


def test_scenarios_cover_a_rejection_a_cap_and_every_parallel_block() -> None:
    """The paths above are not vacuous: across the specs they reject, use up a cap and
    pass through every spec's parallel blocks."""
    rejected = capped = 0
    for path in SPECS:
        spec = unit_of(path).spec
        plan = plan_of(spec)
        runs = [run_ours(path, POLICIES[p], default_data(spec, v)) for p in POLICIES for v in (0, 1)]
        acts = [a for done, _ in runs for a in done]
        rejected += any(action == "reject" for _, action in acts)
        counts: dict[tuple[str, str], int] = {}
        for a in acts:
            counts[a] = counts.get(a, 0) + 1
        capped += any(r.cap is not None and counts.get((r.source, r.action), 0) > r.cap.times
                      for r in plan.routes if r.kind is Way.CAP)
        for block in plan.blocks:
            assert any(t == block.split for t, _ in acts), (path.stem, block.split)
    assert rejected >= 5 and capped >= 3


CALLER = """process parent "Parent"
  lang en

roles
  clerk

step hand_over "Hand over to the child process"
  by clerk
  run child
  done -> end finished
  failed -> end stopped

end finished success
end stopped failure
"""


def test_a_subprocess_is_a_call_activity_and_the_file_is_marked_as_generated() -> None:
    from procdsl.bpmn_import import import_bpmn
    from procdsl.emitters import GENERATED_MARK

    unit = check_text("parent.proc", CALLER.encode("utf-8"), frozenset({"child"}))
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    xml = emit_bpmn(unit.spec, source_text=CALLER)
    assert GENERATED_MARK.encode() in xml.encode("utf-8")[:600]  # build's "ours" test
    doc = etree.fromstring(xml.encode("utf-8"))
    assert schema().validate(doc), [str(e) for e in schema().error_log][:3]
    calls = doc.findall(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}callActivity")
    assert [c.get("calledElement") for c in calls] == ["child"]
    back = import_bpmn(xml)
    assert back.exact and back.text == CALLER
    rebuilt = import_bpmn(xml, use_source=False)
    assert "  run child\n  done -> end finished\n  failed -> end stopped\n" in rebuilt.text


def test_the_other_constructs_run_alike_and_wait_for_any_is_the_listed_difference(
        tmp_path: Path) -> None:
    """The import tests' kitchen-sink spec (interleaved and parallel splits, a
    multi-choice, for-each until, a rule chain, all-of, breaches): the rejection and cap
    paths run alike; on the happy path BPMN's exclusive join lets the second branch of
    ``wait for any`` through (docs/bpmn.md, inherent differences)."""
    from procdsl.emitters.python import emit_python

    from .test_bpmn_import import KITCHEN
    from .test_runtime_helpers import import_path

    unit = check_text("kitchen.proc", KITCHEN.encode("utf-8"))
    assert unit.spec is not None
    spec = unit.spec
    module = tmp_path / "kitchen_gen.py"
    module.write_text(emit_python(spec, lang="en"), encoding="utf-8")
    wf = import_path(module, "kitchen_gen").WORKFLOW
    parsed = parse_spiff(emit_bpmn(spec))
    for policy, variant in (("reject", 0), ("reject", 1), ("cap", 0)):
        data = default_data(spec, variant)
        ours, end = drive_ours(spec, wf, POLICIES[policy], data)
        assert drive_spiff(spec, parsed, ours, data) == (ours, end)
    data = default_data(spec, 0)
    ours, end = drive_ours(spec, wf, POLICIES["happy"], data)
    theirs, _ = drive_spiff(spec, parsed, ours, data)
    first = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
                 min(len(ours), len(theirs)))
    assert ours[:first] == theirs[:first] and theirs[first][0] == "join_any", (ours, theirs)
