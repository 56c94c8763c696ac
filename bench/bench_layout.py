"""Layout section: how long Graphviz ``dot -Tsvg`` takes on the diagrams procdsl draws."""

from __future__ import annotations

import shutil
import subprocess
import time

from bench_common import table
from synthetic import synthetic_spec

SMOKE_SIZES = (20,)
FULL_SIZES = (50, 200, 1_000)
LIMIT_S = 240


def _diagram(size: int) -> str:
    from procdsl.compiler import check_text
    from procdsl.emitters.dot import emit_dot

    unit = check_text(f"synthetic_{size}.proc", synthetic_spec(size).encode("utf-8"))
    assert unit.spec is not None, unit.diagnostics[:3]
    return emit_dot(unit.spec, lang="en")


def _dot_time(source: str, engine: str) -> tuple[float | None, int]:
    start = time.perf_counter()
    try:
        done = subprocess.run([engine, "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, timeout=LIMIT_S, check=False)
    except subprocess.TimeoutExpired:
        return None, 0
    if done.returncode != 0:
        raise SystemExit(f"{engine} failed: {done.stderr.decode()[:500]}")
    return time.perf_counter() - start, len(done.stdout)


def run(smoke: bool) -> str:
    """Run the layout section; return its table as Markdown."""
    if shutil.which("dot") is None:
        return table("layout: dot -Tsvg", ["steps", "note"], [["-", "Graphviz is not installed"]])
    rows = []
    for size in SMOKE_SIZES if smoke else FULL_SIZES:
        source = _diagram(size)
        seconds, svg = _dot_time(source, "dot")
        shown = f"> {LIMIT_S} s (stopped)" if seconds is None else f"{seconds:.2f} s"
        per = f"{seconds / size * 1000:.1f} ms" if seconds else "n/a"
        rows.append([f"{size:,}", f"{source.count(chr(10)):,}", shown, per,
                     f"{svg / 1024:,.0f} KB"])
    return table("layout: Graphviz dot -Tsvg on the swimlane diagram of synthetic specs",
                 ["steps", "DOT lines", "dot -Tsvg", "per step", "SVG size"], rows)
