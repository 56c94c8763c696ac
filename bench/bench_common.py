"""Shared helpers of the benchmark: timing, memory, tables and loading generated modules."""

from __future__ import annotations

import gc
import importlib.util
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parent
SPECS = BENCH / "specs"
REPO = BENCH.parent


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Return the median wall time of fn over repeats runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Return (seconds, result) of one call of fn."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_memory(fn: Callable[[], object]) -> int:
    """Return the peak bytes tracemalloc sees while fn runs (beyond what was live before)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def retained_memory(make: Callable[[], object], count: int) -> float:
    """Return the bytes each of count objects made by make keeps alive, on average."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        keep = [make() for _ in range(count)]
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del keep
    return (after - before - 8 * count) / count  # minus the list's own slots


def import_file(path: Path, name: str) -> ModuleType:
    """Import the Python file at path as module name (registered in sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a Markdown table with a title line; numbers are right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [all(_is_number(row[i]) for row in rows) if rows else False
               for i in range(len(header))]
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "| " + " | ".join("---:" if n else "---" for n in numeric) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines) + "\n"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 0.1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def ratio(a: float, b: float) -> str:
    """Return a / b as 'N.Nx' (or 'n/a' when b is zero)."""
    return f"{a / b:.2f}x" if b else "n/a"


def human_bytes(n: float) -> str:
    """Return a byte count as B, KB or MB."""
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.1f} KB"
    return f"{n:.0f} B"


def human_time(seconds: float) -> str:
    """Return a duration in ns, µs, ms or s, three significant digits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
