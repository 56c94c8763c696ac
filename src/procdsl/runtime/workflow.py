"""``Workflow``: a compiled process that starts cases and loads them back from JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from .calendar import aware
from .case import Case
from .compiled import CompiledProcess
from .errors import Refused
from .records import Actor
from .snapshot import load_case

D = TypeVar("D")


class Workflow(CompiledProcess[D]):
    """A runnable process: start cases, load them back from JSON."""

    __slots__ = ()

    def start(self, actor: Actor, data: D | Mapping[str, Any] | None, now: dt.datetime) -> Case[D]:
        """Return a new case started by actor (the requester) at now."""
        when = aware(now)
        if data is None:
            value = self.data_type()
        elif isinstance(data, self.data_type):
            value = data
        elif isinstance(data, Mapping):
            value = self.merge(self.data_type(), data)
        else:
            raise Refused(f"data must be a {self.data_type.__name__} or a mapping")
        return Case.begin(self, actor, value, when)

    def from_json(self, text: str) -> Case[D]:
        """Return the case a ``Case.to_json()`` snapshot describes (same process version)."""
        case: Case[D] = load_case(self, text, Case)
        return case
