"""What the store tests share: a real PostgreSQL, store URLs for both backends, the
generated workflow they run, a driver process for the concurrency and crash tests, and
the consistency check every one of those ends with.

PostgreSQL: ``PROCDSL_TEST_PG`` (a libpq URL, as ``.ci/postgres.sh`` exports it) or,
when unset, a throw-away cluster this module starts with the same script (installing
PostgreSQL from Debian when missing) and stops when the tests end.  Each test gets its
own schema.  ``python -m tests.conftest_store drive ...`` is the driver process.
"""

from __future__ import annotations

import atexit
import datetime as dt
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from procdsl.runtime import Actor, Refused
from procdsl.store import Conflict, Store, next_timer, open_store
from procdsl.store.core import item_roles

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "postgres.sh"
GENERATED = ROOT / "generated" / "expense_reimbursement.py"  # read only: copied to a temp dir
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)           # a Monday, before office hours
SPEED = 172_800.0                                            # simulated seconds per second (2 days)

_PG: dict[str, str] = {}


def pg_url() -> str:
    """Return a libpq URL of a PostgreSQL for the tests (starting one the first time)."""
    if "url" not in _PG:
        url = os.environ.get("PROCDSL_TEST_PG")
        if not url:
            folder = tempfile.mkdtemp(prefix="procdsl-pg.")
            done = subprocess.run(["bash", str(SCRIPT), "start", folder], capture_output=True,
                                  text=True, timeout=600)
            if done.returncode != 0:
                subprocess.run(["bash", str(SCRIPT), "stop", folder], timeout=120)
                raise RuntimeError(f"could not start PostgreSQL: {done.stderr}")
            url = done.stdout.strip().splitlines()[-1]
            atexit.register(subprocess.run, ["bash", str(SCRIPT), "stop", folder], timeout=120)
        _PG["url"] = url
    return _PG["url"]


