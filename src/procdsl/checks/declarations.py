"""Checks: declarations."""

from __future__ import annotations

from . import Check

CHECKS: tuple[Check, ...] = ()
