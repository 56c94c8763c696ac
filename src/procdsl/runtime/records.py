"""Records a case holds and returns: actors, work items, frames, audit records, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import NamedTuple, overload


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone who acts: an id and the roles they hold."""

    id: str
    roles: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Audit records keep the actor's role set itself: it must never change.
        if self.roles.__class__ is not frozenset:
            object.__setattr__(self, "roles", frozenset(self.roles))

    @staticmethod
    def of(actor_id: str, *roles: str) -> Actor:
        """Return an actor with the given id and roles."""
        return Actor(actor_id, frozenset(roles))


SYSTEM = Actor("@clock")  # the actor recorded for what tick() does


@dataclass(frozen=True, slots=True)
class Allowed:
    """An action an actor may take now: on work item ``item`` of ``step`` (None: process)."""

    step: str | None
    action: str
    item: int | None


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a work item (or the whole case, step None) is due."""

    step: str | None
    item: int | None
    due: dt.datetime


@dataclass(frozen=True, slots=True)
class Event:
    """Something the application should act on (send, log); never sent by the runtime.

    ``kind``: notify (enter/leave, ``detail`` says which), reminder, breach, escalated,
    auto_approved, auto_rejected, goto, no_route, process_breach.
    """

    kind: str
    step: str | None
    roles: tuple[str, ...]
    at: dt.datetime
    detail: str = ""


class AuditRecord(NamedTuple):
    """One accepted action: who, on which step, what, when, and the marking around it.

    ``detail`` says more where the action needs it: the person a transfer or add-sign
    brings in (``before:ID`` / ``after:ID`` / ``with:ID`` for add-sign), whom a delegate
    acted for (``for:ID``), the person de-duplication skipped, the role an empty
    approval was handed to."""

    seq: int
    actor: str
    roles: tuple[str, ...]
    step: str | None
    action: str
    at: dt.datetime
    before: tuple[str, ...]
    after: tuple[str, ...]
    detail: str = ""


# What a case keeps per accepted action: the fields of its AuditRecord but its number
# (its position), as the action gave them (the actor's role set, the time in the
# caller's zone).  ``History`` makes the AuditRecord (roles sorted, time in the
# calendar's zone) when a
# record is read: records are written on every action and read rarely.
RawRecord = tuple[str, frozenset[str] | tuple[str, ...], str | None, str, dt.datetime,
                  tuple[str, ...], tuple[str, ...], str]
UTC = dt.UTC


def as_record(seq: int, raw: RawRecord, zone: dt.tzinfo = UTC) -> AuditRecord:
    """Return the AuditRecord of the raw record numbered seq: roles sorted, time in zone
    (the calendar's; UTC without one)."""
    actor, roles, step, action, at, before, after, detail = raw
    if at.tzinfo is not zone:
        at = at.astimezone(zone)
    return AuditRecord(seq, actor, tuple(sorted(roles)), step, action, at, before, after, detail)


class History(Sequence[AuditRecord]):
    """A case's audit records, read-only: kept raw, made records when read.

    A view of the case's log: it grows as the case does.  It equals a list of the same
    records (or another case's history); indexing by a slice gives a list.
    """

    __slots__ = ("_log", "_zone")

    def __init__(self, log: list[RawRecord], zone: dt.tzinfo = UTC) -> None:
        self._log = log
        self._zone = zone

    def __len__(self) -> int:
        return len(self._log)

    @overload
    def __getitem__(self, index: int) -> AuditRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[AuditRecord]: ...

    def __getitem__(self, index: int | slice) -> AuditRecord | list[AuditRecord]:
        log = self._log
        if isinstance(index, slice):
            return [as_record(n + 1, log[n], self._zone) for n in range(len(log))[index]]
        raw = log[index]  # raises IndexError as a list does
        return as_record(index % len(log) + 1, raw, self._zone)

    def __iter__(self) -> Iterator[AuditRecord]:
        for seq, raw in enumerate(self._log, 1):
            yield as_record(seq, raw, self._zone)

    def __reversed__(self) -> Iterator[AuditRecord]:
        log = self._log
        for n in range(len(log) - 1, -1, -1):
            yield as_record(n + 1, log[n], self._zone)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History):
            return list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which do not hash

    def __repr__(self) -> str:
        return repr(list(self))


@dataclass(slots=True)
class WorkItem:
    """One active piece of work: a task instance in a frame (and a for-each element).

    A fresh item is made with what its activation decides (the keyword-only fields are
    its progress: breached, escalated, the approval stage and votes).  ``votes_left``
    (how many approve votes the approval still takes to decide) follows from stages,
    needs, stage and votes (``compiled.votes_left``): it is kept, not written.  Empty
    ``reminders``/``votes`` and the planned ``stages``/``needs`` of an approval whose
    approvers never depend on the data are shared tuples, replaced (never changed in place).
    """

    id: int
    task: str
    frame: int
    started: dt.datetime
    due: dt.datetime | None = None
    reminders: list[dt.datetime] | tuple[()] = ()
    stages: Sequence[Sequence[str]] = ()
    needs: Sequence[int] = ()
    group: int = 0
    element: int | None = None
    votes_left: int = 1
    _: KW_ONLY
    breached: bool = False
    escalated: str | None = None
    stage: int = 0
    votes: list[list[str]] | tuple[()] = ()


@dataclass(slots=True)
class Frame:
    """Branches started together by a split: live threads and arrivals at the join."""

    id: int
    parent: int
    split: str
    join: str | None
    live: int
    arrived: int = 0
    fired: bool = False
    # ``in any order`` (WCP-17): the block's tasks are done one at a time; ``holder`` is
    # the task that has started and not finished yet ("" none; see ``interleave``).
    interleaved: bool = False
    holder: str = ""


@dataclass(slots=True)
class Group:
    """The work items of one for-each task: elements waiting, done, and the last action."""

    id: int
    task: str
    frame: int
    waiting: list[int]
    total: int
    done: int = 0
