"""``Workflow``: a compiled process that starts cases and loads them back from JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from .calendar import aware
from .case import Case
from .compiled import CompiledProcess
from .directory import Directory
from .fields import check_start
from .messages import refused
from .records import Actor
from .snapshot import load_case

D = TypeVar("D")


class Workflow(CompiledProcess[D]):
    """A runnable process: start cases, load them back from JSON."""

    __slots__ = ()

    def start(self, actor: Actor, data: D | Mapping[str, Any] | None, now: dt.datetime, *,
              directory: Directory | None = None) -> Case[D]:
        """Return a new case started by actor (the requester) at now; org-relative
        approvers are looked up in ``directory`` (the workflow's ``directory`` when None)."""
        when = aware(now)
        given: Mapping[str, Any] | None = None
        if data is None:
            value = self.data_type()
            given = {}
        elif isinstance(data, self.data_type):
            value = data
        elif isinstance(data, Mapping):
            value = self.merge(self.data_type(), data)
            given = data
        else:
            raise refused(self.lang, "data_type", type=self.data_type.__name__)
        if self.checked_fields:  # required and ranged fields: checked before the case is
            check_start(value, given, self.checked_fields, self.lang)
        return Case.begin(self, actor, value, when, directory)

    def from_json(self, text: str, *, directory: Directory | None = None) -> Case[D]:
        """Return the case a ``Case.to_json()`` snapshot describes (same process version);
        ``directory`` as for ``start``."""
        case: Case[D] = load_case(self, text, Case)
        if directory is not None:
            case.directory = directory
        return case