def with_schema(url: str, schema: str) -> str:
    """Return url with search_path set to schema (a libpq ``options`` parameter)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def fresh_url(backend: str, tmp: Path) -> Iterator[str]:
    """Yield the URL of an empty store on backend; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'cases.db'}?synchronous=normal"
        return
    import psycopg

    base = pg_url()
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("CREATE SCHEMA {}").format(psycopg.sql.Identifier(schema)))
    try:
        yield with_schema(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(
                psycopg.sql.Identifier(schema)))


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store, once per backend."""
    yield from fresh_url(request.param, tmp_path)


@pytest.fixture
def store(store_url: str, expense: ModuleType) -> Iterator[Store]:
    with open_store(store_url) as opened:
        opened.register(expense)
        yield opened


# ---------------------------------------------------------------- the workflow
_MODULES: dict[str, ModuleType] = {}
_DIR = Path(tempfile.mkdtemp(prefix="procdsl_store_mods_"))
atexit.register(shutil.rmtree, _DIR, True)


def expense_path(version: str = "1.0") -> Path:
    """Return a copy of the generated expense module at version (2.0: the same process,
    regenerated with a new version line), written to a temp dir."""
    tag = version.replace(".", "_")
    path = _DIR / f"expense_v{tag}.py"
    if not path.exists():
        source = GENERATED.read_text(encoding="utf-8")
        assert "version='1.0'" in source
        path.write_text(source.replace("version='1.0'", f"version={version!r}"), encoding="utf-8")
    return path


def expense_module(version: str = "1.0") -> ModuleType:
    """Return the generated expense module at version, imported."""
    if version not in _MODULES:
        path = expense_path(version)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        _MODULES[version] = module
    return _MODULES[version]


@pytest.fixture
def expense() -> ModuleType:
    return expense_module("1.0")


EMPLOYEES = [Actor.of(f"e{i}", "employee") for i in range(1, 6)]
STAFF = [Actor.of("lm1", "line_manager"), Actor.of("lm2", "line_manager", "employee"),
         Actor.of("dh1", "department_head"), Actor.of("cfo1", "cfo"),
         Actor.of("fc1", "finance_clerk"), Actor.of("fc2", "finance_clerk"),
         Actor.of("a1", "auditors"), Actor.of("a2", "auditors"), Actor.of("a3", "auditors"),
         Actor.of("p1", "payroll")]
ACTORS = EMPLOYEES + STAFF


def start_cases(store: Store, count: int, seed: int = 1, *, submit: bool = False) -> list[int]:
    """Start count expense claims of random amounts at T0 (submitted, with submit: their
    approval timers run from T0); return their ids."""
    rng = random.Random(seed)
    ids = []
    for n in range(count):
        data = {"amount": rng.choice([120, 800, 7000]),
                "category": rng.choice(["travel", "meals", "other"])}
        case_id = store.start(expense_module().WORKFLOW, EMPLOYEES[n % 5], data, T0).id
        if submit:
            store.act(case_id, "submit_claim", "complete", EMPLOYEES[n % 5], T0)
        ids.append(case_id)
    return ids


# ---------------------------------------------------------------- driver processes
def sim_now(wall0: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=(time.time() - wall0) * SPEED)


def drive(url: str, module_path: str, seconds: float, seed: int, wall0: float, count: int,
          out: str) -> None:
    """Act at random on cases 1..count (many on a few hot ones, to conflict) and tick,
    until seconds have passed; write what was accepted to out (JSON)."""
    rng = random.Random(seed)
    spec = importlib.util.spec_from_file_location(Path(module_path).stem, module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    accepted: list[list[Any]] = []
    counts = {"ok": 0, "conflict": 0, "refused": 0, "idle": 0, "ticked": 0, "events": 0}
    end = time.time() + seconds
    with open_store(url) as store:
        store.register(module)
        ids = [row.id for row in store.cases(limit=count)]
        while time.time() < end:
            if rng.random() < 0.2:
                report = store.tick_due(sim_now(wall0), 10)
                counts["ticked"] += report.cases
                counts["events"] += report.events
                continue
            hot = rng.random() < 0.5
            case_id = rng.choice(ids[:4] if hot else ids)
            stored = store.get(case_id)
            if hot:
                time.sleep(0.002)  # a user reading the form: others act meanwhile
            choices = [(a, s) for a in rng.sample(ACTORS, 4)
                       for s in stored.case.allowed_actions(a)]
            if not choices:
                counts["idle"] += 1
                continue
            actor, allowed = rng.choice(choices)
            data = None
            if allowed.step == "finance_audit":
                data = {"receipts_complete": rng.random() < 0.7, "policy_breach": rng.random() < 0.3}
            try:
                result = store.act(case_id, allowed.step, allowed.action, actor, sim_now(wall0),
                                   data, item=allowed.item,
                                   rev=stored.rev if hot or rng.random() < 0.5 else None)
            except Conflict:
                counts["conflict"] += 1
                continue
            except Refused:
                counts["refused"] += 1
                continue
            counts["ok"] += 1
            record = result.case.history[-1]
            accepted.append([case_id, record.seq, record.actor, record.step, record.action])
    Path(out).write_text(json.dumps({"accepted": accepted, "counts": counts}), encoding="utf-8")


def spawn_driver(url: str, seconds: float, seed: int, wall0: float, count: int,
                 out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.conftest_store", "drive", url, str(expense_path()),
         str(seconds), str(seed), repr(wall0), str(count), str(out)], cwd=ROOT)


# ---------------------------------------------------------------- consistency
def _without_timer_flags(snapshot: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(snapshot)
    doc.pop("reminders")
    doc.pop("breached")
    for work in doc["items"]:
        work.pop("reminders")
        work.pop("breached")
    return doc


def check_consistent(store: Store, *, drained_at: dt.datetime | None = None) -> dict[str, int]:
    """Assert that every case's tables agree with its snapshot and its audit log replays to
    it; with drained_at, that no timer due by then is left.  Return some totals."""
    db = store.db
    totals = {"cases": 0, "audit": 0}
    rows = db.query("SELECT id FROM cases ORDER BY id")
    for (case_id,) in rows:
        stored = store.get(case_id)
        case = stored.case
        history = [(r.seq, r.actor, tuple(r.roles), r.step, r.action, r.at) for r in case.history]
        audit = [(a.seq, a.actor, a.roles, a.step, a.action, a.at)
                 for a in store.audit(case_id, limit=100_000)]
        assert audit == history, f"case {case_id}: audit log differs from the snapshot's history"
        replayed = store.replay(case_id)
        assert _without_timer_flags(replayed.to_json()) == _without_timer_flags(case.to_json()), \
            f"case {case_id}: the audit log does not replay to the stored snapshot"
        items = sorted(db.query("SELECT item, task, role FROM work_items WHERE case_id = ?",
                                (case_id,)))
        tasks = {t.name: t for t in stored.workflow.definition.tasks}
        expected = sorted((w.id, w.task, role) for w in case.items.values()
                          for role in item_roles(tasks, case, w))
        assert items == expected, f"case {case_id}: work items differ"
        timer = db.query("SELECT due FROM timers WHERE case_id = ?", (case_id,))
        due = next_timer(case)
        assert [db.time_out(t[0]) for t in timer] == ([due] if due else []), case_id
        if drained_at is not None:
            assert due is None or due > drained_at, f"case {case_id}: a due timer was not fired"
        totals["cases"] += 1
        totals["audit"] += len(audit)
    duplicates = db.query("SELECT case_id, kind, step, at, detail, COUNT(*) FROM outbox "
                          "GROUP BY case_id, kind, step, at, detail HAVING COUNT(*) > 1")
    assert not duplicates, f"events fired more than once: {duplicates[:5]}"
    return totals


def drain(store: Store, now: dt.datetime) -> int:
    """Tick until nothing is due by now; return the cases ticked."""
    total = 0
    while True:
        report = store.tick_due(now, 500)
        total += report.cases
        if report.cases == 0:
            return total


if __name__ == "__main__":  # python -m tests.conftest_store drive URL MODULE SECONDS SEED WALL0 N OUT
    _, command, *rest = sys.argv
    assert command == "drive", command
    drive(rest[0], rest[1], float(rest[2]), int(rest[3]), float(rest[4]), int(rest[5]), rest[6])
