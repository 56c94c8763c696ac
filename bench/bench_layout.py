"""Layout section: how long Graphviz ``dot -Tsvg`` takes on the diagrams procdsl draws.

Each diagram is drawn as procdsl writes it (straight edges above 40 tasks), and again
as ``procdsl graph --split-by-lane`` draws it: one diagram per lane, all lanes timed
together.  A drawing that takes longer than ``LIMIT_S`` is stopped and reported; bigger
sizes of the whole diagram are then not tried (the lanes still are).
"""

from __future__ import annotations

import shutil
import subprocess
import time

from bench_common import table
from synthetic import synthetic_spec

SMOKE_SIZES = (20,)
FULL_SIZES = (50, 200, 1_000)
LIMIT_S = 40


def _diagram(size: int) -> str:
    from procdsl.compiler import check_text
    from procdsl.emitters.dot import emit_dot

    unit = check_text(f"synthetic_{size}.proc", synthetic_spec(size).encode("utf-8"))
    assert unit.spec is not None, unit.diagnostics[:3]
    return emit_dot(unit.spec, lang="en")


def _lanes(size: int) -> list[str]:
    """Return the DOT of each one-lane diagram (``graph --split-by-lane``)."""
    from procdsl.compiler import check_text
    from procdsl.emitters.diagram import build_diagram
    from procdsl.emitters.dot import diagram_dot
    from procdsl.emitters.lanes import lane_diagram

    unit = check_text(f"synthetic_{size}.proc", synthetic_spec(size).encode("utf-8"))
    assert unit.spec is not None, unit.diagnostics[:3]
    whole = build_diagram(unit.spec, "en")
    return [diagram_dot(lane_diagram(whole, lane), "en") for lane in whole.lanes]


def _lanes_time(size: int) -> float | None:
    total = 0.0
    for source in _lanes(size):
        seconds, _ = _dot_time(source)
        if seconds is None:
            return None
        total += seconds
    return total


def _dot_time(source: str, *options: str) -> tuple[float | None, int]:
    start = time.perf_counter()
    try:
        done = subprocess.run(["dot", *options, "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, timeout=LIMIT_S, check=False)
    except subprocess.TimeoutExpired:
        return None, 0
    if done.returncode != 0:
        raise SystemExit(f"dot failed: {done.stderr.decode()[:500]}")
    return time.perf_counter() - start, len(done.stdout)


def run(smoke: bool) -> str:
    """Run the layout section; return its table as Markdown."""
    if shutil.which("dot") is None:
        return table("layout: dot -Tsvg", ["steps", "note"], [["-", "Graphviz is not installed"]])
    rows: list[list[object]] = []
    stopped = False
    for size in SMOKE_SIZES if smoke else FULL_SIZES:
        lanes = _shown(_lanes_time(size))
        if stopped:
            rows.append([f"{size:,}", "-", "not run: a smaller size hit the limit", "-", lanes,
                         "-"])
            continue
        source = _diagram(size)
        seconds, svg = _dot_time(source)
        stopped = seconds is None
        rows.append([f"{size:,}", f"{source.count(chr(10)):,}", _shown(seconds),
                     f"{seconds / size * 1000:.0f} ms" if seconds else "n/a", lanes,
                     f"{svg / 1024:,.0f} KB" if svg else "n/a"])
    return table("layout: Graphviz dot -Tsvg on the swimlane diagram of synthetic specs",
                 ["steps", "DOT lines", "dot -Tsvg", "per step",
                  "one diagram per lane (all lanes)", "SVG size"], rows)


def _shown(seconds: float | None) -> str:
    return f"> {LIMIT_S} s (stopped)" if seconds is None else f"{seconds:.2f} s"
