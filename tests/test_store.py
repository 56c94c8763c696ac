"""The case store on SQLite and on a real PostgreSQL: lifecycle, conflicts, refusals that
write nothing, bad input, versions, the inbox, case queries, timers and the outbox."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from procdsl.runtime import Actor, Refused, SnapshotError
from procdsl.store import (
    SCHEMA_VERSION,
    CaseNotFound,
    Conflict,
    Store,
    VersionNotRegistered,
    open_store,
)

from . import conftest_store as fx
from .conftest_store import EMPLOYEES, T0, check_consistent, expense_module, start_cases

expense, store, store_url = fx.expense, fx.store, fx.store_url  # the fixtures

EMP = Actor.of("e1", "employee")
LM = Actor.of("lm1", "line_manager")
LM2 = Actor.of("lm2", "line_manager")
DH = Actor.of("dh1", "department_head")
CLERK = Actor.of("fc1", "finance_clerk")
PAYROLL = Actor.of("p1", "payroll")
HOUR = dt.timedelta(hours=1)


def counts(store: Store) -> dict[str, int]:
    return {t: int(store.db.query(f"SELECT COUNT(*) FROM {t}")[0][0])  # fixed table names
            for t in ("cases", "audit", "work_items", "timers", "outbox")}


def snapshot_of(store: Store, case_id: int) -> tuple[Any, ...]:
    return tuple(store.db.query("SELECT rev, snapshot, digest FROM cases WHERE id = ?",
                                (case_id,))[0])


def test_lifecycle_to_payment(store: Store, expense: ModuleType) -> None:
    started = store.start(expense.WORKFLOW, EMP, {"amount": 120, "category": "meals"}, T0)
    assert started.rev == 1 and started.case.active == ("submit_claim",)
    cid = started.id
    now = T0 + HOUR
    assert store.act(cid, "submit_claim", "complete", EMP, now).case.active == ("manager_approval",)
    assert store.act(cid, "manager_approval", "approve", LM, now + HOUR).rev == 3
    done = store.act(cid, "finance_audit", "complete", CLERK, now + 2 * HOUR,
                     {"receipts_complete": True})
    assert done.case.active == ("payment",)
    store.act(cid, "payment", "complete", PAYROLL, now + 3 * HOUR)
    final = store.act(cid, "book_expense", "complete", CLERK, now + 4 * HOUR)
    assert final.case.outcome == "paid" and final.rev == 6
    row = store.cases(process="expense_reimbursement")[0]
    assert (row.state, row.outcome, row.steps, row.rev) == ("done", "paid", (), 6)
    assert [a.action for a in store.audit(cid)] == ["start", "complete", "approve", "complete",
                                                     "complete", "complete"]
    assert store.audit(cid)[3].data == {"receipts_complete": True}
    assert store.audit(actor="lm1")[0].step == "manager_approval"
    assert len(store.audit(since=now + HOUR, until=now + 3 * HOUR)) == 2
    kinds = [e.kind for e in store.outbox()]
    assert "notify" in kinds  # payment: notify employee on leave
    assert store.delivered([e.id for e in store.outbox()]) == len(kinds)
    assert store.outbox() == []
    assert counts(store)["work_items"] == 0 and counts(store)["timers"] == 0
    check_consistent(store)


def test_process_actions_and_data_replay(store: Store, expense: ModuleType) -> None:
    cid = store.start(expense.WORKFLOW, EMP, {"amount": 800}, T0).id
    store.act(cid, None, "add_receipts", EMP, T0 + HOUR)
    withdrawn = store.act(cid, None, "withdraw", EMP, T0 + 2 * HOUR)
    assert withdrawn.case.outcome == "withdrawn"
    assert store.replay(cid).to_json() == withdrawn.case.to_json()


def test_conflict_between_two_connections(store_url: str, expense: ModuleType) -> None:
    with open_store(store_url) as one, open_store(store_url) as two:
        one.register(expense)
        two.register(expense)
        cid = one.start(expense.WORKFLOW, EMP, {"amount": 120}, T0).id
        one.act(cid, "submit_claim", "complete", EMP, T0)
        seen_one, seen_two = one.get(cid), two.get(cid)
        assert seen_one.rev == seen_two.rev == 2
        one.act(cid, "manager_approval", "approve", LM, T0 + HOUR, rev=seen_one.rev)
        before = counts(two)
        with pytest.raises(Conflict, match="retry"):
            two.act(cid, "manager_approval", "reject", LM2, T0 + HOUR, rev=seen_two.rev)
        assert counts(two) == before
        # Retrying reads the new state: the approval is decided, so the runtime refuses.
        with pytest.raises(Refused):
            two.act(cid, "manager_approval", "reject", LM2, T0 + HOUR)
        check_consistent(one)


def test_racing_threads_one_wins(store_url: str, expense: ModuleType) -> None:
    """Two actors press the button at once, each on its own connection: exactly one
    action is recorded; the other gets Conflict (or, having read after the winner's
    commit, Refused)."""
    with open_store(store_url) as setup:
        setup.register(expense)
        ids = start_cases(setup, 6)
        for cid in ids:
            setup.act(cid, "submit_claim", "complete", EMPLOYEES[(cid - ids[0]) % 5], T0)
    for cid in ids:
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def press(who: Actor, action: str, case_id: int = cid, gate: Any = barrier,
                  out: list[str] = outcomes) -> None:
            with open_store(store_url) as mine:
                mine.register(expense)
                seen = mine.get(case_id)
                gate.wait()
                try:
                    mine.act(case_id, "manager_approval", action, who, T0 + HOUR, rev=seen.rev)
                    out.append("ok")
                except Conflict:
                    out.append("conflict")

        threads = [threading.Thread(target=press, args=(LM, "approve")),
                   threading.Thread(target=press, args=(LM2, "reject"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["conflict", "ok"]
    with open_store(store_url) as after:
        after.register(expense)
        for cid in ids:
            assert [a.action for a in after.audit(cid)][-1] in ("approve", "reject")
            assert len(after.audit(cid)) == 3
        check_consistent(after)


def test_refused_writes_nothing(store: Store, expense: ModuleType) -> None:
    cid = store.start(expense.WORKFLOW, EMP, {"amount": 120}, T0).id
    store.act(cid, "submit_claim", "complete", EMP, T0)
    before, snap = counts(store), snapshot_of(store, cid)
    with pytest.raises(Refused, match="requester"):
        store.act(cid, "manager_approval", "approve", Actor.of("e1", "line_manager"), T0)
    with pytest.raises(Refused, match="not active"):
        store.act(cid, "payment", "complete", PAYROLL, T0)
    with pytest.raises(Refused):
        store.act(cid, "manager_approval", "approve", LM, T0, {"amount": "lots"})
    with pytest.raises(Refused):
        store.act(cid, None, "cancel", LM, T0)
    assert counts(store) == before and snapshot_of(store, cid) == snap


def test_bad_input_writes_nothing(store: Store, expense: ModuleType) -> None:
    cid = store.start(expense.WORKFLOW, EMP, {"amount": 120}, T0).id
    before = counts(store)
    with pytest.raises(CaseNotFound, match="no case with id 999"):
        store.act(999, "submit_claim", "complete", EMP, T0)
    with pytest.raises(CaseNotFound):
        store.get(999)
    with pytest.raises(ValueError, match="aware"):
        store.act(cid, "submit_claim", "complete", EMP, dt.datetime(2026, 3, 2, 9))
    # A snapshot changed behind the store's back: its checksum no longer matches.
    rev, text, check = snapshot_of(store, cid)
    tampered = text.replace('"e1"', '"mallory"')
    with store.db.transaction() as tx:
        tx.execute("UPDATE cases SET snapshot = ? WHERE id = ?", (tampered, cid))
    with pytest.raises(SnapshotError, match="checksum"):
        store.act(cid, "submit_claim", "complete", EMP, T0)
    # ... and one rewritten with a matching checksum but not a snapshot at all.
    from procdsl.store import digest

    with store.db.transaction() as tx:
        tx.execute("UPDATE cases SET snapshot = ?, digest = ? WHERE id = ?",
                   ('{"format": "nope"}', digest('{"format": "nope"}'), cid))
    with pytest.raises(SnapshotError, match=f"case {cid}"):
        store.get(cid)
    assert store.tick_due(T0 + dt.timedelta(days=400)).skipped[0][0] == cid
    assert counts(store) == before
    with store.db.transaction() as tx:
        tx.execute("UPDATE cases SET snapshot = ?, digest = ? WHERE id = ?", (text, check, cid))
    assert store.get(cid).rev == rev
    with pytest.raises(VersionNotRegistered, match="nosuch"):
        store.start("nosuch", EMP, None, T0)
    assert counts(store) == before


def test_versions_side_by_side(store_url: str) -> None:
    v1, v2 = expense_module("1.0"), expense_module("2.0")
    with open_store(store_url) as app:
        app.register(v1)
        old = app.start("expense_reimbursement", EMP, {"amount": 120}, T0).id
        app.register(v2)   # the upgrade: new cases start on 2.0, running ones stay on 1.0
        new = app.start("expense_reimbursement", EMP, {"amount": 120}, T0).id
        assert app.get(old).workflow.version == "1.0"
        assert app.get(new).workflow.version == "2.0"
        app.act(old, "submit_claim", "complete", EMP, T0)
        app.act(new, "submit_claim", "complete", EMP, T0)
        assert [r.version for r in app.cases(process="expense_reimbursement")] == ["1.0", "2.0"]
        assert [r.id for r in app.cases(version="1.0")] == [old]
        assert [(n, v) for n, v, _ in app.versions()] == [("expense_reimbursement", "1.0"),
                                                          ("expense_reimbursement", "2.0")]
    with open_store(store_url) as worker:  # knows only 2.0
        worker.register(v2)
        with pytest.raises(VersionNotRegistered, match="version 1.0"):
            worker.act(old, "manager_approval", "approve", LM, T0)
        assert worker.act(new, "manager_approval", "approve", LM, T0).rev == 3
        report = worker.tick_due(T0 + dt.timedelta(days=30))
        assert [cid for cid, _ in report.skipped] == [old]
        assert "not registered" in report.skipped[0][1]


def test_inbox_roles_order_and_duties(store: Store, expense: ModuleType) -> None:
    ids = [store.start(expense.WORKFLOW, EMPLOYEES[n % 5], {"amount": 120}, T0 + n * HOUR).id
           for n in range(6)]
    # Every employee may submit (the step is "by employee"): the inbox has all six.
    assert [i.case_id for i in store.inbox(EMP)] == ids
    assert store.inbox(LM) == []
    for n, cid in enumerate(reversed(ids)):  # submitted in reverse: due times reversed
        store.act(cid, "submit_claim", "complete", EMPLOYEES[(len(ids) - 1 - n) % 5],
                  T0 + dt.timedelta(hours=2, minutes=10 * n))  # office hours, in London
    box = store.inbox(LM)
    assert [i.case_id for i in box] == list(reversed(ids))
    assert [i.due for i in box] == sorted(i.due for i in box)
    assert box[0].actions == ("approve", "query", "return", "reject")
    assert [i.case_id for i in store.inbox(LM, limit=2, offset=1)] == [i.case_id for i in box[1:3]]
    # Separation of duties: an employee who is also a line manager never sees their own.
    both = Actor.of("e1", "employee", "line_manager")
    mine = {c.id for c in store.cases(requester="e1")}
    assert mine and not mine & {i.case_id for i in store.inbox(both)}
    assert len(store.inbox(both)) == len(ids) - len(mine)
    assert store.inbox(DH) == []
    # After the breach the item is escalated: only the department head may take it.
    store.tick_due(T0 + dt.timedelta(days=10))
    assert {i.case_id for i in store.inbox(DH)} == set(ids)
    assert store.inbox(LM) == []
    check_consistent(store)


def test_cases_filters(store: Store, expense: ModuleType) -> None:
    a = store.start(expense.WORKFLOW, EMP, {"amount": 120}, T0).id
    b = store.start(expense.WORKFLOW, EMPLOYEES[1], {"amount": 120}, T0).id
    store.act(b, "submit_claim", "complete", EMPLOYEES[1], T0)
    store.act(b, "manager_approval", "reject", LM, T0 + HOUR)
    assert [c.id for c in store.cases(state="active")] == [a]
    assert [c.id for c in store.cases(state="done")] == [b]
    assert [c.id for c in store.cases(requester="e2")] == [b]
    assert [c.id for c in store.cases(step="submit_claim")] == [a]
    assert store.cases(overdue_at=T0 + HOUR) == []
    assert [c.id for c in store.cases(overdue_at=T0 + dt.timedelta(days=40))] == [a]
    assert [c.id for c in store.cases(limit=1, offset=1)] == [b]


def test_timers_fire_once_and_outbox(store: Store, expense: ModuleType) -> None:
    ids = start_cases(store, 5)
    for cid in ids:
        store.act(cid, "submit_claim", "complete", EMPLOYEES[(cid - ids[0]) % 5], T0)
    assert store.tick_due(T0).cases == 0
    later = T0 + dt.timedelta(days=2)
    first = store.tick_due(later, limit=3)
    second = store.tick_due(later, limit=3)
    assert (first.cases, second.cases) == (3, 2)
    assert store.tick_due(later).cases == 0  # the reminders fired once
    reminders = [e for e in store.outbox() if e.kind == "reminder"]
    assert len(reminders) == 5
    store.tick_due(T0 + dt.timedelta(days=60))
    kinds = sorted({e.kind for e in store.outbox()})
    assert kinds == ["breach", "escalated", "process_breach", "reminder"]
    check_consistent(store, drained_at=T0 + dt.timedelta(days=60))


def test_migrations_are_versioned_and_idempotent(store_url: str) -> None:
    with open_store(store_url) as first:
        assert first.schema_version == SCHEMA_VERSION
        applied = first.db.query("SELECT version FROM schema_version ORDER BY version")
    with open_store(store_url) as again:
        assert again.db.query("SELECT version FROM schema_version ORDER BY version") == applied
    assert [v for (v,) in applied] == list(range(1, SCHEMA_VERSION + 1))


def test_an_old_schema_is_upgraded(tmp_path: Path) -> None:
    from procdsl.store import schema

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
    for statement in schema.SQLITE[0][1]:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (1, 'then')")
    conn.commit()
    conn.close()
    with open_store(f"sqlite:///{path}") as store:
        assert store.schema_version == SCHEMA_VERSION
        names = {r[0] for r in store.db.query("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "outbox_pending" in names


def test_urls() -> None:
    with pytest.raises(ValueError, match="unknown store URL"):
        open_store("mysql://x")
    with pytest.raises(ValueError, match="no host"):
        open_store("sqlite://host/x.db")
    with pytest.raises(ValueError, match="synchronous"):
        open_store("sqlite:///x.db?synchronous=sometimes")


def test_a_case_acted_on_directly_is_loaded_again(store: Store, expense: ModuleType) -> None:
    cid = store.start(expense.WORKFLOW, EMP, {"amount": 120}, T0).id
    store.get(cid).case.act("submit_claim", "complete", EMP, T0)  # behind the store's back
    assert store.get(cid).case.active == ("submit_claim",)        # the database's version
    assert store.act(cid, "submit_claim", "complete", EMP, T0).rev == 2
    store.cache_size = 0
    assert store.get(cid).case.active == ("manager_approval",)


def test_a_stale_cache_is_never_used(store_url: str, expense: ModuleType) -> None:
    with open_store(store_url) as one, open_store(store_url) as two:
        cid = one.start(expense.WORKFLOW, EMP, {"amount": 120}, T0).id
        two.register(expense)
        assert two.get(cid).case.active == ("submit_claim",)   # two keeps it loaded
        one.act(cid, "submit_claim", "complete", EMP, T0)
        assert two.get(cid).case.active == ("manager_approval",)
        assert two.act(cid, "manager_approval", "approve", LM, T0).rev == 3


def test_worker_main_in_process(store_url: str, expense: ModuleType) -> None:
    import threading as _threading

    from procdsl.store import worker

    from .conftest_store import expense_path

    with open_store(store_url) as app:
        app.register(expense)
        start_cases(app, 3, submit=True)
    assert worker.main(["--db", store_url, "--module", str(expense_path()), "--once"]) == 0
    assert worker.main(["--db", store_url]) == 2  # no module given
    with open_store(store_url) as app:
        app.register(expense)
        assert app.tick_due(dt.datetime.now(dt.UTC)).cases == 0
        assert len(app.outbox(limit=1000)) >= 3
        stop = _threading.Event()
        stop.set()
        assert worker.run(app, stop) == 0  # stopped before its first batch
        assert worker.load_module("json").__name__ == "json"
