"""The integer-indexed flow graphs equal the name-keyed code they replaced.

``checks.flow`` builds one graph per spec with integer node ids (reachability, the
tasks that can finish, strongly connected components over lists and flags),
``checks.sla.fastest_path`` searches over task numbers, and ``flow.successors`` groups
the cached transitions.  Each test keeps the old name-keyed way as the reference and
compares on every spec, fixture and diagnostics case, and on random specs.
"""

from __future__ import annotations

import heapq
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from procdsl import flow
from procdsl import model as m
from procdsl.checks import flow as checks_flow
from procdsl.checks import sla
from procdsl.parser import parse_source, read_source

from .strategies import spec_texts

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted([*ROOT.glob("specs/**/*.proc"), *ROOT.glob("tests/**/*.proc"),
                *ROOT.glob("bench/specs/*.proc")])
SETTINGS = settings(max_examples=80, deadline=None)

# ------------------------------------------------------------------ references


def reference_graph(spec: m.Spec) -> dict[str, list[str]]:
    """Return successors over tasks and ends, as the old ``_graph`` did."""
    graph: dict[str, list[str]] = {t.name.text: [] for t in spec.tasks}
    graph.update({e.name.text: [] for e in spec.ends})
    for t in flow.transitions(spec):
        if t.target_kind is not m.TargetKind.UNKNOWN and t.target not in graph[t.source]:
            graph[t.source].append(t.target)
    return graph


def reference_reachable(graph: dict[str, list[str]], starts: list[str]) -> set[str]:
    seen = set(starts)
    stack = list(starts)
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def reference_finishing(spec: m.Spec, graph: dict[str, list[str]]) -> set[str]:
    reverse: dict[str, list[str]] = {n: [] for n in graph}
    for src, outs in graph.items():
        for dst in outs:
            reverse[dst].append(src)
    return reference_reachable(reverse, [e.name.text for e in spec.ends])


def reference_sccs(graph: dict[str, list[str]]) -> list[list[str]]:
    """Return strongly connected components as the old name-keyed Tarjan did."""
    graph = {n: [x for x in outs if x in graph] for n, outs in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = graph[node]
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                result.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def reference_fastest_path(spec: m.Spec, units: dict[m.TimeUnit, Decimal]
                           ) -> tuple[Decimal, list[m.Task], str] | None:
    """Return the fastest path as the old name-keyed search did."""
    start = spec.start_task
    if start is None:
        return None
    order = {t.name.text: i for i, t in enumerate(spec.tasks)}
    edges: dict[str, list[tuple[str, m.TargetKind]]] = {}
    for move in flow.transitions(spec):
        edges.setdefault(move.source, []).append((move.target, move.target_kind))

    def cost(task: m.Task) -> Decimal:
        return sla.minutes(task.sla.duration, units) if task.sla is not None else Decimal(0)

    first = start.name.text
    queue = [(cost(start), order[first], first, -1)]
    came: list[tuple[str, int]] = []
    done: set[str] = set()
    while queue:
        total, _, name, parent = heapq.heappop(queue)
        if name in done:
            continue
        done.add(name)
        came.append((name, parent))
        here = len(came) - 1
        for target, kind in edges.get(name, ()):
            end = spec.end(target) if kind is m.TargetKind.END else None
            if end is not None and end.success:
                return total, [t for n in sla._path(came, here) if (t := spec.task(n))], target
            task = spec.task(target) if kind is m.TargetKind.STEP else None
            if task is not None and target not in done:
                heapq.heappush(queue, (total + cost(task), order[target], target, here))
    return None


# ------------------------------------------------------------------ the comparisons


def parsed(path: Path) -> m.Spec | None:
    source, diags = read_source(str(path), path.read_bytes())
    return None if diags else parse_source(source).spec


def assert_same_graphs(spec: m.Spec) -> None:
    """Compare every integer-indexed answer with its name-keyed reference."""
    graph = checks_flow._flow_graph(spec)
    names = graph.names
    ref = reference_graph(spec)
    assert list(names) == list(ref)
    assert {n: [names[i] for i in graph.succ[graph.index[n]]] for n in names} == ref
    finishing = reference_finishing(spec, ref)
    assert {names[i] for i, flag in enumerate(graph.finishing) if flag} == finishing
    order = {t.name.text: i for i, t in enumerate(spec.tasks)}
    tasks: dict[str, list[str]] = {n: [] for n in order}
    for x in flow.transitions(spec):
        if x.target in order:
            tasks[x.source].append(x.target)
    assert {names[i]: [names[j] for j in outs] for i, outs in enumerate(graph.task_succ)} \
        == tasks
    sccs = checks_flow._sccs(range(graph.tasks), graph.task_succ, graph.tasks)
    assert [[names[i] for i in comp] for comp in sccs] == reference_sccs(tasks)
    start = spec.start_task
    if start is not None:
        seen, reached = checks_flow._reach(graph.succ, [graph.index[start.name.text]],
                                           len(names))
        expected = reference_reachable(ref, [start.name.text])
        assert {names[i] for i, flag in enumerate(seen) if flag} == expected
        assert sorted(names[i] for i in reached) == sorted(expected)
    durations = [t.sla.duration for t in spec.tasks if t.sla is not None]
    if spec.process.sla is not None:
        durations.append(spec.process.sla.duration)
    units = sla.scale(spec, durations)
    assert sla.fastest_path(spec, units) == reference_fastest_path(spec, units)
    assert dict(flow.successors(spec)) == flow._successors_task_by_task(spec)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_gets_the_same_graphs(path: Path) -> None:
    spec = parsed(path)
    if spec is not None:
        assert_same_graphs(spec)


@SETTINGS
@given(spec_texts())
def test_random_specs_get_the_same_graphs(text: str) -> None:
    source, _ = read_source("random.proc", text.encode("utf-8"))
    spec = parse_source(source).spec
    assert spec is not None
    assert_same_graphs(spec)


def test_sccs_equal_the_name_keyed_tarjan_on_random_graphs() -> None:
    rng = random.Random(8)
    for _ in range(300):
        size = rng.randint(1, 12)
        nodes = rng.sample(range(size), rng.randint(1, size))  # some ids are not nodes
        succ = {n: [rng.randrange(size) for _ in range(rng.randint(0, 4))] for n in nodes}
        names = {n: f"n{n}" for n in range(size)}
        ref = reference_sccs({names[n]: [names[x] for x in outs] for n, outs in succ.items()})
        got = checks_flow._sccs(succ, succ, size)
        assert [[names[i] for i in comp] for comp in got] == ref


def test_repeated_names_keep_the_old_answers() -> None:
    text = ("process p \"P\"\n  lang en\n\nroles\n  r \"R\"\n\n"
            "step a \"A\"\n  by r\n  then b\n\nstep b \"B\"\n  by r\n  then a\n\n"
            "step a \"A again\"\n  by r\n  then end done\n\nend done \"Done\" success\n"
            "end b \"B end\" failure\n")
    source, _ = read_source("dup.proc", text.encode("utf-8"))
    spec = parse_source(source).spec
    assert spec is not None
    assert_same_graphs(spec)
