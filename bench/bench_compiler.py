"""Compiler section: parse, check and each emitter on synthetic specs of growing size.

Each size runs in its own Python process (a fresh heap, and a time limit that cannot
hang the suite).  The child times every phase, then measures each phase's peak memory
with tracemalloc in a second pass (tracemalloc slows Python down, so it never overlaps
the timing), printing one JSON line per measurement; the parent turns them into tables.
Run a child by hand with ``python bench/bench_compiler.py --size 1000``.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import human_bytes, median_time, peak_memory, table  # noqa: E402
from synthetic import regex_pass, synthetic_spec  # noqa: E402

SMOKE_SIZES = (100, 300)
FULL_SIZES = (100, 1_000, 10_000, 50_000)
PHASES = ("regex", "lark", "parse", "parse_gc_off", "check", "dot", "markdown", "python",
          "pipeline")
TEXT_PIPELINE = ("parse", "check", "dot", "markdown", "python")
FULL_MEMORY = 10_000  # above this size only the parse's peak memory is measured
MEMORY_PHASES = tuple(p for p in PHASES if p not in ("parse_gc_off", "pipeline"))
PIPELINE_MAX = 10_000  # above this size the one-piece pipeline run is left out (time budget)
SECTION_BUDGET_S = 420.0  # the full section stops what is still running after this long


def _phases(text: str) -> tuple[dict[str, Callable[[], Any]], float]:
    """Return each phase as a function of nothing, and how long the one parse up front took."""
    from procdsl.checks import CheckContext, run_checks
    from procdsl.compiler import check_text
    from procdsl.emitters.dot import emit_dot
    from procdsl.emitters.markdown import emit_markdown
    from procdsl.emitters.python import emit_python
    from procdsl.parser import lark_parser, parse_source, read_source
    from procdsl.prescan import prescan

    data = text.encode("utf-8")
    source, _ = read_source("synthetic.proc", data)
    blocks = [b.text if b.text.endswith("\n") else b.text + "\n" for b in prescan(source).blocks]
    lark = lark_parser()
    start = time.perf_counter()
    parsed = parse_source(source)
    first_parse = time.perf_counter() - start
    spec = parsed.spec
    assert spec is not None and not parsed.diagnostics, parsed.diagnostics[:3]
    names = frozenset({spec.process.name.text})

    def check() -> list[Any]:
        """The checks as ``check_text`` runs them."""
        ctx = CheckContext(spec, names, parsed.broken_names, syntax_ok=True,
                           source=source.text)
        return list(run_checks(ctx))

    def pipeline() -> Any:
        """What ``procdsl build`` does for the text artifacts, in one piece."""
        unit = check_text("synthetic.proc", data)
        assert unit.spec is not None
        return (emit_dot(unit.spec, lang="en"), emit_markdown(unit.spec, lang="en"),
                emit_python(unit.spec, lang="en"))

    def parse_gc_off() -> Any:
        gc.disable()
        try:
            return parse_source(source)
        finally:
            gc.enable()

    return {"regex": lambda: regex_pass(text),
            "lark": lambda: all(lark.parse(b) for b in blocks),
            "parse": lambda: parse_source(source), "parse_gc_off": parse_gc_off,
            "check": check, "dot": lambda: emit_dot(spec, lang="en"),
            "markdown": lambda: emit_markdown(spec, lang="en"),
            "python": lambda: emit_python(spec, lang="en"), "pipeline": pipeline}, first_parse


def child(size: int, smoke: bool) -> None:
    """Measure every phase at one size; print one JSON line per measurement.

    The checks run last: if a check is slow on huge specs the time limit cuts it off
    after everything else has been measured.  Above ``FULL_MEMORY`` steps tracemalloc
    is skipped (it makes Python 2-3x slower); the process's peak RSS is printed instead.
    """
    from procdsl.process import batch_collector

    batch_collector()  # as the procdsl command sets it for every run
    text = synthetic_spec(size)
    print(json.dumps({"size": size, "lines": text.count("\n"), "bytes": len(text.encode())}),
          flush=True)
    phases, first_parse = _phases(text)
    repeats = 1 if smoke else 5 if size <= 100 else 3
    for name in [p for p in PHASES if p != "check"
                 and (p != "pipeline" or size <= PIPELINE_MAX)]:
        # Above 1,000 steps the parses run once (the parse done above is the "parse"
        # figure); the quicker phases still take the median of three: one run is noisy.
        big = size > 1_000 and name in ("lark", "parse", "parse_gc_off", "pipeline")
        once = name == "parse" and (repeats == 1 or big)
        seconds = first_parse if once else median_time(phases[name], 1 if big else repeats)
        print(json.dumps({"phase": name, "seconds": seconds}), flush=True)
    print(json.dumps({"rss": _peak_rss()}), flush=True)
    if size <= FULL_MEMORY:
        for name in PHASES:
            if name not in ("parse_gc_off", "check", "pipeline"):
                print(json.dumps({"phase": name, "peak": peak_memory(phases[name])}),
                      flush=True)
    problems = phases["check"]()
    print(json.dumps({"phase": "check", "seconds": median_time(phases["check"], repeats)}),
          flush=True)
    print(json.dumps({"problems": len(problems)}), flush=True)
    if size <= FULL_MEMORY:
        print(json.dumps({"phase": "check", "peak": peak_memory(phases["check"])}), flush=True)


def _peak_rss() -> int:
    """Return the peak resident memory of this process in bytes (0 when unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _run_child(size: int, limit: float, smoke: bool) -> dict[str, Any]:
    """Run one size in a child process; return what it measured before finishing or timing out."""
    cmd = [sys.executable, __file__, "--size", str(size)] + (["--smoke"] if smoke else [])
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=False)
        out, err, timed_out = done.stdout, done.stderr, False
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err, timed_out = "", True
    result: dict[str, Any] = {"size": size, "seconds": {}, "peak": {}, "timed_out": timed_out,
                              "wall": time.perf_counter() - start, "limit": limit}
    for line in out.splitlines():
        row = json.loads(line)
        if "phase" in row:
            key = "seconds" if "seconds" in row else "peak"
            result[key][row["phase"]] = row[key]
        else:
            result.update(row)
    if not timed_out and "problems" not in result:
        raise SystemExit(f"compiler benchmark at {size} steps failed:\n{err}")
    return result


