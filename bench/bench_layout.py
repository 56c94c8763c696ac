"""Layout section: how long Graphviz ``dot -Tsvg`` takes on the diagrams procdsl draws.

procdsl places every node and routes every line itself (``emitters.dot.place``); Graphviz
only draws (``layout=nop2``).  Each synthetic spec is timed as procdsl emits it (placing
included) and as ``dot -Tsvg`` draws it; ``parallel_spec`` adds labelled parallel routes,
joins, returns, co-signatures and escalations in twelve lanes, the shape that took dot's
own layout minutes.  The three real specs of issue 19 are timed too, with their size and
the A3 pages ``graph --split-by-phase`` prints them on.  A drawing that takes longer than
``LIMIT_S`` is stopped and reported.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from bench_common import table
from synthetic import synthetic_spec

SMOKE_SIZES = (40,)
FULL_SIZES = (200, 504, 1_000)
LIMIT_S = 40
ROOT = Path(__file__).resolve().parents[1]
REAL_SPECS = ("新客户注册流程", "订单交付流程", "采购业务流程")


def parallel_spec(n: int, lanes: int = 12) -> str:
    """Return a valid spec of n tasks (a multiple of 8) in ``lanes`` roles: each group of
    eight opens labelled parallel routes, joins them, decides, returns and escalates."""
    if n % 8:
        raise ValueError("n must be a multiple of 8")
    out = [f'process layout_{n} "Layout benchmark of {n} tasks"', "  lang en", "", "roles"]
    out += [f'  r{i} "Role {i}"' for i in range(1, lanes + 1)]
    out += ["", "data", "  amount: money", "  urgent: bool", ""]
    groups = n // 8
    for g in range(groups):
        r = [f"r{(g * 3 + k) % lanes + 1}" for k in range(10)]
        nxt = f"a{g + 1}" if g + 1 < groups else "end done"
        out += [
            f'approval a{g} "Open request {g}"', f"  by {r[0]}",
            f"  approve when amount > {g} -> all of b{g}, c{g}, d{g}",
            f"  approve -> all of b{g}, d{g}", "  reject -> end rejected", "",
            f'approval b{g} "Review request {g}"', f"  by {r[1]}", f"  approve -> e{g}",
            "  reject -> end rejected", f"  return -> a{g} at most 2 times, then -> end rejected",
            "",
            f'approval c{g} "Countersign request {g}"', f"  by all of {r[2]}, {r[3]}",
            f"  approve -> e{g}", "  reject -> end rejected", "",
            f'step d{g} "Prepare papers {g}"', f"  by {r[4]}", f"  then e{g}", "",
            f'step e{g} "Collect results {g}"', f"  by {r[5]}", "  wait for all",
            f"  when amount > {100 + g} -> f{g}", f"  otherwise -> g{g}", "",
            f'step f{g} "Check the budget {g}"', f"  by {r[6]}", "  sla 2 days",
            f"    on breach escalate to {r[7]}", f"  then g{g}", "",
            f'approval g{g} "Decide request {g}"', f"  by {r[8]}",
            f"  approve when urgent -> {nxt}", f"  approve -> h{g}",
            f"  reject -> e{g} at most 2 times, then -> end rejected", "",
            f'step h{g} "Record the decision {g}"', f"  by {r[9]}", f"  then {nxt}", ""]
    out += ['end done "Done" success', 'end rejected "Rejected" failure', ""]
    return "\n".join(out)


def _diagram(name: str, text: bytes, names: frozenset[str] = frozenset()):  # type: ignore[no-untyped-def]
    from procdsl.compiler import check_text
    from procdsl.emitters.diagram import build_diagram

    unit = check_text(name if name.endswith(".proc") else f"{name}.proc", text, names)
    assert unit.spec is not None, unit.diagnostics[:3]
    return build_diagram(unit.spec, unit.spec.lang), unit.spec.lang


def _dot_time(source: str) -> float | None:
    start = time.perf_counter()
    try:
        done = subprocess.run(["dot", "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, timeout=LIMIT_S, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(f"dot failed: {done.stderr.decode()[:500]}")
    return time.perf_counter() - start


def _lanes_time(diagram, lang: str) -> float | None:  # type: ignore[no-untyped-def]
    """Return the time ``dot -Tsvg`` takes on every one-lane diagram (``--split-by-lane``)."""
    from procdsl.emitters.dot import diagram_dot
    from procdsl.emitters.lanes import lane_diagram

    total = 0.0
    for lane in diagram.lanes:
        seconds = _dot_time(diagram_dot(lane_diagram(diagram, lane), lang))
        if seconds is None:
            return None
        total += seconds
    return total


def _row(name: str, diagram, lang: str) -> list[object]:  # type: ignore[no-untyped-def]
    from procdsl.emitters.dot import diagram_dot, phase_diagrams, place

    start = time.perf_counter()
    source = diagram_dot(diagram, lang)
    emit = time.perf_counter() - start
    seconds = _dot_time(source)
    at = place(diagram)
    tasks = sum(1 for n in diagram.nodes if n.kind in ("step", "approval", "subprocess"))
    return [name, f"{tasks:,}", len(diagram.lanes), _shown(seconds),
            _shown(_lanes_time(diagram, lang)), f"{emit:.2f} s",
            f"{at.width / 72 * 2.54:.0f} × {at.height / 72 * 2.54:.0f} cm",
            len(phase_diagrams(diagram))]


def run(smoke: bool) -> str:
    """Run the layout section; return its table as Markdown."""
    if shutil.which("dot") is None:
        return table("layout: dot -Tsvg", ["steps", "note"], [["-", "Graphviz is not installed"]])
    from procdsl.compiler import process_names

    rows: list[list[object]] = []
    for size in SMOKE_SIZES if smoke else FULL_SIZES:
        rows.append(_row(f"parallel {size}", *_diagram("p", parallel_spec(size).encode())))
        synthetic = size - size % 5
        rows.append(_row(f"synthetic {synthetic}",
                         *_diagram("s", synthetic_spec(synthetic).encode())))
    names = process_names(sorted((ROOT / "specs").glob("*.proc")))
    for stem in () if smoke else REAL_SPECS:
        path = ROOT / "specs" / f"{stem}.proc"
        rows.append(_row(stem, *_diagram(str(path), path.read_bytes(), names)))
    return table("layout: Graphviz dot -Tsvg draws what procdsl placed",
                 ["spec", "tasks", "lanes", "dot -Tsvg", "one diagram per lane (all lanes)",
                  "emit (place + route)", "drawing at 100 %", "A3 pages (--split-by-phase)"],
                 rows)


def _shown(seconds: float | None) -> str:
    return f"> {LIMIT_S} s (stopped)" if seconds is None else f"{seconds:.2f} s"
