"""``Store``: durable cases over SQLite or PostgreSQL, one transaction per change.

A case row keeps the runtime's JSON snapshot, a checksum of it and a row version
(``rev``).  ``act`` reads the case, lets the runtime decide, then writes in one
transaction: the new snapshot only if ``rev`` is still the one it read (otherwise
``Conflict``), the audit records the action added, the case's open work items (by role,
for the inbox), its next timer and the events (outbox).  A refused action writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Any

from ..runtime import APPROVAL, Actor, Case, Event, Refused, SnapshotError, TaskDef, Workflow, WorkItem
from .db import NEVER, UTC, Database, Tx, connect
from .directory import StoreDirectory
from .errors import CaseNotFound, Conflict, StoreError, VersionNotRegistered

ANYONE = "*"            # work_items.role of an item anyone may take (the runtime decides)
USER = "@user:"         # work_items.role prefix of an item only one actor may take
CLOCK = "@clock"        # the actor the runtime records for what tick() does
_CLOCK_ACTIONS = frozenset({"escalate", "auto_approve", "auto_reject", "goto"})
# What a case records on its own right after an action (replaying the action redoes it).
_CASE_ACTIONS = frozenset({"dedupe", "empty_transfer", "empty_approve", "empty_reject",
                           "to_returner"})
_CASE_COLUMNS = "c.id, c.process, c.version, c.rev, c.snapshot, c.digest"


@dataclass(frozen=True, slots=True)
class Stored:
    """A case as stored: its id, row version, the case itself and the events of the change."""

    id: int
    rev: int
    case: Case[Any]
    workflow: Workflow[Any]
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class InboxItem:
    """An open work item the actor may act on now, with the actions they may take."""

    case_id: int
    process: str
    version: str
    step: str
    item: int
    due: dt.datetime | None
    requester: str
    actions: tuple[str, ...]
    rev: int


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case's summary row (no snapshot): what ``cases()`` lists."""

    id: int
    process: str
    version: str
    rev: int
    requester: str
    state: str                  # "active" or "done"
    steps: tuple[str, ...]      # the active steps
    outcome: str | None
    due: dt.datetime | None     # the earliest deadline of the case or an active item
    started: dt.datetime
    updated: dt.datetime


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One accepted action, as the audit table keeps it (``data``: the changes it applied)."""

    case_id: int
    seq: int
    actor: str
    roles: tuple[str, ...]
    step: str | None
    action: str
    at: dt.datetime
    data: dict[str, Any] | None
    detail: str = ""  # the audit record's detail (runtime.AuditRecord.detail)


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """An event waiting in the outbox for the application to deliver."""

    id: int
    case_id: int
    kind: str
    step: str | None
    roles: tuple[str, ...]
    at: dt.datetime
    detail: str


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one ``tick_due`` did: cases ticked, events written, cases it could not load."""

    cases: int = 0
    events: int = 0
    skipped: tuple[tuple[int, str], ...] = field(default=())


def digest(snapshot: str) -> str:
    """Return the checksum the store keeps beside a snapshot."""
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


