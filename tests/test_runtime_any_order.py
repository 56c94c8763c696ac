"""``in any order`` runs one task at a time (WCP-17); a for-each grows while it runs
(WCP-15); a for-each over an empty list is passed (issue 16, item 6)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from procdsl.runtime import Refused

from .test_runtime_helpers import FIXTURES, at, module_for_spec, who, workflow

T = at("2026-03-02 10:00", "UTC")
REC, ENG, MAN, DIR = who("r", "recruiter"), who("e", "engineer"), who("m", "manager"), who(
    "d", "director")


def scheduled(references: list[str] | None = None) -> Any:
    case = workflow("runtime_any_order").start(
        REC, {"offer": 1000, "candidates": ["ann"], "references": references or ["x"]}, T)
    case.act("open_role", "complete", REC, T)
    case.act("screen", "complete", REC, T)
    case.act("schedule", "complete", REC, T)
    return case


def reloaded(case: Any) -> Any:
    text = case.to_json()
    again = workflow("runtime_any_order").from_json(text)
    assert again.to_json() == text
    return again


def test_every_task_is_offered_until_one_starts() -> None:
    case = scheduled()
    assert case.active == ("tech_interview", "panel", "references_check")
    steps = {a.step for a in case.allowed_actions(who("all", "engineer", "manager",
                                                       "recruiter"))}
    assert steps == {"tech_interview", "panel", "references_check"}


def test_a_started_task_holds_the_block_until_it_finishes() -> None:
    case = scheduled()
    case.act("panel", "approve", MAN, T)  # the first of two approvals: panel has started
    assert case.active == ("tech_interview", "panel", "references_check")
    assert {a.step for a in case.allowed_actions(ENG)} == set()
    assert {a.step for a in case.allowed_actions(DIR)} == {"panel"}
    case = reloaded(case)  # the hold survives a snapshot
    before = case.to_json()
    with pytest.raises(Refused) as why:
        case.act("tech_interview", "complete", ENG, T)
    assert str(why.value) == ("tech_interview waits until panel is finished: tasks in any "
                              "order run one at a time")
    assert why.value.key == "interleaved" and case.to_json() == before
    with pytest.raises(Refused, match="waits until panel"):
        case.act("references_check", "complete", REC, T)
    case.act("panel", "approve", DIR, T)
    assert [r.action for r in case.history][-2:] == ["approve", "approve"]
    case.act("tech_interview", "complete", ENG, T)  # panel is done: the block is free
    case.act("references_check", "complete", REC, T)
    assert case.marking == ("decide",)
    case.act("decide", "complete", MAN, T)
    assert case.outcome == "decided"


def test_a_waiting_task_s_timers_wait_for_its_turn() -> None:
    case = scheduled()
    case.act("panel", "approve", MAN, T)
    late = T + dt.timedelta(days=2)
    assert case.tick(late) == (), "tech_interview waits for panel: so does its clock"
    case.act("panel", "approve", DIR, late)
    events = case.tick(late)
    assert [(e.kind, e.step) for e in events] == [("breach", "tech_interview"),
                                                   ("notify", "tech_interview")]


def test_single_action_steps_in_any_order() -> None:
    spec = FIXTURES / "lang_pattern_interleaved_routing.proc"
    wf = module_for_spec(spec).WORKFLOW
    recruiter, engineer, manager = who("r", "recruiter"), who("e", "engineer"), who(
        "m", "manager")
    case = wf.start(recruiter, None, T)
    case.act("schedule", "complete", recruiter, T)
    assert case.active == ("tech_interview", "hr_interview", "manager_interview")
    # One action does a step: none ever holds the block, so any order, one at a time.
    case.act("hr_interview", "complete", recruiter, T)
    case.act("manager_interview", "complete", manager, T)
    case.act("tech_interview", "complete", engineer, T)
    assert case.marking == ("decide",)


def test_candidates_added_while_the_screening_runs_are_screened() -> None:
    case = workflow("runtime_any_order").start(
        REC, {"offer": 1000, "candidates": ["ann", "bob"], "references": ["x"]}, T)
    case.act("open_role", "complete", REC, T)
    assert case.marking == ("screen", "screen")
    # Adding a candidate with the action that screens ann: cid gets a screening too.
    case.act("screen", "complete", REC, T, {"candidates": ["ann", "bob", "cid"]})
    assert case.marking == ("screen", "screen")
    assert [i.element for i in case.items.values()] == [1, 2]
    records = [(r.actor, r.action, r.detail) for r in case.history][-2:]
    assert records == [("r", "complete", ""), ("@clock", "grow", "1")]
    case = reloaded(case)
    case.act("screen", "complete", REC, T)
    assert case.marking == ("screen",)
    case.act("screen", "complete", REC, T)
    assert case.marking == ("schedule",)


def test_an_empty_list_gives_no_instance_and_passes_the_task() -> None:
    case = workflow("runtime_any_order").start(REC, {"offer": 1000, "references": []}, T)
    case.act("open_role", "complete", REC, T)
    assert case.marking == ("schedule",), "no candidates: nobody to screen"
    skip = case.history[-1]
    assert (skip.actor, skip.step, skip.action, skip.detail) == ("@clock", "screen", "skip",
                                                                 "empty")
    case.act("schedule", "complete", REC, T)
    assert case.active == ("tech_interview", "panel"), "no references to check"
    case.act("tech_interview", "complete", ENG, T)
    case.act("panel", "reject", MAN, T)
    assert case.marking == ("decide",)
    doc = json.loads(case.to_json())
    assert doc["items"][0]["task"] == "decide"


def test_sequential_for_each_grows_and_goes_on_with_the_added_element() -> None:
    wf = workflow("runtime_foreach")
    buyer, reviewer = who("b", "buyer"), who("r", "reviewer")
    case = wf.start(buyer, {"suppliers": ["A"], "reviewers": ["x"]}, T)
    case.act("prepare", "complete", buyer, T)
    case.act("inquire", "complete", buyer, T)
    assert case.marking == ("review",)
    case.act("review", "complete", reviewer, T, {"reviewers": ["x", "y"], "score": 1})
    assert case.marking == ("review",), "y was added while x reviewed: y reviews next"
    assert case.items[max(case.items)].element == 1
    case.act("review", "complete", reviewer, T + dt.timedelta(hours=1))
    assert case.outcome == "chosen"


def test_wcp15_calls_added_while_calling_are_made_until_enough_are_interested() -> None:
    wf = module_for_spec(FIXTURES / "lang_pattern_mi_no_prior_knowledge.proc").WORKFLOW
    recruiter = who("r", "recruiter")
    case = wf.start(recruiter, {"candidates": ["ann"]}, T)
    case.act("shortlist", "complete", recruiter, T)
    case.act("call", "complete", recruiter, T, {"candidates": ["ann", "bob"], "interested": 1})
    assert case.marking == ("call",) and case.items[max(case.items)].element == 1
    case.act("call", "complete", recruiter, T, {"candidates": ["ann", "bob", "cid", "dan"],
                                                "interested": 2})
    assert case.items[max(case.items)].element == 2
    case = workflow_reload(wf, case)
    case.act("call", "complete", recruiter, T, {"interested": 3})
    assert case.outcome == "enough", "dan is never called: three are interested"
    assert [r.action for r in case.history].count("grow") == 2


def test_wcp15_no_candidates_no_calls() -> None:
    wf = module_for_spec(FIXTURES / "lang_pattern_mi_no_prior_knowledge.proc").WORKFLOW
    recruiter = who("r", "recruiter")
    case = wf.start(recruiter, None, T)
    case.act("shortlist", "complete", recruiter, T)
    assert case.outcome == "enough"
    assert (case.history[-1].step, case.history[-1].action) == ("call", "skip")


def workflow_reload(wf: Any, case: Any) -> Any:
    text = case.to_json()
    again = wf.from_json(text)
    assert again.to_json() == text
    return again
