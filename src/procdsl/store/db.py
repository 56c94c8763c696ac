"""The two backends behind one small interface: reads, write transactions, times.

SQL is written once with ``?`` placeholders; the PostgreSQL backend turns them into
psycopg's ``%s`` (the store's SQL has no other ``?`` or ``%``).  Values always travel as
parameters, never in the SQL text.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .schema import POSTGRES, SQLITE

UTC = dt.UTC
Row = tuple[Any, ...]
Params = Sequence[Any]
# Work items without a due time sort after every real one (an index needs a value).
NEVER = dt.datetime(9999, 12, 31, tzinfo=UTC)


class Tx:
    """One write transaction: statements run in it, committed together or not at all."""

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return how many rows it changed."""
        raise NotImplementedError

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Return the rows of a query."""
        raise NotImplementedError

    def many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run a statement once per row of parameters."""
        raise NotImplementedError


class Database:
    """A connection to the store's database (one per thread or process)."""

    dialect = ""
    claims_skip_locked = False

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Return the rows of a read-only query (its own snapshot)."""
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Yield a write transaction; commit when the block ends, roll back on an error."""
        raise NotImplementedError
        yield  # pragma: no cover

    def time_in(self, when: dt.datetime | None) -> Any:
        """Return a time as the database stores it."""
        raise NotImplementedError

    def time_out(self, value: Any) -> dt.datetime | None:
        """Return a stored time as an aware datetime."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection."""
        raise NotImplementedError

    def migrate(self) -> int:
        """Apply the migrations not yet applied; return the schema version."""
        raise NotImplementedError


# ---------------------------------------------------------------- SQLite
class _SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def many(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            self.conn.executemany(sql, rows)


class SqliteDatabase(Database):
    """SQLite in WAL mode: readers never block, one writer at a time (``BEGIN IMMEDIATE``)."""

    dialect = "sqlite"

    def __init__(self, path: str, synchronous: str = "full", timeout: float = 30.0) -> None:
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be off, normal, full or extra, not {synchronous!r}")
        self.conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                                    check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous.upper()}")  # checked above
        self.conn.execute("PRAGMA foreign_keys=ON")

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteTx(self.conn)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def time_in(self, when: dt.datetime | None) -> Any:
        if when is None:
            return None
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def time_out(self, value: Any) -> dt.datetime | None:
        return None if value is None else dt.datetime.fromisoformat(value)

    def close(self) -> None:
        self.conn.close()

    def migrate(self) -> int:
        with self.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version "
                       "(version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
            return _apply(tx, SQLITE, self.time_in(dt.datetime.now(UTC)))


# ---------------------------------------------------------------- PostgreSQL
_MIGRATION_LOCK = 0x70726F63  # "proc": the advisory lock key that serialises migrations


class _PgTx(Tx):
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    def execute(self, sql: str, params: Params = ()) -> int:
        return self.db.conn.execute(self.db.sql(sql), params).rowcount

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self.db.conn.execute(self.db.sql(sql), params).fetchall()

    def many(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            with self.db.conn.cursor() as cur:
                cur.executemany(self.db.sql(sql), rows)


class PostgresDatabase(Database):
    """PostgreSQL through psycopg 3: row locks, ``FOR UPDATE SKIP LOCKED`` for timers."""

    dialect = "postgresql"
    claims_skip_locked = True

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as error:  # pragma: no cover - the extra is not installed
            raise ImportError("a postgresql:// store needs psycopg 3: "
                              "pip install 'procdsl[store]'") from error
        self.conn = psycopg.connect(url, autocommit=True)
        self._sql: dict[str, str] = {}

    def sql(self, text: str) -> str:
        """Return text with psycopg's placeholders."""
        found = self._sql.get(text)
        if found is None:
            found = self._sql[text] = text.replace("?", "%s")
        return found

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(self.sql(sql), params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.conn.transaction():
            yield _PgTx(self)

    def time_in(self, when: dt.datetime | None) -> Any:
        return when

    def time_out(self, value: Any) -> dt.datetime | None:
        return value.astimezone(UTC) if isinstance(value, dt.datetime) else None

    def close(self) -> None:
        self.conn.close()

    def migrate(self) -> int:
        with self.transaction() as tx:
            tx.query("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version "
                       "(version INTEGER PRIMARY KEY, applied TIMESTAMPTZ NOT NULL)")
            return _apply(tx, POSTGRES, dt.datetime.now(UTC))


def _apply(tx: Tx, migrations: Sequence[tuple[int, Sequence[str]]], now: Any) -> int:
    done = {row[0] for row in tx.query("SELECT version FROM schema_version")}
    for number, statements in migrations:
        if number in done:
            continue
        for statement in statements:
            tx.execute(statement)
        tx.execute("INSERT INTO schema_version (version, applied) VALUES (?, ?)", (number, now))
        done.add(number)
    return int(max(done))


def connect(url: str) -> Database:
    """Return the database a store URL names: ``sqlite:///path`` or ``postgresql://...``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "sqlite":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"a sqlite URL has no host: {url!r} (sqlite:///relative/path.db, "
                             "sqlite:////absolute/path.db)")
        path = urllib.parse.unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ValueError(f"a sqlite URL needs a file: {url!r}")
        options = dict(urllib.parse.parse_qsl(parts.query))
        return SqliteDatabase(path, options.get("synchronous", "full"),
                              float(options.get("timeout", "30")))
    if parts.scheme in ("postgresql", "postgres"):
        return PostgresDatabase(url)
    raise ValueError(f"unknown store URL {url!r}: use sqlite:///FILE or postgresql://...")