class Store:
    """Cases of registered workflows in one database.  Not thread-safe: one per thread."""

    cache_size = 1024  # cases kept loaded (0: load every snapshot from the database)

    def __init__(self, database: Database) -> None:
        self.db = database
        self.schema_version = database.migrate()
        self._workflows: dict[tuple[str, str], Workflow[Any]] = {}
        self._latest: dict[str, Workflow[Any]] = {}
        self._task_maps: dict[tuple[str, str], dict[str, TaskDef]] = {}
        # The organisation directory org-relative approvers are found in (its tables).
        self.directory = StoreDirectory(database)
        # case id -> (rev, checksum, history length, case): see ``_remember``.
        self._cache: OrderedDict[int, tuple[int, str, int, Stored]] = OrderedDict()

    # ------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """Return "sqlite" or "postgresql"."""
        return self.db.dialect

    # ------------------------------------------------------------ versions
    def register(self, workflow: Workflow[Any] | ModuleType) -> Workflow[Any]:
        """Register a workflow (or a generated module's ``WORKFLOW``); return it.

        Several versions of one process may be registered side by side: each case goes on
        with the version it started with, and ``start(name)`` uses the one registered last.
        The versions table records every version ever registered (and its module).
        """
        module = workflow.__name__ if isinstance(workflow, ModuleType) else _module_of(workflow)
        wf = _workflow_of(workflow)
        self._workflows[(wf.name, wf.version)] = wf
        self._latest[wf.name] = wf
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO processes (name, version, module, registered) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (name, version) DO NOTHING",
                       (wf.name, wf.version, module, self.db.time_in(dt.datetime.now(UTC))))
        return wf

    def workflow(self, name: str, version: str | None = None) -> Workflow[Any]:
        """Return the registered workflow of a process (``version`` None: the latest)."""
        wf = self._latest.get(name) if version is None else self._workflows.get((name, version))
        if wf is None:
            known = ", ".join(f"{n} {v}" for n, v in sorted(self._workflows)) or "none"
            which = name if version is None else f"{name} version {version}"
            raise VersionNotRegistered(f"{which} is not registered with this store "
                                       f"(registered: {known})")
        return wf

    def versions(self) -> list[tuple[str, str, str | None]]:
        """Return (process, version, module) of every version ever registered in the database."""
        rows = self.db.query("SELECT name, version, module FROM processes ORDER BY name, registered")
        return [(r[0], r[1], r[2]) for r in rows]

    # ------------------------------------------------------------ changing cases
    def start(self, workflow: Workflow[Any] | ModuleType | str, actor: Actor,
              data: Any = None, now: dt.datetime | None = None) -> Stored:
        """Start a case (registering the workflow if needed); return it with its new id."""
        if isinstance(workflow, str):
            wf = self.workflow(workflow)
        else:
            wf = _workflow_of(workflow)
            if self._workflows.get((wf.name, wf.version)) is not wf:
                self.register(workflow)
        when = _now(now)
        case = wf.start(actor, data, when, directory=self.directory)
        events = case.take_events()
        first = json.dumps(_encode_data(wf, _all_data(wf, case)), ensure_ascii=False)
        change = self._prepare(wf, case, 0, events, first)
        with self.db.transaction() as tx:
            rows = tx.query(
                "INSERT INTO cases (process, version, rev, snapshot, digest, requester, state, "
                "steps, outcome, due, started, updated) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (wf.name, wf.version, change.snapshot, change.digest, case.requester,
                 *change.summary, self.db.time_in(when), self.db.time_in(when)))
            case_id = int(rows[0][0])
            self._write_rest(tx, case_id, 1, change, new=True)
        started = Stored(case_id, 1, case, wf, events)
        self._remember(started, change.digest)
        return started

    def act(self, case_id: int, step: str | None, action: str, actor: Actor,
            now: dt.datetime | None = None, data: Mapping[str, Any] | None = None, *,
            item: int | None = None, rev: int | None = None, detail: str = "") -> Stored:
        """Take an action on a stored case, in one transaction; return the case after it.

        ``step`` None takes a process-level action (``withdraw``, ``cancel``, a milestone).
        ``transfer``, ``add_sign``, ``urge`` and ``pick`` on a step take ``detail`` as the
        audit record says it: the person (``transfer``), ``before:ID`` / ``after:ID`` /
        ``with:ID`` (``add_sign``), ``ID,ID`` (``pick``).
        ``rev``: act only if the case is still at this row version (else ``Conflict``).
        Raises ``Refused`` (nothing written) when the runtime refuses, ``Conflict`` when
        another change committed first, ``CaseNotFound``, ``VersionNotRegistered`` or
        ``SnapshotError`` (a snapshot changed outside the store).
        """
        when = _now(now)
        stored = self.get(case_id)
        if rev is not None and stored.rev != rev:
            raise Conflict(f"case {case_id} was changed by someone else (it is at version "
                           f"{stored.rev}, you read {rev}); read it again and retry")
        case = stored.case
        seen = len(case.history)
        try:
            if step is None:
                events = _process_action(case, action, actor, when)
            elif action in _APPROVER_ACTIONS:
                events = _approver_action(case, step, action, detail, actor, when)
            else:
                events = case.act(step, action, actor, when, data, item=item)
        except Refused:
            raise  # the case did not change: what the cache holds is still right
        except BaseException:
            self._cache.pop(case_id, None)
            raise
        try:
            changes = (json.dumps(_encode_data(stored.workflow, data), ensure_ascii=False)
                       if data else None)
            change = self._prepare(stored.workflow, case, seen, events, changes)
            with self.db.transaction() as tx:
                self._write(tx, case_id, stored.rev, change, when)
        except BaseException:
            self._cache.pop(case_id, None)
            raise
        done = Stored(case_id, stored.rev + 1, case, stored.workflow, events)
        self._remember(done, change.digest)
        return done

    def tick_due(self, now: dt.datetime | None = None, limit: int = 100) -> TickReport:
        """Tick every case with a reminder or deadline due by now (at most ``limit``), in
        one transaction: the cases are claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
        the single writer on SQLite), so concurrent workers never tick one case twice."""
        when = _now(now)
        claim = (f"SELECT {_CASE_COLUMNS} FROM timers t JOIN cases c ON c.id = t.case_id "
                 "WHERE t.due <= ? ORDER BY t.due, t.case_id LIMIT ?")
        if self.db.claims_skip_locked:
            claim += " FOR UPDATE OF t, c SKIP LOCKED"
        events_written = 0
        skipped: list[tuple[int, str]] = []
        ticked: list[tuple[Stored, str]] = []
        try:
            with self.db.transaction() as tx:
                for row in tx.query(claim, (self.db.time_in(when), limit)):
                    try:
                        stored = self._load(row)
                    except (VersionNotRegistered, SnapshotError) as error:
                        skipped.append((int(row[0]), str(error)))
                        continue
                    self._cache.pop(stored.id, None)  # until committed
                    case = stored.case
                    seen = len(case.history)
                    events = case.tick(when)
                    change = self._prepare(stored.workflow, case, seen, events, None)
                    self._write(tx, stored.id, stored.rev, change, when)
                    ticked.append((Stored(stored.id, stored.rev + 1, case, stored.workflow,
                                          events), change.digest))
                    events_written += len(events)
        except BaseException:
            for done, _ in ticked:
                self._cache.pop(done.id, None)
            raise
        for done, check in ticked:
            self._remember(done, check)
        return TickReport(len(ticked), events_written, tuple(skipped))

    # ------------------------------------------------------------ reading cases
    def get(self, case_id: int) -> Stored:
        """Return a stored case (``CaseNotFound``, ``VersionNotRegistered``, ``SnapshotError``).

        Read the case; change it through ``store.act`` (the store keeps the cases it
        loaded, and notices a case acted on directly: it loads that one again)."""
        rows = self.db.query(f"SELECT {_CASE_COLUMNS} FROM cases c WHERE c.id = ?", (case_id,))
        if not rows:
            raise CaseNotFound(f"no case with id {case_id!r}")
        return self._load(rows[0])

    def inbox(self, actor: Actor, limit: int = 50, offset: int = 0) -> list[InboxItem]:
        """Return the open work items actor may act on now, across all cases, by due time.

        The work_items index finds the candidates by role; the runtime's own checks on
        each candidate's case (requester, separation of duties, votes already cast) keep
        those the actor may really take.  ``offset`` counts items the actor may take.
        """
        if limit <= 0:
            return []
        roles = sorted(actor.roles | {ANYONE, USER + actor.id})
        marks = ", ".join("?" * len(roles))
        sql = (f"SELECT w.case_id, w.item, w.task, w.due, {_CASE_COLUMNS} FROM work_items w "
               f"JOIN cases c ON c.id = w.case_id WHERE w.role IN ({marks}) "
               "ORDER BY w.due, w.case_id, w.item LIMIT ? OFFSET ?")
        out: list[InboxItem] = []
        seen: set[tuple[int, int]] = set()
        cases: dict[int, Stored | None] = {}
        skip, scanned, chunk = offset, 0, max(2 * (limit + offset), 64)
        while len(out) < limit:
            rows = self.db.query(sql, (*roles, chunk, scanned))
            scanned += len(rows)
            for row in rows:
                case_id, item = int(row[0]), int(row[1])
                if (case_id, item) in seen:
                    continue
                seen.add((case_id, item))
                if case_id not in cases:
                    try:
                        cases[case_id] = self._load(row[4:])
                    except (VersionNotRegistered, SnapshotError):
                        cases[case_id] = None
                stored = cases[case_id]
                if stored is None:
                    continue
                actions = tuple(a.action for a in stored.case.allowed_actions(actor)
                                if a.item == item)
                if not actions:
                    continue
                if skip:
                    skip -= 1
                    continue
                due = self.db.time_out(row[3])
                out.append(InboxItem(case_id, stored.workflow.name,
                                     stored.workflow.version, str(row[2]), item,
                                     None if due == NEVER else due,
                                     stored.case.requester, actions, stored.rev))
                if len(out) == limit:
                    break
            if len(rows) < chunk:
                break
        return out

    def cases(self, *, process: str | None = None, version: str | None = None,
              state: str | None = None, step: str | None = None, requester: str | None = None,
              overdue_at: dt.datetime | None = None, limit: int = 100,
              offset: int = 0) -> list[CaseRow]:
        """Return case summaries filtered by process, version, state ("active"/"done"),
        an active step, requester, or overdue (an active case with a deadline before
        ``overdue_at``), by id."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("c.process", process), ("c.version", version),
                              ("c.state", state), ("c.requester", requester)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if step is not None:
            where.append("EXISTS (SELECT 1 FROM work_items w WHERE w.case_id = c.id AND w.task = ?)")
            params.append(step)
        if overdue_at is not None:
            where.append("c.state = 'active' AND c.due IS NOT NULL AND c.due < ?")
            params.append(self.db.time_in(_now(overdue_at)))
        sql = ("SELECT c.id, c.process, c.version, c.rev, c.requester, c.state, c.steps, "
               "c.outcome, c.due, c.started, c.updated FROM cases c"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY c.id LIMIT ? OFFSET ?")
        rows = self.db.query(sql, (*params, limit, offset))
        return [CaseRow(int(r[0]), r[1], r[2], int(r[3]), r[4], r[5],
                        tuple(r[6].split("\n")) if r[6] else (), r[7], self.db.time_out(r[8]),
                        _need(self.db.time_out(r[9])), _need(self.db.time_out(r[10])))
                for r in rows]

    def audit(self, case_id: int | None = None, *, actor: str | None = None,
              since: dt.datetime | None = None, until: dt.datetime | None = None,
              limit: int = 1000, offset: int = 0) -> list[AuditRow]:
        """Return audit records by case, actor and time (``since`` <= at < ``until``)."""
        where: list[str] = []
        params: list[Any] = []
        if case_id is not None:
            where.append("case_id = ?")
            params.append(case_id)
        if actor is not None:
            where.append("actor = ?")
            params.append(actor)
        if since is not None:
            where.append("at >= ?")
            params.append(self.db.time_in(_now(since)))
        if until is not None:
            where.append("at < ?")
            params.append(self.db.time_in(_now(until)))
        order = "case_id, seq" if case_id is not None else "at, case_id, seq"
        sql = ("SELECT case_id, seq, actor, roles, step, action, at, data, detail FROM audit"
               + (" WHERE " + " AND ".join(where) if where else "")
               + f" ORDER BY {order} LIMIT ? OFFSET ?")
        return [AuditRow(int(r[0]), int(r[1]), r[2], tuple(json.loads(r[3])), r[4], r[5],
                         _need(self.db.time_out(r[6])), json.loads(r[7]) if r[7] else None,
                         r[8] or "")
                for r in self.db.query(sql, (*params, limit, offset))]

    def replay(self, case_id: int) -> Case[Any]:
        """Return the case rebuilt from its audit log alone: the start, each recorded
        action with its data, and a tick at each time the clock acted.

        Reminders and breaches that only notify leave no audit record, so the replayed
        case matches the stored one in everything but those timer flags."""
        stored_row = self.db.query("SELECT process, version FROM cases WHERE id = ?", (case_id,))
        if not stored_row:
            raise CaseNotFound(f"no case with id {case_id!r}")
        wf = self.workflow(stored_row[0][0], stored_row[0][1])
        records = self.audit(case_id, limit=1_000_000)
        if not records or records[0].action != "start":
            raise StoreError(f"case {case_id} has no start record")
        first = records[0]
        case = wf.start(Actor(first.actor, frozenset(first.roles)),
                        _decode_data(wf, first.data or {}), first.at, directory=self.directory)
        ticked: dt.datetime | None = None
        for record in records[1:]:
            if record.actor == CLOCK and record.action in _CASE_ACTIONS:
                continue
            if record.actor == CLOCK and record.action in _CLOCK_ACTIONS:
                if ticked != record.at:
                    case.tick(record.at)
                    ticked = record.at
                continue
            who = Actor(record.actor, frozenset(record.roles))
            changes = _decode_data(wf, record.data) if record.data else None
            if record.step is None:
                _process_action(case, record.action, who, record.at)
            elif record.action in _APPROVER_ACTIONS:
                _approver_action(case, record.step, record.action, record.detail, who,
                                 record.at)
            else:
                case.act(record.step, record.action, who, record.at, changes)
        return case

    # ------------------------------------------------------------ outbox
    def outbox(self, limit: int = 100) -> list[OutboxEvent]:
        """Return undelivered events, oldest first."""
        rows = self.db.query("SELECT id, case_id, kind, step, roles, at, detail FROM outbox "
                             "WHERE delivered IS NULL ORDER BY id LIMIT ?", (limit,))
        return [OutboxEvent(int(r[0]), int(r[1]), r[2], r[3], tuple(json.loads(r[4])),
                            _need(self.db.time_out(r[5])), r[6]) for r in rows]

    def delivered(self, ids: Iterable[int], now: dt.datetime | None = None) -> int:
        """Mark outbox events delivered; return how many were still undelivered."""
        when = self.db.time_in(_now(now))
        count = 0
        with self.db.transaction() as tx:
            for event_id in ids:
                count += tx.execute("UPDATE outbox SET delivered = ? WHERE id = ? "
                                    "AND delivered IS NULL", (when, event_id))
        return count

    # ------------------------------------------------------------ internals
    def _load(self, row: Sequence[Any]) -> Stored:
        case_id, process, version, rev, snapshot, check = row[:6]
        wf = self._workflows.get((process, version))
        if wf is None:
            known = ", ".join(v for n, v in sorted(self._workflows) if n == process) or "none"
            raise VersionNotRegistered(f"case {case_id} runs {process} version {version}, which "
                                       f"is not registered with this store (registered "
                                       f"versions of {process}: {known})")
        if digest(snapshot) != check:
            raise SnapshotError(f"case {case_id}: the stored snapshot does not match its "
                                "checksum (it was changed outside the store)")
        key = int(case_id)
        kept = self._cache.get(key)
        if kept is not None:
            kept_rev, kept_digest, records, stored = kept
            # The case this store wrote last, unchanged since (nobody acted on it directly).
            if (kept_rev, kept_digest) == (rev, check) and len(stored.case.history) == records \
                    and stored.workflow is wf:
                self._cache.move_to_end(key)
                return Stored(key, kept_rev, stored.case, wf)
            del self._cache[key]
        try:
            case = wf.from_json(snapshot, directory=self.directory)
        except SnapshotError as error:
            raise SnapshotError(f"case {case_id}: {error}") from None
        loaded = Stored(key, int(rev), case, wf)
        self._remember(loaded, check)
        return loaded

    def _remember(self, stored: Stored, check: str) -> None:
        """Keep the case this store loaded or wrote, to skip loading its snapshot again
        while the database still holds that version (same rev and checksum)."""
        if self.cache_size <= 0:
            return
        self._cache[stored.id] = (stored.rev, check, len(stored.case.history), stored)
        self._cache.move_to_end(stored.id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _tasks(self, wf: Workflow[Any]) -> dict[str, TaskDef]:
        """Return the tasks of a process by name (from its definition tables)."""
        found = self._task_maps.get((wf.name, wf.version))
        if found is None or self._workflows.get((wf.name, wf.version)) is not wf:
            found = self._task_maps[(wf.name, wf.version)] = {
                t.name: t for t in wf.definition.tasks}
        return found

    def _summary(self, case: Case[Any]) -> tuple[Any, ...]:
        """Return the case row's state, steps, outcome and due columns."""
        due = min((d.due for d in case.deadlines), default=None)
        return ("done" if case.done else "active", "\n".join(case.active), case.outcome,
                self.db.time_in(due))

    def _prepare(self, wf: Workflow[Any], case: Case[Any], seen: int, events: Sequence[Event],
                 changes: str | None) -> _Change:
        """Return every row a change writes, made before the transaction (which then only
        runs statements: SQLite's write lock is held for as short a time as it can)."""
        time_in = self.db.time_in
        snapshot = case.to_json()
        tasks = self._tasks(wf)
        records = case.history[seen:]
        audit = [(r.seq, r.actor, json.dumps(list(r.roles), ensure_ascii=False), r.step,
                  r.action, time_in(r.at), changes if i == 0 else None, r.detail or None)
                 for i, r in enumerate(records)]
        items = [(work.id, work.task, role, time_in(work.due or NEVER))
                 for work in case.items.values() for role in sorted(item_roles(tasks, case, work))]
        timer = next_timer(case)
        outbox = [(n, e.kind, e.step, json.dumps(list(e.roles), ensure_ascii=False),
                   time_in(e.at), e.detail) for n, e in enumerate(events)]
        return _Change(snapshot, digest(snapshot), self._summary(case), audit, items,
                       time_in(timer) if timer is not None else None, outbox)

    def _write(self, tx: Tx, case_id: int, rev: int, change: _Change,
               now: dt.datetime) -> None:
        changed = tx.execute(
            "UPDATE cases SET rev = ?, snapshot = ?, digest = ?, state = ?, steps = ?, "
            "outcome = ?, due = ?, updated = ? WHERE id = ? AND rev = ?",
            (rev + 1, change.snapshot, change.digest, *change.summary, self.db.time_in(now),
             case_id, rev))
        if changed != 1:
            raise Conflict(f"case {case_id} was changed by someone else since it was read "
                           f"(version {rev}); read it again and retry")
        self._write_rest(tx, case_id, rev + 1, change, new=False)

    def _write_rest(self, tx: Tx, case_id: int, rev: int, change: _Change, *,
                    new: bool) -> None:
        tx.many("INSERT INTO audit (case_id, seq, actor, roles, step, action, at, data, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(case_id, *row) for row in change.audit])
        if not new:
            tx.execute("DELETE FROM work_items WHERE case_id = ?", (case_id,))
        tx.many("INSERT INTO work_items (case_id, item, task, role, due) VALUES (?, ?, ?, ?, ?)",
                [(case_id, *row) for row in change.items])
        if change.timer is None:
            if not new:
                tx.execute("DELETE FROM timers WHERE case_id = ?", (case_id,))
        else:
            tx.execute("INSERT INTO timers (case_id, due) VALUES (?, ?) ON CONFLICT (case_id) "
                       "DO UPDATE SET due = excluded.due", (case_id, change.timer))
        tx.many("INSERT INTO outbox (case_id, rev, n, kind, step, roles, at, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(case_id, rev, *row) for row in change.outbox])


@dataclass(frozen=True, slots=True)
class _Change:
    """The rows one change writes (without the case id, which a start learns on insert)."""

    snapshot: str
    digest: str
    summary: tuple[Any, ...]
    audit: list[tuple[Any, ...]]
    items: list[tuple[Any, ...]]
    timer: Any
    outbox: list[tuple[Any, ...]]


# ---------------------------------------------------------------- helpers
def open_store(url: str = "sqlite:///cases.db") -> Store:
    """Open (creating and migrating as needed) the store a URL names.

    ``sqlite:///relative.db``, ``sqlite:////absolute/path.db`` (options:
    ``?synchronous=normal`` trades the last commits on power loss for speed) or
    ``postgresql://user@host/db`` (any libpq URL; needs ``procdsl[store]``).
    """
    return Store(connect(url))


def next_timer(case: Case[Any]) -> dt.datetime | None:
    """Return when the case's next reminder or breach falls due (None: nothing pending)."""
    if case.done:
        return None
    times: list[dt.datetime] = []
    reminders = getattr(case, "reminders", ())
    if reminders:
        times.append(min(reminders))
    if case.due is not None and not getattr(case, "breached", False):
        times.append(case.due)
    for work in case.items.values():
        if work.reminders:
            times.append(min(work.reminders))
        if work.due is not None and not work.breached:
            times.append(work.due)
    return min(times, default=None)


def item_roles(tasks: Mapping[str, TaskDef], case: Case[Any], work: WorkItem) -> set[str]:
    """Return the work_items roles of an item: a superset of who may act on it now (the
    inbox asks the runtime about each candidate)."""
    task = tasks.get(work.task)
    if task is None:
        return {ANYONE}
    if work.escalated is not None:
        roles: Sequence[str] = (work.escalated,)
    elif task.kind == APPROVAL:
        if not work.stages or work.stage >= len(work.stages):
            return {ANYONE}
        roles = work.stages[work.stage]
    elif task.assignee is None:
        roles = ()
    elif task.assignee.mode == "requester":
        roles = ("@requester",)
    elif task.assignee.mode == "rule":
        return {ANYONE}
    else:
        roles = task.assignee.roles
    out: set[str] = set()
    for role in roles:
        if role == "@requester":
            out.add(USER + case.requester)
        elif role.startswith(USER):  # one person, found in the directory (and a delegate)
            out.add(role)
            delegate = case.directory.delegate_of(role[len(USER):]) if case.directory else None
            if delegate:
                out.add(USER + delegate)
        elif not role.startswith("@"):  # "@nobody": a rule chose no approver
            out.add(role)
    return out if roles else {ANYONE}


_APPROVER_ACTIONS = frozenset({"transfer", "add_sign", "urge", "pick"})


def _approver_action(case: Case[Any], step: str, action: str, detail: str, actor: Actor,
                     when: dt.datetime) -> tuple[Event, ...]:
    if action == "transfer":
        return case.transfer(step, detail, actor, when)
    if action == "add_sign":
        where, _, person = detail.partition(":")
        return case.add_sign(step, person, where, actor, when)
    if action == "urge":
        return case.urge(step, actor, when)
    return case.pick(step, detail.split(","), actor, when)


def _process_action(case: Case[Any], action: str, actor: Actor,
                    when: dt.datetime) -> tuple[Event, ...]:
    if action == "withdraw":
        return case.withdraw(actor, when)
    if action == "cancel":
        return case.cancel(actor, when)
    return case.perform(action, actor, when)


def _workflow_of(value: Workflow[Any] | ModuleType) -> Workflow[Any]:
    if isinstance(value, Workflow):
        return value
    found = getattr(value, "WORKFLOW", None)
    if not isinstance(found, Workflow):
        raise TypeError(f"{value!r} is not a Workflow nor a generated module with WORKFLOW")
    return found


def _module_of(wf: Workflow[Any]) -> str | None:
    for name, module in list(sys.modules.items()):
        if getattr(module, "WORKFLOW", None) is wf:
            return name
    return None


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"times must be aware datetimes, not {now!r}")
    return now


def _need(value: dt.datetime | None) -> dt.datetime:
    if value is None:  # pragma: no cover - NOT NULL columns
        raise StoreError("a required time is missing")
    return value


def _all_data(wf: Workflow[Any], case: Case[Any]) -> dict[str, Any]:
    return {f.name: getattr(case.data, f.attr) for f in wf.definition.fields}


def _encode_data(wf: Workflow[Any], data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return data changes as JSON values, keyed by field name (decimals, dates as text)."""
    out: dict[str, Any] = {}
    names = {f.attr: f.name for f in wf.definition.fields}
    for key, value in (data or {}).items():
        out[names.get(key, key)] = _json_value(value)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _decode_data(wf: Workflow[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = {f.name: f for f in wf.definition.fields}
    for name, value in data.items():
        spec_field = fields.get(name)
        kind = spec_field.kind if spec_field else "text"
        item = spec_field.item if spec_field else None
        out[name] = _from_json(kind, item, value)
    return out


def _from_json(kind: str, item: str | None, value: Any) -> Any:
    if value is None:
        return None
    if kind == "list" and isinstance(value, list):
        return [_from_json(item or "text", None, v) for v in value]
    if kind in ("decimal", "money") and isinstance(value, str):
        return Decimal(value)
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


__all__ = ["AuditRow", "CaseRow", "InboxItem", "OutboxEvent", "Refused", "Store", "Stored",
           "TickReport", "digest", "item_roles", "next_timer", "open_store"]
