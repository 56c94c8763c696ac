"""Checks: time. Calendars (calendars.py), then SLAs (sla.py), in that order."""

from __future__ import annotations

from .calendars import CHECKS as CALENDAR_CHECKS
from .context import Check
from .sla import CHECKS as SLA_CHECKS

CHECKS: tuple[Check, ...] = (*CALENDAR_CHECKS, *SLA_CHECKS)
