"""What every check receives, and the shape of a check: below every check family."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic
from ..model import Spec


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the spec, the other processes it can call, and the
    names of definitions that failed to parse (references to them are not reported),
    and the text the spec was parsed from ("" when it was built another way)."""

    spec: Spec
    processes: frozenset[str] = field(default_factory=frozenset)
    broken_names: frozenset[str] = field(default_factory=frozenset)
    syntax_ok: bool = True
    source: str = ""


Check = Callable[[CheckContext], Iterable[Diagnostic]]
