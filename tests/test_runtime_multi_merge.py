"""wait for each (multi-merge): the meeting task runs once per arriving branch."""

from __future__ import annotations

from .test_runtime_helpers import at, who, workflow

T = at("2026-03-02 10:00")
SALES, AUDIT = who("s", "sales"), who("a", "audit")


def test_each_arriving_branch_runs_the_meeting_task_once() -> None:
    case = workflow("lang_pattern_multi_merge").start(SALES, None, T)
    case.act("close_deal", "complete", SALES, T)
    assert case.active == ("check_price", "check_terms")
    case.act("check_price", "complete", AUDIT, T)
    assert sorted(case.marking) == ["check_terms", "log_finding"], "the first arrival runs"
    case.act("log_finding", "complete", AUDIT, T)
    assert not case.done, "the other branch is still active"
    case.act("check_terms", "complete", AUDIT, T)
    assert case.marking == ("log_finding",), "the second arrival runs it again"
    case.act("log_finding", "complete", AUDIT, T)
    assert case.done and case.outcome == "logged"
    assert [r.step for r in case.history].count("log_finding") == 2
