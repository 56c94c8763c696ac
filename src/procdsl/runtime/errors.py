"""Errors the runtime raises: a refused action, and a snapshot that does not fit."""

from __future__ import annotations


class Refused(Exception):
    """An action the case does not accept; the message says why, and nothing changed."""


class SnapshotError(ValueError):
    """A JSON snapshot that belongs to another process or version, or is malformed."""
