"""One spec, three artifacts that agree: for every spec in specs/, the generated code's
transitions, the diagram's edges and the manual's route sentences are the same set, and
that set is the model's (``procdsl.flow.transitions``)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from procdsl import flow
from procdsl.compiler import check_text, process_names
from procdsl.emitters.dot import decode_key, emit_dot
from procdsl.emitters.markdown import emit_markdown
from procdsl.plan import plan_of

from .test_manual import labels, read_routes
from .test_runtime_helpers import module_for_spec

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.proc"))


def code_transitions(path: Path) -> Counter[tuple[str, ...]]:
    table = module_for_spec(path).PROCESS
    found: Counter[tuple[str, ...]] = Counter()
    for task in table.tasks:
        for route in task.routes:
            found.update((task.name, route.action, t.name, "route") for t in route.targets)
            if route.cap_then is not None:
                found[(task.name, route.action, route.cap_then.name, "cap")] += 1
        for breach in task.sla.breaches if task.sla else ():
            if breach.target is not None:
                found[(task.name, "timeout", breach.target.name, "breach")] += 1
    return found


def dot_transitions(dot: str) -> Counter[tuple[str, ...]]:
    return Counter(decode_key(v) for v in re.findall(r'transition="([^"]*)"', dot))


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_code_diagram_and_manual_route_the_same_way(path: Path) -> None:
    shown = path.relative_to(ROOT).as_posix()
    unit = check_text(shown, path.read_bytes(), process_names(SPECS))
    assert unit.spec is not None
    spec = unit.spec
    model = Counter(t.key() for t in flow.transitions(spec))
    assert model, "every spec has routes"
    code = code_transitions(path)
    diagram = dot_transitions(emit_dot(spec, lang=spec.lang))
    manual_text = emit_markdown(spec, lang=spec.lang)
    manual = Counter(read_routes(spec, manual_text, spec.lang, labels(spec.lang)["procedure"]))
    assert code == model, "generated code"
    # the diagram also draws withdraw, cancel and escalation routes (tests/test_fidelity.py)
    assert diagram == Counter(plan_of(spec).route_keys()), "diagram"
    assert model == Counter(r.key() for r in plan_of(spec).routes
                            if r.via in ("route", "cap", "breach") and r.source != "*")
    assert manual == model, "manual"


def test_remembered_flow_answers_belong_to_the_spec_asked_about() -> None:
    """transitions and flow_order remember the last spec's answer: asking about specs in
    turn must give each its own answer, as computing afresh does."""
    specs = [check_text(str(p), p.read_bytes(), process_names(SPECS)).spec for p in SPECS[:4]]
    fresh = [(flow.transitions.__wrapped__(s), flow.flow_order.__wrapped__(s))  # type: ignore[attr-defined]
             for s in specs if s is not None]
    assert len(fresh) == 4 and len({len(t) for t, _ in fresh}) > 1
    for _ in range(2):
        for spec, (edges, order) in zip([s for s in specs if s is not None], fresh, strict=True):
            assert flow.flow_order(spec) == order
            assert flow.transitions(spec) == edges
            assert flow.flow_order(spec) is flow.flow_order(spec)
