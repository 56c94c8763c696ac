"""Scenario tests of approval modes, rules, milestones, caps and breach actions."""

from __future__ import annotations

from typing import Any

import pytest

from procdsl.runtime import Refused

from .test_runtime_helpers import at, who, workflow

BERLIN = "Europe/Berlin"
T = at("2026-01-05 10:00", BERLIN)  # a Monday
STAFF = who("s", "staff", "manager")
MANAGER, DIRECTOR, HR = who("m", "manager"), who("d", "director"), who("h", "hr")
B1, B2 = who("b1", "board_member"), who("b2", "board_member")


def leave(days: int = 3, when: Any = T) -> Any:
    case = workflow("runtime_approvals").start(STAFF, {"days": days}, when)
    case.act("apply", "complete", STAFF, when)
    return case


def test_any_of_decides_on_the_first_decision_but_not_by_the_requester() -> None:
    case = leave()
    with pytest.raises(Refused, match="not by requester"):
        case.act("manager_ok", "approve", STAFF, T)
    case.act("manager_ok", "approve", DIRECTOR, T)
    assert case.active == ("board",)


def test_rule_chooses_the_approver_chain_from_the_data() -> None:
    short = leave(3)
    short.act("manager_ok", "approve", MANAGER, T)
    other_manager = who("m2", "manager")
    with pytest.raises(Refused, match="separation of duties"):
        short.act("board", "approve", MANAGER, T)
    short.act("board", "approve", other_manager, T)
    assert short.active == ("panel",)
    long = leave(12)
    long.act("manager_ok", "approve", DIRECTOR, T)
    long.act("board", "approve", MANAGER, T)
    assert long.active == ("board",)
    with pytest.raises(Refused, match="director"):
        long.act("board", "approve", other_manager, T)
    long.act("board", "approve", who("d2", "director"), T)
    assert long.active == ("panel",)


def test_count_needs_distinct_people_and_requester_confirms() -> None:
    case = leave()
    case.act("manager_ok", "approve", MANAGER, T)
    case.act("board", "approve", who("m2", "manager"), T)
    case.act("panel", "approve", B1, T)
    with pytest.raises(Refused, match="already decided"):
        case.act("panel", "approve", B1, T)
    case.act("panel", "approve", B2, T)
    with pytest.raises(Refused, match="requester"):
        case.act("confirm", "approve", B1, T)
    case.act("confirm", "withdrawn", STAFF, T)
    assert case.outcome == "refused"


def test_return_cap_without_a_target_refuses_the_third_return() -> None:
    case = leave()
    for _ in range(2):
        case.act("manager_ok", "return", MANAGER, T)
        case.act("apply", "complete", STAFF, T)
    before = case.to_json()
    with pytest.raises(Refused, match="at most 2 times"):
        case.act("manager_ok", "return", MANAGER, T)
    assert case.to_json() == before


def test_milestone_action_only_while_its_steps_are_active() -> None:
    case = leave()
    assert any(a.action == "add_document" for a in case.allowed_actions(STAFF))
    case.perform("add_document", STAFF, T)
    assert case.history[-1].action == "add_document"
    assert case.history[-1].before == case.history[-1].after == ("manager_ok",)
    with pytest.raises(Refused, match="requester"):
        case.perform("add_document", MANAGER, T)
    case.act("manager_ok", "approve", MANAGER, T)
    case.act("board", "approve", who("m2", "manager"), T)
    with pytest.raises(Refused, match="only while"):
        case.perform("add_document", STAFF, T)


def test_auto_approve_on_breach_counts_a_make_up_saturday() -> None:
    # Fri 2 Jan 16:00 + 2 work hours: 1 h on Friday, then Sat 3 Jan is a make-up day.
    friday = at("2026-01-02 16:00", BERLIN)
    case = leave(when=friday)
    assert [d.due for d in case.deadlines] == [at("2026-01-03 10:00", BERLIN)]
    assert [e.kind for e in case.tick(at("2026-01-03 09:59", BERLIN))] == ["reminder"]
    events = case.tick(at("2026-01-03 10:00", BERLIN))
    assert [e.kind for e in events] == ["breach", "auto_approved"]
    assert case.active == ("board",)
    assert case.history[-1].actor == "@clock" and case.history[-1].action == "auto_approve"


def test_breach_notifies_and_goes_to_the_named_step() -> None:
    case = leave()
    case.act("manager_ok", "approve", MANAGER, T)
    # 1 workday = 7 working hours from Mon 10:00 -> Tue 10:00 (Berlin).
    assert case.tick(at("2026-01-06 09:59", BERLIN)) == ()
    events = case.tick(at("2026-01-06 10:00", BERLIN))
    assert [(e.kind, e.roles) for e in events] == [
        ("breach", ()), ("notify", ("hr",)), ("goto", ())]
    assert case.active == ("hr_check",)
    case.act("hr_check", "complete", HR, T)
    assert case.active == ("panel",)


def test_cancel_by_role_ends_the_case() -> None:
    case = leave()
    with pytest.raises(Refused, match="hr"):
        case.cancel(MANAGER, T)
    case.cancel(HR, T)
    assert case.outcome == "cancelled" and case.active == ()
