"""Runtime section: generated state machines against transitions, python-statemachine, a dict.

Each implementation makes cases and drives each through its whole chain; the section
reports events per second (events only, cases made beforehand), the time to make one
case, and the bytes one new case keeps alive (tracemalloc).  The procdsl cases run with
role checks (each step needs its own role), separation of duties (``not by requester``)
and the audit history on, as the generated module always does.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from bench_common import SPECS, human_bytes, import_file, ratio, retained_memory, table
from peers import STEPS, Peer, all_peers

from procdsl.compiler import check_text
from procdsl.emitters.python import emit_python

START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def generate(spec_name: str, folder: Path) -> ModuleType:
    """Compile bench/specs/<spec_name>.proc, write its Python module to folder, import it."""
    path = SPECS / f"{spec_name}.proc"
    unit = check_text(str(path), path.read_bytes())
    if unit.spec is None:
        raise SystemExit(f"{path}: does not compile: {unit.diagnostics}")
    out = folder / f"bench_gen_{spec_name}.py"
    out.write_text(emit_python(unit.spec, lang=unit.spec.lang), encoding="utf-8")
    return import_file(out, out.stem)


def _plan(module: ModuleType, spec_name: str) -> list[tuple[str, Any, dt.datetime]]:
    """Return the (step, actor, time) of every action that takes a case to its end."""
    actor = module._rt.Actor
    if spec_name == "fork4":
        plan = [("open", actor("clerk-1", frozenset({"clerk"})))]
        for k in range(1, 5):
            plan += [(f"{r}_{k}", actor(f"{r}-1", frozenset({r})))
                     for r in ("legal", "finance", "tech")]
            plan.append((f"join_{k}", actor("clerk-1", frozenset({"clerk"}))))
        return [(s, a, START) for s, a in plan]
    hour = dt.timedelta(hours=1) if spec_name == "sla20" else dt.timedelta(0)
    return [(f"s{i}", actor(f"user-{i}", frozenset({f"r{i}"})), START + hour * i)
            for i in range(1, STEPS + 1)]


def procdsl_peer(module: ModuleType, spec_name: str, label: str) -> Peer:
    """Return a generated workflow as a peer: start, then act on every step in turn."""
    workflow = module.WORKFLOW
    requester = module._rt.Actor("requester", frozenset({"clerk"}))
    data_type = module.Data
    plan = _plan(module, spec_name)
    fields = {"amount": Decimal(5)} if hasattr(data_type(), "amount") else {}

    def make() -> Any:
        return workflow.start(requester, data_type(**fields), START)

    steps = [(step, "approve" if workflow.is_approval(step) else "complete", actor, when)
             for step, actor, when in plan]

    def drive(case: Any) -> None:
        act = case.act
        for step, action, actor, when in steps:
            act(step, action, actor, when)

    return Peer(label, make, drive, lambda c: c.outcome, len(plan))


def measure(peer: Peer, budget: float, memory_cases: int) -> dict[str, Any]:
    """Return events/s, seconds per case made and bytes per case of one implementation."""
    events = peer.events
    rates, makes = [], []
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline or len(rates) < 3:
        batch = max(1, int(200 / events))
        t0 = time.perf_counter()
        cases = [peer.make() for _ in range(batch)]
        t1 = time.perf_counter()
        for case in cases:
            peer.drive(case)
        t2 = time.perf_counter()
        makes.append((t1 - t0) / batch)
        rates.append(batch * events / (t2 - t1))
    final = peer.state(cases[0])
    return {"events_s": statistics.median(rates), "make_s": statistics.median(makes),
            "bytes": retained_memory(peer.make, memory_cases), "final": final,
            "events": events}


def run(smoke: bool) -> str:
    """Run the runtime section; return its tables as Markdown."""
    budget = 0.15 if smoke else 2.0
    memory_cases = 50 if smoke else 300
    with tempfile.TemporaryDirectory(prefix="procdsl-bench-") as folder:
        chain = procdsl_peer(generate("chain20", Path(folder)), "chain20",
                             "procdsl generated (roles + audit)")
        peers = [*all_peers(), chain]
        results = {p.name: measure(p, budget, memory_cases) for p in peers}
        extra = _extra_specs(Path(folder), budget, memory_cases)
    return _tables(peers, results, chain.name) + extra


def _extra_specs(folder: Path, budget: float, memory_cases: int) -> str:
    rows = []
    for name, label in (("fork4", "fork/join: 4 rounds of 3 parallel reviews"),
                        ("sla20", "20-step chain, work-hour SLA on every step")):
        peer = procdsl_peer(generate(name, folder), name, label)
        r = measure(peer, budget, memory_cases)
        rows.append([label, peer.events, round(r["events_s"]), f"{r['make_s'] * 1e6:.1f} µs",
                     human_bytes(r["bytes"]), r["final"]])
    return table("runtime: other generated machines (procdsl only)",
                 ["spec", "events/case", "events/s", "create", "bytes/case", "outcome"], rows)


def _tables(peers: list[Peer], results: dict[str, dict[str, Any]], ours: str) -> str:
    rows = []
    for p in peers:
        r = results[p.name]
        rows.append([p.name, round(r["events_s"]), f"{r['make_s'] * 1e6:.1f} µs",
                     human_bytes(r["bytes"]), str(r["final"])])
    main = table(f"runtime: {STEPS}-step approval chain with a guard, events/s and cost per case",
                 ["implementation", "events/s", "create", "bytes/case", "final state"], rows)
    us = results[ours]
    ratios = []
    for p in peers:
        if p.name == ours:
            continue
        r = results[p.name]
        ratios.append([p.name, ratio(us["events_s"], r["events_s"]),
                       ratio(r["make_s"], us["make_s"]), ratio(r["bytes"], us["bytes"])])
    side = table("runtime: procdsl generated vs each peer (>1x: procdsl better)",
                 ["peer", "events/s ratio", "create-time ratio", "memory ratio"], ratios)
    return main + "\n" + side + "\n"

