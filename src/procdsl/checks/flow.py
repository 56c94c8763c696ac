"""Checks: flow."""

from __future__ import annotations

from . import Check

CHECKS: tuple[Check, ...] = ()
