"""Runtime section: generated state machines against transitions, python-statemachine, a dict.

Each implementation makes cases and drives each through its whole chain; the section
reports events per second (events only, cases made beforehand), the time to make one
case, and the bytes one new case keeps alive (tracemalloc).  The procdsl cases run with
role checks (each step needs its own role), separation of duties (``not by requester``)
and the audit history on, as the generated module always does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from bench_common import SPECS, human_bytes, import_file, ratio, retained_memory, table
from peers import STEPS, Peer, all_peers, floor_peer, transitions_peer

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
        budgets = _budgets(generate("chain20", Path(folder)), budget, memory_cases)
    return _tables(peers, results, chain.name) + extra + budgets


def transitions_name() -> str:
    """Return the name the transitions peer reports (it carries the library's version)."""
    import transitions

    return f"transitions {transitions.__version__}"


ZONES = {"UTC": dt.UTC, "Asia/Shanghai": ZoneInfo("Asia/Shanghai")}
_CLOCK = itertools.count()


def event_times(zone: dt.tzinfo) -> Any:
    """Return a function giving the STEPS + 1 times of one case (its start, then one per
    event), each its own instant: no two cases share a time, as in a running system."""
    base = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zone)
    second = dt.timedelta(seconds=1)

    def times() -> list[dt.datetime]:
        first = next(_CLOCK) * (STEPS + 1)
        return [base + second * (first + i) for i in range(STEPS + 1)]

    return times


def procdsl_timed_peer(module: ModuleType, label: str, zone: dt.tzinfo) -> Peer:
    """Return the chain20 workflow driven with each event at its own time in zone."""
    workflow = module.WORKFLOW
    actor = module._rt.Actor
    requester = actor("requester", frozenset({"clerk"}))
    data_type = module.Data
    times = event_times(zone)
    steps = [(f"s{i}", actor(f"user-{i}", frozenset({f"r{i}"}))) for i in range(1, STEPS + 1)]

    def make() -> tuple[Any, list[dt.datetime]]:
        when = times()
        return workflow.start(requester, data_type(amount=Decimal(5)), when[0]), when[1:]

    def drive(run: tuple[Any, list[dt.datetime]]) -> None:
        case, when = run
        act = case.act
        for (step, who), at in zip(steps, when, strict=True):
            act(step, "approve", who, at)

    return Peer(label, make, drive, lambda run: run[0].outcome)


def _floor(zone: dt.tzinfo, label: str) -> Peer:
    times = event_times(zone)
    return floor_peer(label, lambda: times()[1:])


def live_case_bytes(peer: Peer, count: int) -> float:
    """Return the bytes one case keeps alive after being driven to its end."""
    def driven() -> Any:
        run = peer.make()
        peer.drive(run)
        return run[0]

    return retained_memory(driven, count)


def snapshot_round_trip(module: ModuleType, repeats: int) -> dict[str, float]:
    """Return the median seconds of to_json, from_json and both, on a finished case."""
    peer = procdsl_timed_peer(module, "snapshot", ZONES["Asia/Shanghai"])
    run = peer.make()
    peer.drive(run)
    case, workflow = run[0], module.WORKFLOW
    text = case.to_json()
    assert workflow.from_json(text).to_json() == text
    out = {}
    for name, fn in (("dump", case.to_json), ("load", lambda: workflow.from_json(text)),
                     ("round trip", lambda: workflow.from_json(case.to_json()))):
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(20):
                fn()
            samples.append((time.perf_counter() - t0) / 20)
        out[name] = min(samples)  # the best run, as for events/s
    out["bytes"] = len(text.encode())
    return out


# The issue 12 targets: ratios to peers measured in the same run, and two absolute limits
# taken from the runtime as it was before issue 12 (measured on the build machine).
BEFORE_LIVE_BYTES = 3 * 1024
BEFORE_ROUND_TRIP_S = 230e-6


def best_rate(peer: Peer, seconds: float) -> float:
    """Return the best events/s of batches of ten cases driven for about seconds.

    The best batch, not the median: on a shared machine the other jobs only ever slow a
    batch down, so the fastest one is the closest to what the code costs.
    """
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or best == 0.0:
        runs = [peer.make() for _ in range(10)]
        t0 = time.perf_counter()
        for run in runs:
            peer.drive(run)
        best = max(best, 10 * peer.events / (time.perf_counter() - t0))
    return best


