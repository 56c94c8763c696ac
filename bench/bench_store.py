"""Store section: durable actions per second on SQLite and PostgreSQL, 1, 2 and 4 workers,
beside the floor (raw sqlite3 / psycopg running the same SQL writes, one transaction
per action, without procdsl).

``python bench/bench_store.py [--smoke] [--pg URL]``.  Each worker process drives its
own cases through bench/specs/chain20.proc (20 approvals, role checks, ``not by
requester``, a guard, audit on), one ``store.act`` per approval: read the case, load the
snapshot, act, write snapshot + audit record + work items + timer row, commit.  The
floor does the same reads and writes with a precomputed snapshot of the same size.
The peer (SQLite rows; when SpiffWorkflow 3 is installed) runs the same 20-step chain as
BPMN user tasks, its serializer's JSON in a SQLite table, one transaction per step (it
checks no roles and evaluates no guard).
SQLite runs with ``synchronous=FULL`` (every commit reaches the disk) and ``NORMAL``;
PostgreSQL with its defaults (``fsync``, ``synchronous_commit`` on).  Without ``--pg``
(or ``PROCDSL_TEST_PG``) a throw-away cluster is started with ``.ci/postgres.sh``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import REPO, SPECS, import_file, table  # noqa: E402

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
WORKER_COUNTS = (1, 2, 4)


def chain_module(folder: Path) -> Path:
    """Generate bench/specs/chain20.proc's module into folder; return its path."""
    out = folder / "bench_store_chain20.py"
    if not out.exists():
        subprocess.run([sys.executable, "-m", "procdsl", "codegen", str(SPECS / "chain20.proc"),
                        "-o", str(out)], check=True, cwd=REPO)
    return out


def _procdsl_worker(url: str, module_path: str, cases: int, seed: int,
                    ready: Any, go: Any, out: Any) -> None:
    from procdsl.runtime import Actor
    from procdsl.store import open_store

    module = import_file(Path(module_path), "bench_store_chain20")
    requester = Actor.of(f"req{seed}")
    approvers = [Actor.of(f"a{seed}-{n}", f"r{n}") for n in range(1, 21)]
    with open_store(url) as store:
        store.register(module)
        ids = [store.start(module.WORKFLOW, requester, {"amount": Decimal(100)}, NOW).id
               for _ in range(cases)]
        ready.put(1)
        go.wait()
        start = time.perf_counter()
        for n in range(20):
            for cid in ids:
                store.act(cid, f"s{n + 1}", "approve", approvers[n], NOW)
        out.put((cases * 20, time.perf_counter() - start))


