"""Run the procdsl benchmarks and print Markdown tables: ``python bench/run.py``.

``--smoke`` runs a seconds-long size (what CI runs); ``--only SECTION`` runs one of
runtime, compiler, startup, layout.  Every ratio is measured in the same run; nothing
here compares against fixed numbers.  See docs/performance.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SECTIONS = ("runtime", "compiler", "startup", "layout")


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return (f"machine: {os.cpu_count()} CPUs, {model}; Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()}")


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the chosen sections and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, seconds long")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable)")
    args = parser.parse_args(argv)
    chosen = args.only or list(SECTIONS)
    print(f"# procdsl benchmarks ({'smoke' if args.smoke else 'full'} size)\n")
    print(_machine() + "\n", flush=True)
    total = time.perf_counter()
    for name in SECTIONS:
        if name not in chosen:
            continue
        start = time.perf_counter()
        module = __import__(f"bench_{name}")
        print(f"## {name}\n", flush=True)
        print(module.run(args.smoke), flush=True)
        print(f"({name} took {time.perf_counter() - start:.1f} s)\n", flush=True)
    print(f"total: {time.perf_counter() - total:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
