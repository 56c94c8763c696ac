"""The checks: small functions, grouped by family, run in the order listed here.

Each check takes a ``CheckContext`` and yields diagnostics; none of them raises or
changes the model.  Add a check by writing the function in its family module and
listing it in that module's ``CHECKS`` tuple.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic
from . import controls, declarations, flow, references, rules, text, time, types
from .context import Check, CheckContext

__all__ = ["Check", "CheckContext", "all_checks", "run_checks"]


def all_checks() -> tuple[Check, ...]:
    """Return every registered check, family by family."""
    return (*declarations.CHECKS, *text.CHECKS, *references.CHECKS, *types.CHECKS,
            *flow.CHECKS, *rules.CHECKS, *time.CHECKS, *controls.CHECKS)


def run_checks(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Yield the diagnostics of every check for one spec."""
    for check in all_checks():
        yield from check(ctx)
