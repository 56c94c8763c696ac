"""Errors the runtime raises: a refused action, and a snapshot that does not fit."""

from __future__ import annotations

from collections.abc import Mapping


class Refused(Exception):
    """An action the case does not accept; the message says why (in the spec's language),
    and nothing changed.  ``key`` names the message (``messages``; "" for one worded
    elsewhere) and ``params`` what it was filled with, for applications that word it
    themselves."""

    def __init__(self, message: str = "", *, key: str = "",
                 params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.params: dict[str, object] = dict(params or {})


class SnapshotError(ValueError):
    """A JSON snapshot that belongs to another process or version, or is malformed."""
