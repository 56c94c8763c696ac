"""Durable cases: a case store over SQLite (the default) or PostgreSQL (psycopg 3).

``open_store(url)`` opens the database and applies the schema's migrations;
``register`` workflows (several versions side by side), ``start`` and ``act`` on cases
(one transaction each, optimistic concurrency on the case's row version), list an
actor's ``inbox``, filter ``cases``, and ``tick_due`` the cases whose timers are due
(from any number of ``procdsl worker`` processes).  See ``docs/store.md``.
"""

from __future__ import annotations

from ..runtime import Refused, SnapshotError
from .core import (
    AuditRow,
    CaseRow,
    InboxItem,
    OutboxEvent,
    Store,
    Stored,
    TickReport,
    digest,
    next_timer,
    open_store,
)
from .errors import CaseNotFound, Conflict, StoreError, VersionNotRegistered
from .schema import LATEST as SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION", "AuditRow", "CaseNotFound", "CaseRow", "Conflict", "InboxItem",
    "OutboxEvent", "Refused", "SnapshotError", "Store", "StoreError", "Stored", "TickReport",
    "VersionNotRegistered", "digest", "next_timer", "open_store",
]
