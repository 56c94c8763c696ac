"""Start-up section: how long a fresh ``procdsl`` process takes, against importing lark+click.

Each command runs in a new process; the table shows the median wall time of several
runs.  ``procdsl check`` runs on a small spec with the grammar cache cold (an empty
cache folder every run) and warm (the folder kept between runs).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import BENCH, SPECS, table

SMALL_SPEC = SPECS / "chain20.proc"


def _procdsl() -> list[str]:
    found = shutil.which("procdsl")
    return [found] if found else [sys.executable, "-m", "procdsl"]


def _wall(cmd: list[str], runs: int, env: dict[str, str], fresh_cache: bool) -> float:
    """Return the median wall time of cmd over runs (each in a new process)."""
    times = []
    for _ in range(runs):
        run_env = dict(env)
        if fresh_cache:
            run_env["PROCDSL_CACHE_DIR"] = tempfile.mkdtemp(prefix="procdsl-cold-")
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, env=run_env, check=False)
        times.append(time.perf_counter() - start)
        if fresh_cache:
            shutil.rmtree(run_env["PROCDSL_CACHE_DIR"], ignore_errors=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr.decode()}")
    return statistics.median(times)


def run(smoke: bool) -> str:
    """Run the start-up section; return its table as Markdown."""
    runs = 3 if smoke else 11
    warm = tempfile.mkdtemp(prefix="procdsl-warm-")
    env = dict(os.environ, PROCDSL_CACHE_DIR=warm)
    py = sys.executable
    spec = str(SMALL_SPEC)
    cases = [
        ("python -c pass (interpreter alone)", [py, "-c", "pass"], False),
        ("python -c 'import lark, click' (the yardstick)", [py, "-c", "import lark, click"],
         False),
        ("procdsl --version", [*_procdsl(), "--version"], False),
        ("procdsl check chain20.proc", [*_procdsl(), "check", spec], False),
        ("procdsl check, grammar cache patch, cold cache",
         [py, str(BENCH / "cached_cli.py"), "check", spec], True),
        ("procdsl check, grammar cache patch, warm cache",
         [py, str(BENCH / "cached_cli.py"), "check", spec], False),
    ]
    _wall(cases[-1][1], 1, env, False)  # fill the warm cache
    times = {label: _wall(cmd, runs, env, cold) for label, cmd, cold in cases}
    shutil.rmtree(warm, ignore_errors=True)
    base = times[cases[1][0]]
    rows = [[label, f"{t * 1000:.0f} ms", f"{t / base:.2f}x"] for label, t in times.items()]
    return table(f"startup: wall time of a new process (median of {runs})",
                 ["command", "wall time", "vs import lark, click"], rows)