def _floor_worker(url: str, snapshot: str, cases: int, seed: int, ready: Any, go: Any,
                  out: Any) -> None:
    """The same SQL the store runs per action, with a fixed snapshot: the floor."""
    from procdsl.store import digest, open_store

    store = open_store(url)  # the schema; then the raw connection alone
    db = store.db
    sql: Callable[[str], str] = getattr(db, "sql", lambda s: s)
    conn: Any = db.conn
    pg = db.dialect == "postgresql"
    check = digest(snapshot)
    t = db.time_in(NOW)
    ids = []
    for _ in range(cases):
        with db.transaction() as tx:
            rows = tx.query("INSERT INTO cases (process, version, rev, snapshot, digest, requester, "
                            "state, steps, outcome, due, started, updated) VALUES "
                            "('floor', '1', 1, ?, ?, ?, 'active', 's1', NULL, NULL, ?, ?) RETURNING id",
                            (snapshot, check, f"req{seed}", t, t))
            ids.append(int(rows[0][0]))
    q_read = sql("SELECT c.id, c.process, c.version, c.rev, c.snapshot, c.digest FROM cases c "
                 "WHERE c.id = ?")
    q_update = sql("UPDATE cases SET rev = ?, snapshot = ?, digest = ?, state = ?, steps = ?, "
                   "outcome = ?, due = ?, updated = ? WHERE id = ? AND rev = ?")
    q_audit = sql("INSERT INTO audit (case_id, seq, actor, roles, step, action, at, data) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    q_del = sql("DELETE FROM work_items WHERE case_id = ?")
    q_item = sql("INSERT INTO work_items (case_id, item, task, role, due) VALUES (?, ?, ?, ?, ?)")
    q_timer = sql("DELETE FROM timers WHERE case_id = ?")
    never = db.time_in(dt.datetime(9999, 12, 31, tzinfo=dt.UTC))
    ready.put(1)
    go.wait()
    start = time.perf_counter()
    for n in range(20):
        for cid in ids:
            rev = int(conn.execute(q_read, (cid,)).fetchone()[3])
            if pg:
                ctx: Any = conn.transaction()
            else:
                conn.execute("BEGIN IMMEDIATE")
                ctx = None
            try:
                if ctx is not None:
                    ctx.__enter__()
                conn.execute(q_update, (rev + 1, snapshot, check, "active", f"s{n + 2}", None, None,
                                        t, cid, rev))
                conn.execute(q_audit, (cid, n + 2, f"a{seed}", '["r1"]', f"s{n + 1}", "approve", t,
                                       None))
                conn.execute(q_del, (cid,))
                conn.execute(q_item, (cid, n + 2, f"s{n + 2}", f"r{n + 2}", never))
                conn.execute(q_timer, (cid,))
            finally:
                if ctx is not None:
                    ctx.__exit__(None, None, None)
                else:
                    conn.execute("COMMIT")
    out.put((cases * 20, time.perf_counter() - start))
    store.close()


def chain_bpmn(steps: int = 20) -> str:
    """Return BPMN XML of the same chain for SpiffWorkflow: start, steps user tasks, end."""
    tasks = "".join(f'<bpmn:userTask id="s{i}" name="Approval {i}"/>' for i in range(1, steps + 1))
    ids = ["start", *(f"s{i}" for i in range(1, steps + 1)), "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
            f'<bpmn:process id="chain20" isExecutable="true"><bpmn:startEvent id="start"/>{tasks}'
            f'<bpmn:endEvent id="end"/>{flows}</bpmn:process></bpmn:definitions>')


def _spiff_worker(path: str, synchronous: str, bpmn_file: str, cases: int, seed: int,
                  ready: Any, go: Any, out: Any) -> None:
    """The peer: SpiffWorkflow 3 runs the chain, its serializer's JSON kept in SQLite, one
    transaction per step (read, deserialize, run the ready task, serialize, write)."""
    import sqlite3

    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(bpmn_file)
    spec = parser.get_spec("chain20")
    serializer = BpmnWorkflowSerializer()
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'full' else 'NORMAL'}")
    conn.execute("CREATE TABLE IF NOT EXISTS spiff (id INTEGER PRIMARY KEY, rev INTEGER, doc TEXT)")
    ids = []
    for _ in range(cases):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        cur = conn.execute("INSERT INTO spiff (rev, doc) VALUES (1, ?)",
                           (serializer.serialize_json(workflow),))
        ids.append(cur.lastrowid)
    ready.put(1)
    go.wait()
    start = time.perf_counter()
    for _ in range(20):
        for cid in ids:
            rev, doc = conn.execute("SELECT rev, doc FROM spiff WHERE id = ?", (cid,)).fetchone()
            workflow = serializer.deserialize_json(doc)
            task = workflow.get_tasks(state=TaskState.READY)[0]
            task.data["amount"] = 100
            task.run()
            workflow.do_engine_steps()
            text = serializer.serialize_json(workflow)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE spiff SET rev = ?, doc = ? WHERE id = ? AND rev = ?",
                         (rev + 1, text, cid, rev))
            conn.execute("COMMIT")
    out.put((cases * 20, time.perf_counter() - start))
    conn.close()


def run(target: Callable[..., None], args: tuple[Any, ...], workers: int) -> float:
    """Return the actions per second workers processes of target reach together."""
    ctx = mp.get_context("fork")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=target, args=(*args, n, ready, go, out))
             for n in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=300)
    wall = time.perf_counter()
    go.set()
    results = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - wall
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a bench worker failed ({p.exitcode})")
    return sum(n for n, _ in results) / wall


