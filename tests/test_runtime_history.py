"""``Case.history``: raw tuples kept per action, read as ``AuditRecord``s.

The case keeps each audit record raw (the actor's role set, the time as given: cheaper
on every action); ``history`` is a read-only view that makes the records when read.  These
tests pin down that it reads exactly like the list of records it used to be.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from procdsl.runtime import Actor, AuditRecord, History

from .test_runtime_chain import load

START = dt.datetime(2026, 9, 28, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 9, 28, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
REQUESTER = Actor.of("requester", "clerk")


def _run(wf: Any, steps: int) -> Any:
    case = wf.start(REQUESTER, {"amount": Decimal(5)}, START)
    for i in range(1, steps + 1):
        case.act(f"s{i}", "approve", Actor.of(f"user-{i}", f"r{i}", "zz", "aa"), LATER)
    return case


def _expected(steps: int) -> list[AuditRecord]:
    """Return the records of _run, written out field by field."""
    at = LATER.astimezone(dt.UTC)
    out = [AuditRecord(1, "requester", ("clerk",), None, "start", START, (), ("s1",))]
    out += [AuditRecord(i + 1, f"user-{i}", tuple(sorted({f"r{i}", "zz", "aa"})), f"s{i}",
                        "approve", at, (f"s{i}",), (f"s{i + 1}",) if i < 20 else ())
            for i in range(1, steps + 1)]
    return out


def test_history_reads_as_the_list_of_records() -> None:
    case = _run(load("bench/chain20"), 3)
    history, expected = case.history, _expected(3)
    assert isinstance(history, History) and len(history) == 4
    assert history == expected and expected == history and list(history) == expected
    assert all(type(record) is AuditRecord for record in history)
    assert type(history[-1]) is AuditRecord and history[-1] == expected[-1]
    assert history[-1].at == LATER and history[-1].at.tzinfo is dt.UTC
    assert history[1:3] == expected[1:3] and isinstance(history[1:3], list)
    assert list(reversed(history)) == expected[::-1]
    assert repr(history) == repr(expected)
    assert expected[2] in history and history.index(expected[2]) == 2
    assert history != expected[:-1] and history != tuple(expected)
    with pytest.raises(IndexError):
        history[4]
    with pytest.raises(TypeError):
        hash(history)


def test_history_is_read_only_and_grows_with_the_case() -> None:
    case = _run(load("bench/chain20"), 1)
    history = case.history
    with pytest.raises((AttributeError, TypeError)):
        history.append(history[0])  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        history[0] = history[0]  # type: ignore[index]
    with pytest.raises(AttributeError):
        case.history = []
    case.act("s2", "approve", Actor.of("user-2", "r2"), START)
    assert len(history) == 3 and history[-1].step == "s2"


def test_history_survives_a_snapshot() -> None:
    wf = load("bench/chain20")
    case = _run(wf, 20)
    assert case.outcome == "approved"
    assert case.history == _expected(20)
    back = wf.from_json(case.to_json())
    assert back.history == case.history and back.to_json() == case.to_json()
    assert all(type(record) is AuditRecord for record in back.history)
