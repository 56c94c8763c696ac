"""Start-up section: how long a fresh ``procdsl`` process takes, against importing lark+click.

Each command runs in a new process; the table shows the median wall time of several
runs.  ``procdsl check`` runs on a small spec with the grammar cache warm (the folder
kept between runs), cold (an empty cache folder every run) and turned off.  procdsl's
modules are byte-compiled first, as installing a wheel does (with
``PYTHONDONTWRITEBYTECODE`` set, an editable checkout would otherwise recompile every
module in every process, which the yardstick's installed packages never do).
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import SPECS, table

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
    off = dict(env, PROCDSL_CACHE_DIR="off")
    cases = [
        ("python -c pass (interpreter alone)", [py, "-c", "pass"], False, env),
        ("python -c 'import lark, click' (the yardstick)", [py, "-c", "import lark, click"],
         False, env),
        ("procdsl --version", [*_procdsl(), "--version"], False, env),
        ("procdsl check chain20.proc (grammar cache warm)", [*_procdsl(), "check", spec], False,
         env),
        ("procdsl check, cold cache (tables built and saved)", [*_procdsl(), "check", spec],
         True, env),
        ("procdsl check, cache off (PROCDSL_CACHE_DIR=off)", [*_procdsl(), "check", spec],
         False, off),
    ]
    import procdsl

    compileall.compile_dir(os.path.dirname(procdsl.__file__), quiet=1)  # as pip install does
    _wall(cases[3][1], 1, env, False)  # fill the warm cache
    times = {label: _wall(cmd, runs, run_env, cold) for label, cmd, cold, run_env in cases}
    shutil.rmtree(warm, ignore_errors=True)
    base = times[cases[1][0]]
    rows = [[label, f"{t * 1000:.0f} ms", f"{t / base:.2f}x"] for label, t in times.items()]
    return table(f"startup: wall time of a new process (median of {runs})",
                 ["command", "wall time", "vs import lark, click"], rows)
