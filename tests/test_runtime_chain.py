"""The benchmark's 20-step approval chain run through the runtime, and the time helpers.

Each step needs its own role, the requester may not approve, and a guard decides the
route; what is checked here is what a user of the chain sees: refusals that say why and
change nothing, routes on changed data, snapshots that carry on, times in any zone.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.runtime import Actor, CalendarDef, Refused, Span, WorkCalendar
from procdsl.runtime.calendar import require_aware

from .test_runtime_helpers import ROOT_DIR, module_for_spec

START = dt.datetime(2026, 9, 28, 9, 0, tzinfo=dt.UTC)
REQUESTER = Actor.of("requester", "clerk")


def load(source: str) -> Any:
    """Return the workflow of a benchmark spec ("bench/NAME")."""
    assert source.startswith("bench/")
    return module_for_spec(ROOT_DIR / "bench" / "specs" / f"{source[6:]}.proc").WORKFLOW


def _chain() -> Any:
    return load("bench/chain20")


def _approver(i: int) -> Actor:
    return Actor(f"user-{i}", frozenset({f"r{i}"}))


@pytest.mark.parametrize("zone", [dt.UTC, ZoneInfo("Asia/Shanghai"),
                                  dt.timezone(dt.timedelta(hours=-5))])
def test_the_chain_runs_to_its_end_and_a_reloaded_case_carries_on(zone: dt.tzinfo) -> None:
    wf = _chain()
    now = START.astimezone(zone)
    case = wf.start(REQUESTER, {"amount": Decimal(5)}, now)
    for i in range(1, 21):
        assert case.act(f"s{i}", "approve", _approver(i), now + dt.timedelta(minutes=i)) == ()
        if i == 10:
            case = wf.from_json(case.to_json())
    assert case.outcome == "approved" and case.marking == ()
    assert case.doers == {}  # no step of the chain is named by "not by whoever did"
    assert [r.at for r in case.history][1:] == [START + dt.timedelta(minutes=i)
                                                 for i in range(1, 21)]
    assert all(r.at.tzinfo is dt.UTC for r in case.history)
    assert wf.from_json(case.to_json()).to_json() == case.to_json()


def test_a_held_work_item_is_never_remade_in_place() -> None:
    case = _chain().start(REQUESTER, {"amount": Decimal(5)}, START)
    held = next(iter(case.items.values()))
    case.act("s1", "approve", _approver(1), START)
    assert (held.id, held.task) == (1, "s1")
    assert all(item is not held for item in case.items.values())
    assert [(i.id, i.task) for i in case.items.values()] == [(2, "s2")]


def test_refusals_say_why_and_change_nothing() -> None:
    case = _chain().start(REQUESTER, {"amount": Decimal(5)}, START)
    before = case.to_json()
    for actor, message in ((Actor.of("requester", "r1"), "not by requester"),
                           (_approver(2), "needs the role r1")):
        with pytest.raises(Refused, match=message):
            case.act("s1", "approve", actor, START)
    with pytest.raises(Refused, match="no action 'complete'"):
        case.act("s1", "complete", _approver(1), START)
    with pytest.raises(Refused, match="s2 is not active"):
        case.act("s2", "approve", _approver(2), START)
    with pytest.raises(ValueError, match="aware"):
        case.act("s1", "approve", _approver(1), START.replace(tzinfo=None))
    assert case.to_json() == before


def test_a_data_change_is_applied_before_routing() -> None:
    case = _chain().start(REQUESTER, {"amount": Decimal(5)}, START)
    case.act("s1", "approve", _approver(1), START, {"amount": Decimal(0)})
    assert case.outcome == "rejected"
    assert [r.after for r in case.history] == [("s1",), ()]


def test_utc_conversion_gives_the_same_instant_for_any_zone() -> None:
    shanghai = dt.datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    fixed = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert require_aware(shanghai) == require_aware(fixed) == dt.datetime(
        2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    assert require_aware(fixed).tzinfo is dt.UTC
    with pytest.raises(ValueError, match="aware"):
        require_aware(dt.datetime(2026, 3, 2, 9, 30))


def test_an_edited_snapshot_plan_is_honoured() -> None:
    wf = _chain()
    case = wf.start(REQUESTER, {"amount": Decimal(5)}, START)
    doc = json.loads(case.to_json())
    doc["items"][0]["stages"], doc["items"][0]["needs"] = [["r1"], ["r2"]], [1, 1]
    twin = wf.from_json(json.dumps(doc, ensure_ascii=False, indent=1))  # indented: still loads
    assert twin.act("s1", "approve", _approver(1), START) == ()
    assert twin.marking == ("s1",)
    assert json.loads(twin.to_json())["items"][0]["stage"] == 1


def test_snapshots_are_compact_and_old_indented_ones_load() -> None:
    wf = _chain()
    case = wf.start(REQUESTER, {"amount": Decimal(5)}, START)
    case.act("s1", "approve", _approver(1), START.astimezone(ZoneInfo("Asia/Shanghai")))
    text = case.to_json()
    assert "\n" not in text and ", " not in text
    old = json.dumps(json.loads(text), ensure_ascii=False, indent=1)
    assert wf.from_json(old).to_json() == text
    assert json.loads(text)["history"][1][5] == "2026-09-28T09:00:00+00:00"


_OFFICE = CalendarDef(workdays=(1, 2, 3, 4, 5), hours=((9 * 60, 12 * 60), (13 * 60, 18 * 60)),
                      holidays=("2026-10-01", "2026-10-02", "2026-10-05"),
                      makeup_days=("2026-10-10",), timezone="Asia/Shanghai")


def _walk(calendar: WorkCalendar, when: dt.datetime, left: dt.timedelta) -> dt.datetime:
    """Return when plus left of working time, interval by interval (no whole-day skips)."""
    day = when.astimezone(ZoneInfo("Asia/Shanghai")).date()
    while True:
        for a, b in calendar._intervals(day):
            a = max(a, when)
            if b > a and left <= b - a:
                return a + left
            left -= max(b - a, dt.timedelta(0))
        day += dt.timedelta(days=1)


@given(minutes=st.integers(0, 60 * 24 * 40), amount=st.integers(1, 400),
       unit=st.sampled_from(["work_hours", "workdays"]))
@settings(max_examples=200, deadline=None)
def test_working_time_skips_whole_days_exactly(minutes: int, amount: int, unit: str) -> None:
    calendar = WorkCalendar(_OFFICE)
    start = dt.datetime(2026, 9, 25, 0, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    span = Span(Decimal(amount) / 4, unit)
    left = dt.timedelta(seconds=int(calendar.seconds(span)))
    assert calendar.add(start, span) == _walk(calendar, start, left)
    assert calendar.add(start, span) == calendar.add(start, Span(Decimal(amount) / 4, unit))