def run(smoke: bool) -> str:
    """Run the compiler section; return its tables as Markdown."""
    deadline = time.perf_counter() + SECTION_BUDGET_S
    results = []
    for n in SMOKE_SIZES if smoke else FULL_SIZES:
        results.append(_run_child(n, max(30.0, deadline - time.perf_counter()), smoke))
    return (_time_table(results) + "\n" + _ratio_table(results) + "\n" + _step_table(results)
            + "\n" + _memory_table(results) + "\n" + _notes(results) + "\n"
            + one_line_table(smoke))


def _fmt(result: dict[str, Any], phase: str) -> str:
    value = result["seconds"].get(phase)
    if value is None:
        return "stopped (time budget)" if result["timed_out"] else "n/a"
    return f"{value * 1000:.1f} ms" if value < 10 else f"{value:.1f} s"


def _time_table(results: list[dict[str, Any]]) -> str:
    rows = [[f"{r['size']:,}", f"{r.get('lines', 0):,}"] + [_fmt(r, p) for p in PHASES]
            for r in results]
    return table("compiler: wall time of each phase (median)",
                 ["steps", "lines", *PHASES], rows)


def _ratio_table(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        s = r["seconds"]
        base = s.get("regex")
        cells = [f"{s[p] / base:.0f}x" if base and p in s else "n/a" for p in PHASES[1:]]
        total = sum(s[p] for p in TEXT_PIPELINE) if all(p in s for p in TEXT_PIPELINE) else None
        lark = s.get("lark")
        summed = f"{total / lark:.2f}x" if total and lark else "n/a"
        whole = f"{s['pipeline'] / lark:.2f}x" if "pipeline" in s and lark else "n/a"
        rows.append([f"{r['size']:,}", *cells, summed, whole])
    return table("compiler: each phase as a multiple of one regex pass over the same text; "
                 "parse+check+DOT+Markdown+Python vs the bare Lark parse (the sum of the "
                 "phases, and the one-piece `pipeline` run: `check_text` as `procdsl build` "
                 "calls it, then the three text emitters)",
                 ["steps", *PHASES[1:], "phases summed / bare Lark",
                  "pipeline / bare Lark"], rows)


def _step_table(results: list[dict[str, Any]]) -> str:
    ref = next((r for r in results if r["size"] == 1_000), results[0])
    rows = []
    for r in results:
        s = r["seconds"]
        cells = []
        for p in ("lark", "parse", "parse_gc_off", "check", "dot", "markdown", "python",
                  "pipeline"):
            if p not in s:
                cells.append("n/a")
                continue
            per = s[p] / r["size"]
            base = ref["seconds"].get(p)
            growth = f" ({per / (base / ref['size']):.2f}x)" if base else ""
            cells.append(f"{per * 1e6:.0f} µs{growth}")
        rows.append([f"{r['size']:,}", *cells])
    return table(f"compiler: time per step (in brackets: vs the {ref['size']:,}-step spec; "
                 "1.00x is linear)", ["steps", "lark", "parse", "parse (GC off)", "check",
                                      "dot", "markdown", "python", "pipeline"], rows)


def _memory_table(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        cells = [human_bytes(r["peak"][p]) if p in r["peak"] else "not measured"
                 for p in MEMORY_PHASES]
        per_step = r["peak"].get("parse")
        rss = r.get("rss")
        rows.append([f"{r['size']:,}", *cells,
                     human_bytes(per_step / r["size"]) if per_step else "n/a",
                     human_bytes(rss) if rss else "n/a"])
    return table("compiler: peak memory of each phase (tracemalloc; above "
                 f"{FULL_MEMORY:,} steps only the whole process's peak RSS)",
                 ["steps", *MEMORY_PHASES, "parse per step",
                  "process peak RSS"], rows)


# The fuzzer's worst case, a spec of one-line steps: up to the limit of definitions one
# spec may hold (parser.MAX_DEFINITIONS), and past it (refused at once, PD006).
ONE_LINE_SIZES = (50_000, 99_000, 200_000)


def one_line_spec(n: int) -> str:
    """Return a valid spec of n one-line steps in a chain (``step sK by rJ, then sK+1``)."""
    lines = ['process chain "A chain of one-line steps"', "  version 1", "  owner ops",
             "  lang en", "", "roles", "  r1", "  r2", ""]
    lines += [f"step s{i} by r{i % 2 + 1}, then {f's{i + 1}' if i + 1 < n else 'done'}"
              for i in range(n)]
    return "\n".join([*lines, "end done success", ""])


def one_line_child(size: int) -> None:
    """Check a spec of one-line steps as ``procdsl check`` does; print time and peak RSS."""
    from procdsl.compiler import check_text
    from procdsl.process import batch_collector

    batch_collector()
    data = one_line_spec(size).encode("utf-8")
    start = time.process_time()
    unit = check_text("chain.proc", data)
    seconds = time.process_time() - start
    refused = [d.code for d in unit.diagnostics] == ["PD006"]
    assert refused or (unit.spec is not None and not unit.diagnostics), unit.diagnostics[:3]
    print(json.dumps({"size": size, "cpu": seconds, "rss": _peak_rss(), "refused": refused}),
          flush=True)


def one_line_table(smoke: bool) -> str:
    """Time ``check`` on specs of one-line steps (each size in a fresh process)."""
    rows = []
    for size in (1_000, 5_000) if smoke else ONE_LINE_SIZES:
        done = subprocess.run([sys.executable, __file__, "--one-line", str(size)],
                              capture_output=True, text=True, timeout=600, check=True)
        row = json.loads(done.stdout.splitlines()[-1])
        rows.append([f"{size:,}", "refused (PD006)" if row["refused"] else "checked",
                     f"{row['cpu']:.1f} s", f"{row['cpu'] / size * 1e6:.0f} µs",
                     human_bytes(row["rss"]), human_bytes(row["rss"] // size)])
    return table("`check` on a chain of one-line steps (CPU time, fresh process each)",
                 ["one-line steps", "result", "check CPU", "per step", "peak RSS",
                  "RSS per step"], rows)


def _notes(results: list[dict[str, Any]]) -> str:
    lines = [f"- {r['size']:,} steps: child took {r['wall']:.1f} s"
             + (f", stopped at its {r['limit']:.0f} s share of the time budget"
                if r["timed_out"] else "")
             + f"; the checks found {r.get('problems', '?')} problems" for r in results]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--size":
        child(int(sys.argv[2]), "--smoke" in sys.argv)
    elif len(sys.argv) >= 3 and sys.argv[1] == "--one-line":
        one_line_child(int(sys.argv[2]))
    else:
        print(run("--smoke" in sys.argv))
