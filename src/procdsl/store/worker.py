"""``procdsl worker``: tick due cases in a loop until SIGTERM or SIGINT.

Any number of workers may run against one database: each ``tick_due`` claims its cases
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer at a time), so every
reminder and breach fires once.  A signal lets the current batch commit, then the
worker closes the store and returns 0.  The CLI registers ``main`` as a command;
``python -m procdsl.store.worker`` runs it too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.util
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType, ModuleType

from .core import Store, open_store

log = logging.getLogger("procdsl.worker")


def load_module(name: str) -> ModuleType:
    """Return a generated module by file path (``app/expense.py``) or dotted name."""
    path = Path(name)
    if name.endswith(".py") or path.exists():
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {name}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(name)


def run(store: Store, stop: threading.Event, *, interval: float = 1.0, batch: int = 100,
        clock: Callable[[], dt.datetime] | None = None, once: bool = False) -> int:
    """Tick due cases until stop is set (or, with once, until none is due); return how
    many cases were ticked."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    total = 0
    while not stop.is_set():
        report = store.tick_due(now(), batch)
        total += report.cases
        for case_id, why in report.skipped:
            log.warning("case %s skipped: %s", case_id, why)
        if report.cases:
            log.info("ticked %d cases, %d events", report.cases, report.events)
        if report.cases + len(report.skipped) >= batch:
            continue  # more may be due: no pause
        if once:
            break
        stop.wait(interval)
    return total


def main(argv: Sequence[str] | None = None) -> int:
    """Run the worker command line; return its exit code."""
    parser = argparse.ArgumentParser(
        prog="procdsl worker",
        description="Tick the cases whose reminders and deadlines are due, until SIGTERM or "
                    "SIGINT; events go to the outbox table.")
    parser.add_argument("--db", required=True, help="store URL: sqlite:///FILE or postgresql://...")
    parser.add_argument("--module", "-m", action="append", default=[], metavar="MODULE",
                        help="a generated module (file or dotted name) whose WORKFLOW to "
                             "register; repeat for each process and version")
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds to wait when nothing is due (default 1)")
    parser.add_argument("--batch", type=int, default=100, help="cases per transaction (default 100)")
    parser.add_argument("--once", action="store_true", help="stop when nothing is due")
    parser.add_argument("--verbose", "-v", action="store_true", help="log every batch")
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="procdsl worker: %(message)s")
    if not args.module:
        log.error("give the generated modules of the processes to tick (--module)")
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current batch", signum)
        stop.set()

    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with open_store(args.db) as store:
            for name in args.module:
                wf = store.register(load_module(name))
                log.info("registered %s version %s", wf.name, wf.version)
            total = run(store, stop, interval=args.interval, batch=args.batch, once=args.once)
            log.info("stopped after ticking %d cases", total)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
