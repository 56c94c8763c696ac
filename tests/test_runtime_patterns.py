"""Scenario tests of the control-flow patterns: parallel, multi-choice, for-each, interleaved."""

from __future__ import annotations

from typing import Any

import pytest

from procdsl.runtime import Refused

from .test_runtime_helpers import at, who, workflow

T = at("2026-03-02 10:00", "UTC")
CLERK, LAWYER, BUYER = who("c", "clerk"), who("l", "lawyer"), who("b", "buyer")
FINANCE, ADMIN = who("f", "finance"), who("a", "admin")


def purchase(urgent: bool = False) -> Any:
    case = workflow("runtime_parallel").start(CLERK, {"urgent": urgent}, T)
    case.act("request", "complete", CLERK, T)
    return case


def test_parallel_split_waits_for_every_branch_at_the_join() -> None:
    case = purchase()
    assert case.active == ("legal", "price")
    case.act("price", "complete", BUYER, T)
    assert case.active == ("legal",)
    case.act("legal", "approve", LAWYER, T)
    assert case.marking == ("sign",)
    case.act("sign", "complete", FINANCE, T)
    assert case.outcome == "done"


def test_branch_leaving_the_block_cancels_the_other_branches() -> None:
    case = purchase()
    events = case.act("legal", "reject", LAWYER, T)
    assert case.marking == ("request",)
    assert [(e.kind, e.step) for e in events] == [("cancelled", "price")]
    case.act("request", "complete", CLERK, T)
    assert case.active == ("legal", "price")
    case.act("price", "complete", BUYER, T)
    case.act("legal", "approve", LAWYER, T)
    assert case.marking == ("sign",), "no stale arrival from the cancelled round"


def test_discriminator_goes_on_with_the_first_and_absorbs_the_rest() -> None:
    case = purchase(urgent=True)
    case.act("price", "complete", BUYER, T)
    case.act("legal", "approve", LAWYER, T)
    case.act("sign", "complete", FINANCE, T)
    assert case.active == ("courier", "post")
    case.act("courier", "complete", BUYER, T)
    assert case.marking == ("post", "deliver")
    case.act("deliver", "complete", CLERK, T)
    assert not case.done and case.marking == ("post",), "implicit termination waits"
    case.act("post", "complete", CLERK, T)
    assert case.done and case.outcome == "done" and case.marking == ()


def test_withdraw_and_cancel_are_checked_and_end_the_case() -> None:
    case = purchase()
    with pytest.raises(Refused, match="requester"):
        case.withdraw(BUYER, T)
    case.withdraw(CLERK, T)
    assert case.outcome == "withdrawn" and case.marking == ()
    assert case.history[-1].action == "withdraw"
    other = purchase()
    with pytest.raises(Refused, match="admin"):
        other.cancel(CLERK, T)
    assert any(a.action == "cancel" for a in other.allowed_actions(ADMIN))
    other.cancel(ADMIN, T)
    assert other.outcome == "cancelled"


def test_withdraw_is_refused_once_the_listed_steps_are_done() -> None:
    case = purchase()
    case.act("price", "complete", BUYER, T)
    case.act("legal", "approve", LAWYER, T)
    with pytest.raises(Refused, match="only while"):
        case.withdraw(CLERK, T)


def claim(amount: int, foreign: bool) -> Any:
    case = workflow("runtime_choice").start(who("e", "employee"),
                                            {"amount": amount, "foreign": foreign}, T)
    case.act("submit", "complete", who("e", "employee"), T)
    return case


def test_multi_choice_starts_every_holding_branch_and_the_join_waits_for_them() -> None:
    case = claim(2000, True)
    assert case.active == ("audit", "tax_check")
    case.act("audit", "complete", who("au", "auditor"), T)
    assert case.active == ("tax_check",)
    case.act("tax_check", "complete", who("t", "tax"), T)
    assert case.marking == ("pay",)


def test_multi_choice_join_waits_only_for_branches_that_started() -> None:
    case = claim(2000, False)
    assert case.active == ("audit",)
    case.act("audit", "complete", who("au", "auditor"), T)
    assert case.marking == ("pay",)
    direct = claim(10, False)
    assert direct.marking == ("pay",)
    direct.act("pay", "complete", who("m", "manager"), T)
    assert direct.outcome == "paid"


def test_for_each_runs_one_item_per_element_and_stops_at_its_count() -> None:
    buyer = who("b", "buyer")
    case = workflow("runtime_foreach").start(buyer, {"suppliers": ["A", "B", "C"],
                                                     "reviewers": ["x", "y", "z"]}, T)
    case.act("prepare", "complete", buyer, T)
    assert case.marking == ("inquire", "inquire", "inquire")
    items = [a.item for a in case.allowed_actions(buyer)]
    case.act("inquire", "complete", buyer, T, item=items[1])
    assert len(case.marking) == 2
    events = case.act("inquire", "complete", buyer, T)
    assert [e.kind for e in events] == ["cancelled"]
    assert case.marking == ("review",), "sequential: one reviewer at a time"


def test_sequential_for_each_ends_early_when_its_condition_holds() -> None:
    buyer, reviewer = who("b", "buyer"), who("r", "reviewer")
    case = workflow("runtime_foreach").start(buyer, {"suppliers": ["A"],
                                                     "reviewers": ["x", "y", "z"]}, T)
    case.act("prepare", "complete", buyer, T)
    case.act("inquire", "complete", buyer, T)
    case.act("review", "complete", reviewer, T, {"score": 4})
    assert case.marking == ("review",) and not case.done
    case.act("review", "complete", reviewer, T, {"score": 12})
    assert case.outcome == "chosen"


def test_interleaved_steps_are_all_offered_and_meet_at_the_join() -> None:
    hr, interviewer = who("h", "hr"), who("i", "interviewer")
    case = workflow("runtime_interleaved").start(hr, None, T)
    case.act("screen", "complete", hr, T)
    assert case.active == ("tech", "culture", "salary")
    case.act("salary", "complete", hr, T)
    case.act("tech", "complete", interviewer, T)
    assert case.active == ("culture",)
    case.act("culture", "complete", interviewer, T)
    assert case.marking == ("decide",)
    case.act("decide", "reject", hr, T)
    assert case.outcome == "declined"
