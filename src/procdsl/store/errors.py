"""Errors the case store raises (the runtime's ``Refused`` and ``SnapshotError`` pass through)."""

from __future__ import annotations


class StoreError(Exception):
    """Something the store cannot do; the message says why, and nothing was written."""


class Conflict(StoreError):
    """Another action on the same case committed first: read the case again and retry."""


class CaseNotFound(StoreError, LookupError):
    """No case has this id."""


class VersionNotRegistered(StoreError, LookupError):
    """A case (or a start) names a process version this store has not been given."""
