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


# ------------------------------------------------------------ approver actions, worded
# The refusals of transfer (转交), add-sign (加签), urge (催办), the requester's pick and the
# stage rules, driven through their refused paths in a zh and an en spec (same shape).

def _org(zh: bool) -> Any:
    from procdsl.runtime import DictDirectory
    manager, director = ("经理", "总监") if zh else ("manager", "director")
    return DictDirectory(
        departments={"company": ("ceo", None), "sales": ("sam", "company"),
                     "sales_east": ("eve", "sales")},
        people={"alice": "sales_east", "bob": "sales_east", "eve": "sales_east",
                "sam": "sales", "ceo": "company"},
        roles={director: {"sam", "dora"}, manager: {"eve", "bob", "sam"}})


_NAMES = {  # fixture, steps, roles, field
    "zh": ("runtime_org_zh", "填写", "主管审批", "二级审批", "规则审批", "自选审批", "员工", "经理",
           "天数"),
    "en": ("runtime_org_en", "fill", "manager_ok", "second", "by_rule", "picked", "staff",
           "manager", "days"),
}

_EXPECTED = {
    "for_people": ("主管审批 应由 eve 审批，bob 不是审批人", "manager_ok is for eve, not bob"),
    "bring_role": ("x 不能加入 主管审批：需要角色 经理 或 总监",
                   "x may not be brought into manager_ok: it needs the role manager or director"),
    "not_person": ("'@user:z' 不是人员", "not a person: '@user:z'"),
    "bring_self": ("eve 不能把自己加入 主管审批", "eve cannot bring themself into manager_ok"),
    "not_approver": ("eve 不是 主管审批 本阶段的审批人",
                     "eve is not an approver of manager_ok at this stage"),
    "transfer_many": ("主管审批 本阶段需要 2 人审批，不能转交",
                      "manager_ok needs 2 decisions here: it cannot be transferred"),
    "add_sign_where": ("加签须在我之前（before）、之后（after）或与我同时（with），不能是 'middle'",
                       "add-sign is before, after or with, not 'middle'"),
    "add_sign_before": ("主管审批 本阶段已有人审批：只能在我之后或与我同时加签",
                        "votes are cast at this stage of manager_ok: add the signer after or "
                        "with you"),
    "no_directory": ("没有通讯录（Directory），无法确认 sam 具有角色 经理 或 总监",
                     "no directory to check that sam holds manager or director"),
    "urge_requester": ("只有发起人（alice）可以催办 主管审批，bob 不能",
                       "only the requester (alice) may urge manager_ok, not bob"),
    "urged_recently": ("主管审批 一小时内已催办过", "manager_ok was urged less than an hour ago"),
    "decided_already": ("eve 已在本阶段审批过 主管审批",
                        "eve has already decided on manager_ok at this stage"),
    "not_allowed": ("二级审批 不允许转交（允许的操作见流程定义）",
                    "second does not allow transfer (the spec says what it allows)"),
    "not_allowed_urge": ("二级审批 不允许催办（允许的操作见流程定义）",
                         "second does not allow urging (the spec says what it allows)"),
    "not_allowed_add_sign": ("二级审批 不允许加签（允许的操作见流程定义）",
                             "second does not allow add-sign (the spec says what it allows)"),
    "rule_no_approver": ("审批规则没有为本案例的 规则审批 选出审批人",
                         "the rule for by_rule chose no approver for this case"),
    "not_pick": ("主管审批 的审批人不是发起人自选",
                 "the approvers of manager_ok are not the requester's choice"),
    "pick_requester": ("只有发起人（alice）可以自选 自选审批 的审批人，bob 不能",
                       "only the requester (alice) may choose the approvers of picked, not bob"),
    "pick_people": ("请为 自选审批 选择一位或多位不同的审批人",
                    "choose one or more different people for picked"),
    "pick_self": ("alice 是本案例的发起人，不能审批 自选审批（不相容职务：非发起人）",
                  "alice started this case and may not approve picked (not by requester)"),
    "pick_role": ("bob 不能审批 自选审批：需要角色 总监",
                  "bob may not approve picked: it needs the role director"),
    "waits_for_pick": ("自选审批 等待发起人（alice）自选审批人",
                       "picked waits for the requester (alice) to choose its approvers"),
    "picked_already": ("自选审批 的审批人已选定", "the approvers of picked are chosen already"),
    "no_approver_found": ("本案例的 主管审批 没有找到审批人",
                          "no approver was found for manager_ok in this case"),
}