def _budgets(module: ModuleType, budget: float, memory_cases: int) -> str:
    peers = {"transitions": transitions_peer()}
    for zone_name, zone in ZONES.items():
        peers[f"procdsl {zone_name}"] = procdsl_timed_peer(module, zone_name, zone)
        peers[f"floor {zone_name}"] = _floor(zone, zone_name)
    rates = dict.fromkeys(peers, 0.0)
    for _ in range(5):  # interleaved rounds: a slow spell hits every peer alike
        for name, peer in peers.items():
            rates[name] = max(rates[name], best_rate(peer, budget / 5))
    rows, checks = [], []
    for zone_name in ZONES:
        ours, floor = rates[f"procdsl {zone_name}"], rates[f"floor {zone_name}"]
        rows.append([f"procdsl chain20, {zone_name} times", round(ours), f"{1e9 / ours:.0f} ns"])
        rows.append([f"hand-written floor, {zone_name} times", round(floor),
                     f"{1e9 / floor:.0f} ns"])
        vs_transitions = ours / rates["transitions"]
        checks.append([f"events/s vs transitions ({zone_name})", f"{vs_transitions:.2f}x",
                       ">= 8x", _ok(vs_transitions >= 8)])
        checks.append([f"procdsl / floor time per event ({zone_name})", f"{floor / ours:.2f}x",
                       "<= 3x", _ok(floor / ours <= 3)])
    rows.append([transitions_name(), round(rates["transitions"]),
                 f"{1e9 / rates['transitions']:.0f} ns"])
    live = live_case_bytes(peers["procdsl Asia/Shanghai"], memory_cases)
    checks.append(["bytes per live case after 20 events", human_bytes(live),
                   f"<= 2 x {human_bytes(BEFORE_LIVE_BYTES)}",
                   _ok(live <= 2 * BEFORE_LIVE_BYTES)])
    snap = snapshot_round_trip(module, 5 if budget < 1 else 15)
    checks.append(["snapshot round trip, finished 20-step case",
                   f"{snap['round trip'] * 1e6:.0f} µs",
                   f"<= {BEFORE_ROUND_TRIP_S * 1e6 / 3:.0f} µs (1/3 of {BEFORE_ROUND_TRIP_S * 1e6:.0f})",
                   _ok(snap["round trip"] <= BEFORE_ROUND_TRIP_S / 3)])
    checks.append(["  to_json / from_json / snapshot size",
                   f"{snap['dump'] * 1e6:.0f} / {snap['load'] * 1e6:.0f} µs, "
                   f"{human_bytes(snap['bytes'])}", "", ""])
    return (table("runtime budgets: 20-step chain, each event at its own time (best batch)",
                  ["implementation", "events/s", "per event"], rows) + "\n"
            + table("runtime budgets (issue 12)", ["budget", "measured", "target", "met"],
                    checks) + "\n")


def opcode_profile(module: ModuleType) -> str:
    """Return the bytecode operations one chain20 event executes, by function.

    Deterministic (``sys.settrace`` with ``f_trace_opcodes``), so unlike the timings it
    is the same on a busy machine: the figure to compare two versions of the runtime by.
    """
    peer = procdsl_timed_peer(module, "profile", dt.UTC)
    run = peer.make()
    counts: dict[str, int] = {}

    def trace(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            name = frame.f_code.co_qualname
            if name.startswith("_guard_"):
                name = "the generated guards"  # one per step: _guard_1 ... _guard_20
            counts[name] = counts.get(name, 0) + 1
        return trace

    sys.settrace(trace)
    try:
        peer.drive(run)
    finally:
        sys.settrace(None)
    events = peer.events
    total = sum(counts.values())
    rows = [[name, f"{n / events:.0f}"]
            for name, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= events]
    rows.append(["total (with the drive loop)", f"{total / events:.0f}"])
    return table("runtime: bytecode operations per chain20 event, by function",
                 ["function", "ops/event"], rows) + "\n"


def _ok(met: bool) -> str:
    return "yes" if met else "NO"


def main(argv: list[str] | None = None) -> int:
    """Run the runtime section alone (``--budgets``: only the issue 12 budgets)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, seconds long")
    parser.add_argument("--budgets", action="store_true", help="only the budget tables")
    parser.add_argument("--profile", action="store_true",
                        help="only the bytecode operations per event, by function")
    args = parser.parse_args(argv)
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="procdsl-bench-") as folder:
            print(opcode_profile(generate("chain20", Path(folder))))
        return 0
    if not args.budgets:
        print(run(args.smoke))
        return 0
    budget = 0.15 if args.smoke else 1.0
    with tempfile.TemporaryDirectory(prefix="procdsl-bench-") as folder:
        module = generate("chain20", Path(folder))
        print(_budgets(module, budget, 50 if args.smoke else 300))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())


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

