"""Layout section: how long Graphviz ``dot -Tsvg`` takes on the diagrams procdsl draws.

Each diagram is drawn as procdsl writes it, and again with straight edges
(``-Gsplines=line``), the cheapest option for big diagrams.  A drawing that takes longer
than ``LIMIT_S`` is stopped and reported; bigger sizes are then not tried.
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
        if stopped:
            rows.append([f"{size:,}", "-", "not run: a smaller size hit the limit", "-", "-",
                         "-"])
            continue
        source = _diagram(size)
        seconds, svg = _dot_time(source)
        straight, _ = _dot_time(source, "-Gsplines=line")
        stopped = seconds is None
        rows.append([f"{size:,}", f"{source.count(chr(10)):,}", _shown(seconds),
                     f"{seconds / size * 1000:.0f} ms" if seconds else "n/a", _shown(straight),
                     f"{svg / 1024:,.0f} KB" if svg else "n/a"])
    return table("layout: Graphviz dot -Tsvg on the swimlane diagram of synthetic specs",
                 ["steps", "DOT lines", "dot -Tsvg", "per step", "with -Gsplines=line",
                  "SVG size"], rows)


def _shown(seconds: float | None) -> str:
    return f"> {LIMIT_S} s (stopped)" if seconds is None else f"{seconds:.2f} s"