def _refuses(seen: set[str], lang: str, name: str, call: Any, *args: Any) -> None:
    with pytest.raises(Refused) as why:
        call(*args)
    zh_text, en_text = _EXPECTED[name]
    assert str(why.value) == (zh_text if lang == "zh" else en_text)
    assert why.value.key == name.removesuffix("_urge").removesuffix("_add_sign")
    assert why.value.params  # the application can word it itself
    seen.add(name)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_approver_actions_refuse_in_the_specs_language(lang: str) -> None:
    from procdsl.runtime.compiled import NOBODY
    fixture, fill, first, second, by_rule, picked, staff, manager, days = _NAMES[lang]
    wf, org, seen = workflow(fixture), _org(lang == "zh"), set[str]()
    alice, bob = who("alice", staff), who("bob", manager)
    eve, sam, dora = who("eve", manager), who("sam", manager), who("dora")
    case = wf.start(alice, {days: 3}, T0, directory=org)
    case.act(fill, "complete", alice, T0)
    no = lambda name, call, *args: _refuses(seen, lang, name, call, *args)  # noqa: E731
    no("not_pick", case.pick, first, ["sam"], alice, T0)
    no("pick_requester", case.pick, picked, ["sam"], bob, T0)
    no("pick_people", case.pick, picked, [], alice, T0)
    no("pick_self", case.pick, picked, ["alice"], alice, T0)
    no("pick_role", case.pick, picked, ["bob"], alice, T0)
    no("for_people", case.act, first, "approve", bob, T0)
    no("bring_role", case.transfer, first, "x", eve, T0)
    no("not_person", case.transfer, first, "@user:z", eve, T0)
    no("bring_self", case.transfer, first, "eve", eve, T0)
    no("add_sign_where", case.add_sign, first, "sam", "middle", eve, T0)
    no("urge_requester", case.urge, first, bob, T0)
    case.urge(first, alice, T0)
    no("urged_recently", case.urge, first, alice, T0 + dt.timedelta(minutes=59))
    work = next(i for i in case.items.values() if i.task == first)
    kept = work.needs, work.votes, work.escalated
    work.needs = [2]  # white-box: a stage that needs two decisions
    no("transfer_many", case.transfer, first, "sam", eve, T0)
    work.needs, work.votes = kept[0], [["x", "@user:eve"]]  # a vote cast at this stage
    no("add_sign_before", case.add_sign, first, "sam", "before", eve, T0)
    work.votes, work.escalated = kept[1], manager  # escalated: one holder of the role decides
    no("not_approver", case.transfer, first, "sam", eve, T0)
    work.escalated = kept[2]
    case.directory = None
    no("no_directory", case.transfer, first, "sam", eve, T0)
    case.directory = org
    case.add_sign(first, "sam", "with", eve, T0)
    case.act(first, "approve", eve, T0)
    no("decided_already", case.act, first, "approve", eve, T0)
    case.act(first, "approve", sam, T0)  # the second level: sam
    no("not_allowed", case.transfer, second, "bob", sam, T0)
    no("not_allowed_add_sign", case.add_sign, second, "bob", "after", sam, T0)
    no("not_allowed_urge", case.urge, second, alice, T0)
    case.act(second, "approve", sam, T0)
    work = next(i for i in case.items.values() if i.task == by_rule)
    stages = work.stages
    work.stages = [[NOBODY]]  # white-box: a rule row that named nobody
    no("rule_no_approver", case.act, by_rule, "approve", bob, T0)
    work.stages = stages
    case.act(by_rule, "approve", bob, T0)
    no("waits_for_pick", case.act, picked, "approve", dora, T0)
    case.pick(picked, ["dora"], alice, T0)
    no("picked_already", case.pick, picked, ["sam"], alice, T0)
    alone = wf.start(alice, {days: 3}, T0)  # no directory: nobody is found
    alone.act(fill, "complete", alice, T0)
    no("no_approver_found", alone.act, first, "approve", eve, T0)
    assert seen == set(_EXPECTED)


