"""Engine tests on tables written by hand and on the notification/subprocess fixture."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from procdsl import runtime as rt
from procdsl.runtime import Actor, Refused, WorkCalendar

from .test_runtime_helpers import at, who, workflow

T = at("2026-03-02 10:00", "UTC")
CLERK, BOSS = who("c", "clerk"), who("b", "boss")


class NoData:
    """A process without fields."""


def _multi_merge() -> rt.Workflow[NoData]:
    anyone = rt.Approvers("one", ("clerk",))
    tasks = (
        rt.TaskDef("open", rt.STEP, (rt.RouteDef("complete", (rt.step("a"), rt.step("b")),
                                                 split=rt.PARALLEL),), anyone),
        rt.TaskDef("a", rt.STEP, (rt.RouteDef("complete", (rt.step("audit"),)),), anyone),
        rt.TaskDef("b", rt.STEP, (rt.RouteDef("complete", (rt.step("audit"),)),), anyone),
        rt.TaskDef("audit", rt.STEP, (rt.RouteDef("complete", (rt.end("ok"),)),), anyone),
    )
    table = rt.ProcessDef("mm", "1", "open", tasks, (rt.EndDef("ok", True),),
                          blocks=(rt.BlockDef("open", 0, None, frozenset({"a", "b", "audit"})),))
    return rt.Workflow(table, NoData)


def test_a_task_without_a_join_runs_once_per_arrival() -> None:
    case = _multi_merge().start(CLERK, None, T)
    case.act("open", "complete", CLERK, T)
    case.act("a", "complete", CLERK, T)
    case.act("b", "complete", CLERK, T)
    assert case.marking == ("audit", "audit")
    first = case.allowed_actions(CLERK)[1].item
    case.act("audit", "complete", CLERK, T, item=first)
    assert case.marking == ("audit",) and not case.done
    case.act("audit", "complete", CLERK, T)
    assert case.outcome == "ok"


def test_notifications_are_events_on_enter_and_leave() -> None:
    case = workflow("runtime_misc").start(CLERK, None, T)
    assert [(e.kind, e.step, e.roles, e.detail) for e in case.take_events()] == [
        ("notify", "open", ("boss",), "enter")]
    events = case.act("open", "complete", CLERK, T)
    assert [(e.kind, e.roles, e.detail) for e in events] == [
        ("notify", ("clerk", "boss"), "leave")]


def test_subprocess_step_waits_and_takes_the_child_end_as_outcome() -> None:
    case = workflow("runtime_misc").start(CLERK, None, T)
    case.act("open", "complete", CLERK, T)
    child = workflow("runtime_vendor_check").start(CLERK, None, T)
    child.act("check", "reject", who("x", "compliance"), T)
    assert child.outcome == "blocked"
    assert {a.action for a in case.allowed_actions(BOSS)} == {"cleared", "blocked"}
    case.act("child", child.outcome, BOSS, T)
    assert case.outcome == "stopped"


def test_process_sla_reminds_and_notifies_on_breach() -> None:
    case = workflow("runtime_misc").start(CLERK, None, T)
    assert [d.due for d in case.deadlines] == [T + dt.timedelta(days=2)]
    assert [e.kind for e in case.tick(T + dt.timedelta(days=1))] == ["notify", "reminder"]
    events = case.tick(T + dt.timedelta(days=2))
    assert [(e.kind, e.roles) for e in events] == [("process_breach", ()), ("notify", ("boss",))]
    assert case.tick(T + dt.timedelta(days=3)) == ()


def test_calendar_counts_make_up_days_and_skips_holidays() -> None:
    table = rt.CalendarDef(workdays=(1, 2, 3, 4, 5), hours=((540, 720), (780, 1080)),
                           holidays=("2026-10-01", "2026-10-02"), makeup_days=("2026-09-27",),
                           timezone="Asia/Shanghai")
    calendar = WorkCalendar(table)
    # Sat 26 Sep is a weekend day, Sun 27 Sep a make-up working day.
    start = at("2026-09-26 10:00")
    assert calendar.add(start, rt.Span(Decimal(1), "work_hours")) == \
        at("2026-09-27 10:00")
    # Wed 30 Sep 17:00 + 1 workday (8 h): 1 h, 1-2 Oct holidays, a weekend, 7 h on Mon 5 Oct.
    assert calendar.add(at("2026-09-30 17:00"), rt.Span(Decimal(1), "workdays")) == \
        at("2026-10-05 17:00")
    assert calendar.subtract(at("2026-10-05 10:00"), rt.Span(Decimal(2),
                                                               "work_hours")) == \
        at("2026-09-30 17:00")
    assert calendar.add(start, rt.Span(Decimal("1.5"), "days")) == \
        at("2026-09-27 22:00")


def test_naive_times_and_calendars_without_working_time_are_errors() -> None:
    with pytest.raises(ValueError, match="aware"):
        _multi_merge().start(CLERK, None, dt.datetime(2026, 1, 1))
    never = WorkCalendar(rt.CalendarDef(workdays=()))
    with pytest.raises(ValueError, match="no working time"):
        never.add(T, rt.Span(Decimal(1), "work_hours"))


def test_actions_on_a_finished_case_and_unknown_steps_are_refused() -> None:
    case = _multi_merge().start(CLERK, None, T)
    with pytest.raises(Refused, match="no step named"):
        case.act("nope", "complete", CLERK, T)
    with pytest.raises(Refused, match="clerk"):
        case.act("open", "complete", Actor.of("z"), T)
    with pytest.raises(Refused, match="cannot be withdrawn"):
        case.withdraw(CLERK, T)
    with pytest.raises(Refused, match="cannot be cancelled"):
        case.cancel(CLERK, T)
    with pytest.raises(Refused, match="no action 'x'"):
        case.perform("x", CLERK, T)


def test_auto_approve_on_a_step_reports_no_route_instead_of_failing() -> None:
    clerk = rt.Approvers("one", ("clerk",))
    sla = rt.SlaDef(rt.Span(Decimal(1), "hours"), breaches=(rt.BreachDef("auto_approve"),))
    tasks = (rt.TaskDef("a", rt.STEP, (rt.RouteDef("complete", (rt.end("ok"),)),), clerk,
                        sla=sla),)
    wf = rt.Workflow(rt.ProcessDef("p", "1", "a", tasks, (rt.EndDef("ok", True),)), NoData)
    case = wf.start(CLERK, None, T)
    events = case.tick(T + dt.timedelta(hours=1))
    assert [e.kind for e in events] == ["breach", "no_route"]
    assert case.marking == ("a",) and len(case.history) == 1
