"""The checks: small functions, grouped by family, run in the order listed here.

Each check takes a ``CheckContext`` and yields diagnostics; none of them raises or
changes the model.  Add a check by writing the function in its family module and
listing it in that module's ``CHECKS`` tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic
from ..model import Spec


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the spec, the other processes it can call, and the
    names of definitions that failed to parse (references to them are not reported)."""

    spec: Spec
    processes: frozenset[str] = field(default_factory=frozenset)
    broken_names: frozenset[str] = field(default_factory=frozenset)
    syntax_ok: bool = True


Check = Callable[[CheckContext], Iterable[Diagnostic]]


def all_checks() -> tuple[Check, ...]:
    """Return every registered check, family by family."""
    from . import declarations, flow, references, rules, time, types

    return (*declarations.CHECKS, *references.CHECKS, *types.CHECKS, *flow.CHECKS,
            *rules.CHECKS, *time.CHECKS)


def run_checks(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Yield the diagnostics of every check for one spec."""
    for check in all_checks():
        yield from check(ctx)