def test_every_runtime_message_has_the_same_placeholders_in_zh_and_en() -> None:
    import string

    from procdsl.runtime import messages
    for key, (zh, en) in messages._TEXTS.items():
        def names(s: str) -> set[str]:
            return {f for _, f, _, _ in string.Formatter().parse(s) if f}
        assert names(zh) == names(en), key


# ------------------------------------------------------------ a return the approver aims
_CHOICE = {  # fixture, fill, first review, second review, roles, expected refusals
    "zh": ("runtime_return_choice_zh", "填写申请", "部门初审", "经理审批", ("员工", "主管", "经理"),
           "经理审批 退回至审批人选定的步骤：请指定 填写申请 或 部门初审",
           "经理审批 不能退回至 经理审批：可选 填写申请 或 部门初审",
           "部门初审 不能退回至 部门初审：可选 填写申请"),
    "en": ("runtime_return_choice_en", "fill_form", "dept_review", "manager_review",
           ("staff", "lead", "manager"),
           "manager_review returns to a step the approver chooses: name fill_form or "
           "dept_review",
           "manager_review cannot return to manager_review: choose fill_form or dept_review",
           "dept_review cannot return to dept_review: choose fill_form"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_approver_chooses_where_a_return_goes(lang: str) -> None:
    fixture, fill, first, second, roles, missing, wrong, fixed = _CHOICE[lang]
    wf = workflow(fixture)
    staff, lead, manager = who("s", roles[0]), who("l", roles[1]), who("m", roles[2])
    case = wf.start(staff, None, T0)
    case.act(fill, "complete", staff, T0)
    with pytest.raises(Refused) as why:
        case.act(first, "return", lead, T0, target=first)  # a fixed return names no step
    assert (str(why.value), why.value.key) == (fixed, "return_not_allowed")
    case.act(first, "approve", lead, T0)
    before = case.to_json()
    with pytest.raises(Refused) as why:
        case.act(second, "return", manager, T0)
    assert (str(why.value), why.value.key) == (missing, "return_choose")
    with pytest.raises(Refused) as why:
        case.act(second, "return", manager, T0, target=second)
    assert (str(why.value), why.value.key) == (wrong, "return_not_allowed")
    assert why.value.params["target"] == second
    assert case.to_json() == before  # refused: nothing changed
    case.act(second, "return", manager, T0, target=first)
    assert case.active == (first,)
    record = case.history[-1]
    assert (record.action, record.detail) == ("return", f"to:{first}")
    again = wf.from_json(case.to_json())  # the snapshot keeps where it went and why
    assert again.to_json() == case.to_json() and again.history[-1].detail == f"to:{first}"
    again.act(first, "approve", lead, T0)
    again.act(second, "return", manager, T0, target=fill)
    assert again.active == (fill,)
    # The cap counts the choice route's passes: the 4th return goes to the cap's end.
    again.act(fill, "complete", staff, T0)
    again.act(first, "approve", lead, T0)
    again.act(second, "return", manager, T0, target=fill)
    again.act(fill, "complete", staff, T0)
    again.act(first, "approve", lead, T0)
    again.act(second, "return", manager, T0, target=fill)  # over the cap: the end
    assert again.done and again.outcome == ("未通过" if lang == "zh" else "refused")


def test_each_allowed_return_is_a_route_of_the_plan() -> None:
    from procdsl.kinds import Split
    from procdsl.plan import plan_of

    from .test_runtime_helpers import spec_of
    for lang, (fixture, fill, first, second, *_) in _CHOICE.items():
        plan = plan_of(spec_of(fixture))
        routes = [r for r in plan.routes_from(second) if r.action == "return"]
        assert [(r.target, r.split) for r in routes if r.split is Split.CHOICE] == [
            (fill, Split.CHOICE), (first, Split.CHOICE)], lang
        assert not [b for b in plan.blocks if b.split == second]  # a choice is no split


def test_the_manual_and_diagram_word_a_chosen_return() -> None:
    from procdsl.kinds import Split
    from procdsl.vocabulary import split_text
    assert split_text(Split.CHOICE, ["填写申请", "部门初审"], "zh") == "退回至审批人选定的步骤：填写申请或部门初审"
    assert split_text(Split.CHOICE, ["fill_form", "dept_review"], "en") == (
        "it goes back to the step the approver chooses: fill_form or dept_review")