def _sample_snapshot(module_path: Path) -> str:
    from procdsl.runtime import Actor

    module = import_file(module_path, "bench_store_chain20")
    case = module.WORKFLOW.start(Actor.of("req"), {"amount": Decimal(100)}, NOW)
    for n in range(10):
        case.act(f"s{n + 1}", "approve", Actor.of(f"a{n}", f"r{n + 1}"), NOW)
    return str(case.to_json())  # mid-chain: the average size an action writes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few cases per worker")
    parser.add_argument("--pg", default=os.environ.get("PROCDSL_TEST_PG"),
                        help="a PostgreSQL URL (default: start a throw-away cluster)")
    parser.add_argument("--cases", type=int, default=None, help="cases per worker")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_store_"))
    module_path = chain_module(tmp)
    snapshot = _sample_snapshot(module_path)
    pg_dir = None
    if not args.pg:
        pg_dir = tmp / "pg"
        started = subprocess.run(["bash", str(REPO / ".ci" / "postgres.sh"), "start", str(pg_dir)],
                                 capture_output=True, text=True, check=True)
        args.pg = started.stdout.strip().splitlines()[-1]
    rows: list[list[object]] = []
    try:
        import SpiffWorkflow  # noqa: F401
        spiff = True
    except ImportError:
        spiff = False
        sys.stderr.write("bench_store: SpiffWorkflow 3 is not installed: no peer column "
                         "(pip install 'SpiffWorkflow>=3,<4')\n")
    bpmn_file = tmp / "chain20.bpmn"
    bpmn_file.write_text(chain_bpmn(), encoding="utf-8")
    try:
        import psycopg

        backends = [("SQLite, synchronous=FULL", "full"), ("SQLite, synchronous=NORMAL", "normal"),
                    ("PostgreSQL", "pg")]
        for label, kind in backends:
            cases = args.cases or (3 if args.smoke else (15 if kind == "full" else 40))
            for workers in WORKER_COUNTS:
                figures = []
                for what in ("procdsl", "floor"):
                    if kind == "pg":
                        schema = f"bench_{what}_{workers}_{os.getpid()}"
                        with psycopg.connect(args.pg, autocommit=True) as admin:
                            admin.execute(psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE; "
                                                          "CREATE SCHEMA {}").format(
                                psycopg.sql.Identifier(schema), psycopg.sql.Identifier(schema)))
                        sep = "&" if "?" in args.pg else "?"
                        url = f"{args.pg}{sep}options=-csearch_path%3D{schema}"
                    else:
                        url = f"sqlite:///{tmp / f'{what}_{kind}_{workers}.db'}?synchronous={kind}"
                    from procdsl.store import open_store

                    open_store(url).close()  # migrate once, before the workers race
                    if what == "procdsl":
                        figures.append(run(_procdsl_worker, (url, str(module_path), cases), workers))
                    else:
                        figures.append(run(_floor_worker, (url, snapshot, cases), workers))
                peer: object = "-"
                if kind != "pg" and spiff:
                    peer = run(_spiff_worker, (str(tmp / f"spiff_{kind}_{workers}.db"), kind,
                                               str(bpmn_file), cases), workers)
                rows.append([label, workers, figures[0], figures[1], f"{figures[1] / figures[0]:.2f}x",
                             peer, f"{figures[0] / peer:.1f}x" if isinstance(peer, float) else "-"])
    finally:
        if pg_dir is not None:
            subprocess.run(["bash", str(REPO / ".ci" / "postgres.sh"), "stop", str(pg_dir)],
                           check=False)
    sys.stdout.write(table("Store: durable actions per second (chain20, one transaction each)",
                           ["backend", "workers", "procdsl actions/s", "floor actions/s",
                            "overhead (floor/procdsl)", "SpiffWorkflow 3 actions/s",
                            "procdsl/SpiffWorkflow"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
