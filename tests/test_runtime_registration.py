"""Scenario tests on the Chinese registration spec: the generated machine end to end."""

from __future__ import annotations

import json

import pytest

from procdsl.runtime import Refused, SnapshotError

from .test_runtime_helpers import at, who, workflow

客户 = who("c1", "客户")
录入 = who("e1", "录入员")
审核 = who("r1", "审核员")
审核2 = who("r2", "审核员")
复核 = who("g1", "复核组")
主管 = who("b1", "主管")
总监 = who("d1", "风险总监")
T0 = at("2026-09-29 10:00")


def to_review(risk: str = "低") -> object:
    case = workflow("registration_zh").start(客户, {"风险等级": risk}, T0)
    case.act("准备资料", "complete", 客户, T0)
    case.act("信息录入", "complete", 录入, T0)
    return case


def test_happy_path_reaches_success_end() -> None:
    case = to_review()
    case.act("初审", "approve", 审核, T0)
    case.act("复核", "approve", 复核, T0)
    assert case.active == ("复核",), "会签 waits for every listed role"
    case.act("复核", "approve", 审核2, T0)
    case.act("审批", "approve", 主管, T0)
    for step, actor in (("制卡", who("m", "制卡中心")), ("邮寄", who("l", "物流")),
                        ("激活", 客户)):
        case.act(step, "complete", actor, T0)
    assert case.done and case.outcome == "注册完成" and case.active == ()
    assert [r.action for r in case.history][:3] == ["start", "complete", "complete"]
    assert case.history[-1].before == ("激活",) and case.history[-1].after == ()


def test_rejection_ends_in_failure_and_clears_the_marking() -> None:
    case = to_review()
    case.act("初审", "approve", 审核, T0)
    case.act("复核", "reject", 复核, T0)
    assert case.outcome == "注册失败" and case.active == ()
    with pytest.raises(Refused, match="案例已结束"):
        case.act("复核", "approve", 审核2, T0)


def test_rework_loop_goes_to_the_cap_target_after_three_returns() -> None:
    case = to_review()
    for _ in range(3):
        case.act("初审", "return", 审核, T0)
        assert case.active == ("准备资料",)
        case.act("准备资料", "complete", 客户, T0)
        case.act("信息录入", "complete", 录入, T0)
    case.act("初审", "return", 审核, T0)
    assert case.outcome == "注册失败"


def test_role_refusal_says_why_and_changes_nothing() -> None:
    case = to_review()
    before = case.to_json()
    with pytest.raises(Refused, match="审核员") as refused:
        case.act("初审", "approve", 客户, T0)
    assert "c1" in str(refused.value)
    assert case.to_json() == before
    assert case.allowed_actions(客户) == ()


def test_separation_of_duties_bars_whoever_did_the_first_review() -> None:
    both = who("x", "审核员", "复核组")
    case = to_review()
    case.act("初审", "approve", both, T0)
    before = case.to_json()
    with pytest.raises(Refused, match="不相容职务分离"):
        case.act("复核", "approve", both, T0)
    assert case.to_json() == before


def test_extra_approver_joins_only_for_high_risk() -> None:
    for risk, extra in (("高", True), ("低", False)):
        case = to_review(risk)
        case.act("初审", "approve", 审核, T0)
        case.act("复核", "approve", 复核, T0)
        case.act("复核", "approve", 审核2, T0)
        case.act("审批", "approve", 主管, T0)
        assert case.active == (("审批",) if extra else ("制卡",))
        if extra:
            case.act("审批", "approve", 总监, T0)
            assert case.active == ("制卡",)


def test_sla_breach_across_the_national_holiday_and_weekend() -> None:
    # 初审 (1 workday = 8 working hours) starts Wed 30 Sep 16:00: 2 hours that day, then
    # 1-7 Oct are holidays (with a weekend inside), so 6 more hours on Thu 8 Oct -> 16:00.
    start = at("2026-09-30 16:00")
    case = workflow("registration_zh").start(客户, None, start)
    case.act("准备资料", "complete", 客户, start)
    case.act("信息录入", "complete", 录入, start)
    due = [d.due for d in case.deadlines if d.step == "初审"][0]
    assert due == at("2026-10-08 16:00")
    events = case.tick(at("2026-10-08 15:59"))
    assert [e.kind for e in events] == ["reminder"]
    assert events[0].at == at("2026-10-08 14:00")  # 75% = 6 working hours
    events = case.tick(at("2026-10-08 16:00"))
    assert [(e.kind, e.roles) for e in events] == [("breach", ("审核员",)),
                                                   ("escalated", ("主管",))]
    assert case.tick(at("2026-10-09 09:00")) == ()
    with pytest.raises(Refused, match="主管"):
        case.act("初审", "approve", 审核, start)
    case.act("初审", "approve", 主管, at("2026-10-08 16:30"))
    assert case.active == ("复核",)
    assert case.history[-2].actor == "@clock" and case.history[-2].action == "escalate"


def test_work_hours_and_workdays_skip_a_plain_weekend() -> None:
    # 制卡 has 3 workdays; started Fri 16 Oct 17:00 -> 1 h Fri, 8 h Mon, 8 h Tue, 7 h Wed.
    case = to_review()
    case.act("初审", "approve", 审核, T0)
    case.act("复核", "approve", 复核, T0)
    case.act("复核", "approve", 审核2, T0)
    friday = at("2026-10-16 17:00")
    case.act("审批", "approve", 主管, friday)
    assert [d.due for d in case.deadlines if d.step == "制卡"] == [at("2026-10-21 17:00")]


def test_json_round_trip_is_lossless_and_checks_the_version() -> None:
    case = to_review("高")
    case.act("初审", "approve", 审核, T0)
    text = case.to_json()
    back = workflow("registration_zh").from_json(text)
    assert back.to_json() == text
    assert back.active == case.active and back.data == case.data
    back.act("复核", "approve", 复核, T0)
    assert len(back.history) == len(case.history) + 1
    doc = json.loads(text)
    doc["version"] = "9.9"
    with pytest.raises(SnapshotError, match="9.9"):
        workflow("registration_zh").from_json(json.dumps(doc))
    with pytest.raises(SnapshotError):
        workflow("registration_zh").from_json("[1, 2]")


def test_bad_data_and_unknown_actions_are_refused() -> None:
    case = to_review()
    before = case.to_json()
    with pytest.raises(Refused, match="风险等级"):
        case.act("初审", "approve", 审核, T0, {"风险等级": "极高"})
    with pytest.raises(Refused, match="没有操作 complete"):
        case.act("初审", "complete", 审核, T0)
    with pytest.raises(Refused, match="复核 当前不在办理中"):
        case.act("复核", "approve", 复核, T0)
    with pytest.raises(ValueError, match="aware"):
        case.act("初审", "approve", 审核, T0.replace(tzinfo=None))
    assert case.to_json() == before
