"""The people-facing runtime: refusals and event descriptions in the spec's language,
times in the calendar's zone, required and ranged data fields (issue 16, item 7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from procdsl import vocabulary
from procdsl.runtime import Refused
from procdsl.runtime.messages import ACTION_WORDS

from .test_runtime_helpers import at, who, workflow

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = at("2026-10-12 09:30", "UTC")  # a Monday, 17:30 in Shanghai
员工, 主管, 财务 = who("e1", "员工"), who("m1", "直属主管"), who("f1", "财务")
GOOD = {"金额": Decimal("800"), "类别": "差旅", "事由": "客户拜访"}


def claim(**data: Any) -> Any:
    return workflow("runtime_claim_zh").start(员工, {**GOOD, **data}, T0)


def test_a_chinese_spec_refuses_in_chinese() -> None:
    case = claim()
    with pytest.raises(Refused) as why:
        case.act("填写报销单", "complete", 主管, T0)
    assert str(why.value) == "填写报销单 需要角色 员工；m1 的角色：直属主管"
    case.act("填写报销单", "complete", 员工, T0)
    with pytest.raises(Refused, match="^主管审批 需要角色 直属主管；e1 的角色：员工$"):
        case.act("主管审批", "approve", 员工, T0)
    with pytest.raises(Refused, match="^填写报销单 当前不在办理中；正在办理：主管审批$"):
        case.act("填写报销单", "complete", 员工, T0)
    with pytest.raises(Refused, match="^主管审批 没有操作 complete；可用操作：approve, reject$"):
        case.act("主管审批", "complete", 主管, T0)
    with pytest.raises(Refused, match="^没有名为 付款 的步骤$"):
        case.act("付款", "complete", 主管, T0)
    both = who("x", "员工", "直属主管")
    mine = workflow("runtime_claim_zh").start(both, GOOD, T0)
    mine.act("填写报销单", "complete", both, T0)
    with pytest.raises(Refused, match="不相容职务：非发起人"):
        mine.act("主管审批", "approve", both, T0)


def test_an_english_spec_still_refuses_in_english() -> None:
    case = workflow("runtime_any_order").start(who("r", "recruiter"), {"offer": 1000}, T0)
    with pytest.raises(Refused, match="^open_role needs the role recruiter; m holds manager$"):
        case.act("open_role", "complete", who("m", "manager"), T0)


def test_the_runtime_words_actions_as_the_vocabulary_does() -> None:
    for action, (zh, en) in ACTION_WORDS.items():
        assert vocabulary.action_word(action, "zh") == zh
        # English refusals name the action as the API spells it ("may complete at most").
        assert vocabulary.action_word(action, "en") == ("done" if en == "complete" else en)


def test_required_fields_must_be_given_at_start() -> None:
    wf = workflow("runtime_claim_zh")
    with pytest.raises(Refused) as why:
        wf.start(员工, {"金额": 10}, T0)
    assert str(why.value) == "缺少必填字段 类别、事由" and why.value.key == "required"
    with pytest.raises(Refused, match="缺少必填字段 金额、类别、事由"):
        wf.start(员工, None, T0)
    with pytest.raises(Refused, match="^必填字段 事由 不能为空$"):
        wf.start(员工, {**GOOD, "事由": "  "}, T0)
    with pytest.raises(Refused, match=r"^类别 不能是 '餐饮'（可选值：差旅、办公、招待）$"):
        wf.start(员工, {**GOOD, "类别": "餐饮"}, T0)


def test_ranged_fields_are_checked_at_start_and_at_every_act_with_data() -> None:
    wf = workflow("runtime_claim_zh")
    with pytest.raises(Refused) as why:
        wf.start(员工, {**GOOD, "金额": -5}, T0)
    assert str(why.value) == "金额 为 -5，超出取值范围 0..1000000"
    assert why.value.params == {"field": "金额", "value": "-5", "low": "0", "high": "1000000"}
    with pytest.raises(Refused, match="天数 为 31"):
        wf.start(员工, {**GOOD, "天数": 31}, T0)
    case = wf.start(员工, {**GOOD, "金额": 0}, T0)  # both ends are in the range
    before = case.to_json()
    with pytest.raises(Refused, match="金额 为 1000001，超出取值范围"):
        case.act("填写报销单", "complete", 员工, T0, {"金额": 1_000_001})
    with pytest.raises(Refused, match="^必填字段 事由 不能为空$"):
        case.act("填写报销单", "complete", 员工, T0, {"事由": ""})
    assert case.to_json() == before and len(case.history) == 1
    case.act("填写报销单", "complete", 员工, T0, {"金额": 1_000_000})
    assert case.data.金额 == Decimal(1_000_000) and case.history[-1].action == "complete"
    assert case.active == ("财务复核",) or case.active == ("主管审批",)


def test_times_come_back_in_the_calendar_zone() -> None:
    case = claim()
    case.act("填写报销单", "complete", 员工, T0)
    record = case.history[-1]
    assert record.at == T0 and record.at.tzinfo is SHANGHAI
    (deadline,) = case.deadlines
    # 2 workdays from Monday 17:30: Wednesday 17:30 in Shanghai.
    assert deadline.due == dt.datetime(2026, 10, 14, 17, 30, tzinfo=SHANGHAI)
    assert deadline.due.tzinfo is SHANGHAI
    events = case.tick(deadline.due)
    assert [e.kind for e in events] == ["reminder", "breach", "notify"]
    assert all(e.at.tzinfo is SHANGHAI for e in events)
    assert events[0].at == dt.datetime(2026, 10, 13, 17, 30, tzinfo=SHANGHAI)
    texts = [case.describe(e) for e in events]
    assert texts == ["提醒：主管审批 即将到期（2026-10-13 17:30 CST）",
                     "主管审批 已超时（2026-10-14 17:30 CST）",
                     "主管审批 已超时，通知 财务（2026-10-14 17:30 CST）"]
    # The snapshot keeps UTC; a loaded case returns the calendar's zone again.
    text = case.to_json()
    assert "+08:00" not in text
    again = workflow("runtime_claim_zh").from_json(text)
    assert again.to_json() == text and again.history[-1].at.tzinfo is SHANGHAI


def test_english_event_descriptions() -> None:
    wf = workflow("runtime_any_order")
    recruiter = who("r", "recruiter")
    case = wf.start(recruiter, {"offer": 1000, "candidates": ["a"]}, T0)
    case.act("open_role", "complete", recruiter, T0)
    events = case.act("screen", "complete", recruiter, T0)
    assert events == ()
    case.act("schedule", "complete", recruiter, T0)
    events = case.act("tech_interview", "complete", who("e", "engineer"), T0,
                      {"candidates": ["a"]})
    assert events == ()
    from procdsl.runtime import Event
    text = case.describe(Event("cancelled", "panel", (), T0))
    assert text == "panel was cancelled (2026-10-12 09:30 UTC)"
