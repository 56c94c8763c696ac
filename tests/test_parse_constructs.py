"""Parse -> model tests for every construct of the language, with spans; docs/language.md.

Each test parses a small spec (English, Chinese or mixed keywords) and asserts the
model fields and where in the text each node came from.  Parsing only: the checks are
tested elsewhere, so these snippets need not be complete processes.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from procdsl import model as m
from procdsl.compiler import check_text
from procdsl.diagnostics import Severity, has_errors
from procdsl.keywords import KEYWORDS, Keyword
from procdsl.parser import parse_source
from procdsl.source import SourceFile, Span


class Parsed:
    """A parsed snippet: the model plus the text, to check what each span covers."""

    def __init__(self, text: str) -> None:
        self.text = textwrap.dedent(text).lstrip("\n")
        result = parse_source(SourceFile.from_text("t.proc", self.text))
        assert not has_errors(result.diagnostics), [d.message for d in result.diagnostics]
        assert result.spec is not None
        self.spec = result.spec

    def at(self, span: Span) -> str:
        """Return the text a span covers."""
        return self.text[span.start:span.end]

    def task(self, name: str) -> m.Task:
        task = self.spec.task(name)
        assert task is not None, name
        return task


def parse(text: str) -> Parsed:
    return Parsed(text)


def condition(cond: str, fields: str = "") -> tuple[Parsed, m.Expr]:
    """Parse ``cond`` as the condition of a when-route; return the snippet and the expr."""
    data = f"data\n  {fields}\n" if fields else ""
    p = parse(f"process p\n{data}step a\n  when {cond} -> b\n")
    expr = p.task("a").routes[0].condition
    assert expr is not None
    return p, expr


# ------------------------------------------------------------------ header


def test_header_items_english() -> None:
    p = parse('''
        process purchase "Purchasing"
          version 1.2.0
          owner "Procurement department"
          lang en
          purpose "Buy what is needed."
          scope "All departments."
          reference "Policy A"
          reference "Policy B"
          description "The long form."
          sla 20 workdays
          calendar office
          start request
          withdraw while request, review -> end withdrawn
          cancel by manager, director -> end cancelled
          action add_files "Add files" by requester while request
        ''')
    proc = p.spec.process
    assert (proc.name.text, proc.title, proc.version) == ("purchase", "Purchasing", "1.2.0")
    assert proc.owner == "Procurement department"
    assert proc.lang == "en" and p.spec.lang == "en"
    assert proc.purpose == "Buy what is needed." and proc.scope == "All departments."
    assert proc.references == ("Policy A", "Policy B")
    assert proc.description == "The long form."
    assert proc.sla is not None and proc.sla.duration.amount == 20
    assert proc.sla.duration.unit is m.TimeUnit.WORKDAYS
    assert proc.calendar is not None and proc.calendar.text == "office"
    assert proc.start is not None and proc.start.text == "request"
    assert proc.withdraw is not None
    assert [s.text for s in proc.withdraw.steps] == ["request", "review"]
    assert proc.withdraw.target.name.text == "withdrawn" and proc.withdraw.target.explicit_end
    assert [[r.text for r in c.roles] for c in proc.cancels] == [["manager", "director"]]
    assert proc.cancels[0].target.name.text == "cancelled"
    (action,) = proc.actions
    assert (action.name.text, action.title) == ("add_files", "Add files")
    assert action.assignee.mode is m.AssigneeMode.REQUESTER
    assert [s.text for s in action.steps] == ["request"]
    assert (proc.name.span.line, proc.name.span.column) == (1, 9)
    assert p.at(proc.span).startswith("process purchase") and p.at(proc.span).endswith(
        "while request")
    assert (proc.withdraw.span.line, proc.withdraw.span.column) == (13, 3)


def test_header_items_chinese() -> None:
    p = parse('''
        流程 采购 "采购流程"
          版本 2.0
          负责人 采购部
          语言 zh
          目的 "规范采购。"
          适用范围 "全公司"
          参考文件 "采购制度"
          说明 "长说明"
          时限 30 工作日
          日历 公司日历
          开始 需求申请
          撤回 处于 需求申请 -> 结束 已撤回
          取消 由 采购经理 -> 结束 已取消
          操作 补充附件 由 发起人 处于 需求申请, 需求审批
        ''')
    proc = p.spec.process
    assert (proc.name.text, proc.title, proc.version, proc.owner) == (
        "采购", "采购流程", "2.0", "采购部")
    assert proc.lang == "zh" and proc.purpose == "规范采购。" and proc.scope == "全公司"
    assert proc.references == ("采购制度",) and proc.description == "长说明"
    assert proc.sla is not None and proc.sla.duration.unit is m.TimeUnit.WORKDAYS
    assert proc.calendar is not None and proc.calendar.text == "公司日历"
    assert proc.start is not None and proc.start.text == "需求申请"
    assert proc.withdraw is not None and proc.withdraw.target.name.text == "已撤回"
    assert proc.cancels[0].roles[0].text == "采购经理"
    assert proc.actions[0].title is None
    assert [s.text for s in proc.actions[0].steps] == ["需求申请", "需求审批"]
    assert (proc.actions[0].span.line, proc.actions[0].span.column) == (14, 3)


def test_header_defaults_and_process_sla_block() -> None:
    p = parse('''
        process p
          sla 10 days
            remind at 80%
            on breach notify boss
        ''')
    proc = p.spec.process
    assert proc.title is None and proc.version is None and proc.lang == "en"
    assert proc.references == () and proc.cancels == () and proc.actions == ()
    assert proc.sla is not None
    assert proc.sla.reminders[0].percent == Decimal(80)
    assert proc.sla.breaches[0].kind is m.BreachKind.NOTIFY
    assert p.at(proc.sla.span) == "sla 10 days\n    remind at 80%\n    on breach notify boss"


# ------------------------------------------------------------------ calendars


def test_calendar_english() -> None:
    p = parse('''
        process p
        calendar office "Office hours"
          description "London office"
          workdays mon..fri, sat
          hours 09:00-12:30, 13:30-17:45
          holidays 2026-12-25..2026-12-26, 2027-01-01
          makeup 2026-12-27
          timezone Europe/London
        ''')
    cal = p.spec.calendar("office")
    assert cal is not None and cal.title == "Office hours" and cal.description == "London office"
    assert [(d.first.text, d.last.text if d.last else None) for d in cal.workdays] == [
        ("mon", "fri"), ("sat", None)]
    assert [(h.start, h.end) for h in cal.hours] == [(540, 750), (810, 1065)]
    assert [(h.first, h.last) for h in cal.holidays] == [
        ("2026-12-25", "2026-12-26"), ("2027-01-01", "2027-01-01")]
    assert cal.holidays[0].dates() == (dt.date(2026, 12, 25), dt.date(2026, 12, 26))
    assert [(h.first, h.last) for h in cal.makeup_days] == [("2026-12-27", "2026-12-27")]
    assert cal.timezone is not None and cal.timezone.text == "Europe/London"
    assert p.at(cal.workdays[0].span) == "mon..fri"
    assert (cal.hours[1].span.line, cal.hours[1].span.column) == (5, 22)
    assert p.at(cal.timezone.span) == "Europe/London"


def test_calendar_chinese_with_repeated_lines_and_quoted_zone() -> None:
    p = parse('''
        流程 p
        日历 工作日历
          工作日 周一..周五
          工作时间 09:00-18:00
          节假日 2026-10-01..2026-10-07
          节假日 2026-02-15..2026-02-23
          调休 2026-09-20, 2026-10-10
          补班 2026-02-14
          时区 "Asia/Shanghai"
        ''')
    cal = p.spec.calendar("工作日历")
    assert cal is not None
    assert cal.workdays[0].first.text == "周一" and cal.workdays[0].last is not None
    assert [(h.start, h.end) for h in cal.hours] == [(540, 1080)]
    assert [h.first for h in cal.holidays] == ["2026-10-01", "2026-02-15"]
    assert len(cal.holidays[0].dates()) == 7
    assert [d.first for d in cal.makeup_days] == ["2026-09-20", "2026-10-10", "2026-02-14"]
    assert cal.timezone is not None and cal.timezone.text == "Asia/Shanghai"


# ------------------------------------------------------------------ roles and data


def test_roles_block_inline_and_chinese() -> None:
    p = parse('''
        process p
        roles
          clerk "Data entry clerk"
          customer external
          courier "Courier company" external
            description "Delivers cards"
        role auditor
        角色 供应商 外部
        ''')
    clerk, customer, courier, auditor, supplier = p.spec.roles
    assert (clerk.name.text, clerk.title, clerk.external) == ("clerk", "Data entry clerk", False)
    assert customer.external and customer.title is None
    assert courier.external and courier.description == "Delivers cards"
    assert auditor.name.text == "auditor" and not auditor.external
    assert supplier.name.text == "供应商" and supplier.external
    assert p.spec.role("clerk") is clerk
    assert (customer.span.line, customer.span.column) == (4, 3)
    assert p.at(customer.span) == "customer external"


@pytest.mark.parametrize(("spelling", "kind"), [
    ("bool", m.TypeKind.BOOL), ("是否", m.TypeKind.BOOL), ("布尔", m.TypeKind.BOOL),
    ("int", m.TypeKind.INT), ("整数", m.TypeKind.INT),
    ("decimal", m.TypeKind.DECIMAL), ("小数", m.TypeKind.DECIMAL),
    ("number", m.TypeKind.DECIMAL),
    ("money", m.TypeKind.MONEY), ("金额", m.TypeKind.MONEY),
    ("text", m.TypeKind.TEXT), ("文本", m.TypeKind.TEXT),
    ("date", m.TypeKind.DATE), ("日期", m.TypeKind.DATE),
])
def test_simple_types(spelling: str, kind: m.TypeKind) -> None:
    p = parse(f"process p\ndata\n  f: {spelling}\n")
    (field,) = p.spec.fields
    assert field.type.kind is kind and field.type.values == () and field.type.item is None
    assert p.at(field.type.span) == spelling


def test_enum_list_descriptions_and_optional_colon() -> None:
    p = parse('''
        process p
        data
          level: enum(low, mid, high) "Risk level"
          风险: 枚举(低, 中, 高)
          suppliers: list of text
          批次 列表 列表 整数
          amount money "In yuan"
        ''')
    level, risk, suppliers, batches, amount = p.spec.fields
    assert level.type.kind is m.TypeKind.ENUM and level.description == "Risk level"
    assert [v.text for v in level.type.values] == ["low", "mid", "high"]
    assert p.at(level.type.values[2].span) == "high"
    assert [v.text for v in risk.type.values] == ["低", "中", "高"]
    assert suppliers.type.kind is m.TypeKind.LIST
    assert suppliers.type.item is not None and suppliers.type.item.kind is m.TypeKind.TEXT
    inner = batches.type.item
    assert inner is not None and inner.kind is m.TypeKind.LIST
    assert inner.item is not None and inner.item.kind is m.TypeKind.INT
    assert amount.type.kind is m.TypeKind.MONEY and amount.description == "In yuan"
    assert p.spec.field("风险") is risk
    assert (amount.span.line, amount.span.column) == (7, 3)


# ------------------------------------------------------------------ assignees


@pytest.mark.parametrize(("line", "mode", "roles", "count", "rule"), [
    ("by clerk", m.AssigneeMode.ONE, ["clerk"], None, None),
    ("由 录入员", m.AssigneeMode.ONE, ["录入员"], None, None),
    ("by a, b", m.AssigneeMode.LIST, ["a", "b"], None, None),
    ("by all of a, b", m.AssigneeMode.ALL, ["a", "b"], None, None),
    ("by all a", m.AssigneeMode.ALL, ["a"], None, None),
    ("由 全部 风控部, 运营部", m.AssigneeMode.ALL, ["风控部", "运营部"], None, None),
    ("by any of a, b, c", m.AssigneeMode.ANY, ["a", "b", "c"], None, None),
    ("由 任一 甲, 乙", m.AssigneeMode.ANY, ["甲", "乙"], None, None),
    ("by a then b then c", m.AssigneeMode.SEQUENCE, ["a", "b", "c"], None, None),
    ("由 主管 然后 总监", m.AssigneeMode.SEQUENCE, ["主管", "总监"], None, None),
    ("by 2 of panel", m.AssigneeMode.COUNT, ["panel"], 2, None),
    ("由 3 名 评审委员会", m.AssigneeMode.COUNT, ["评审委员会"], 3, None),
    ("by 2 panel", m.AssigneeMode.COUNT, ["panel"], 2, None),
    ("by rule limits", m.AssigneeMode.RULE, [], None, "limits"),
    ("由 规则 审批权限", m.AssigneeMode.RULE, [], None, "审批权限"),
    ("by requester", m.AssigneeMode.REQUESTER, [], None, None),
    ("由 申请人", m.AssigneeMode.REQUESTER, [], None, None),
])
def test_assignee_modes(line: str, mode: m.AssigneeMode, roles: list[str],
                        count: int | None, rule: str | None) -> None:
    p = parse(f"process p\napproval a\n  {line}\n")
    assignee = p.task("a").assignee
    assert assignee is not None
    assert assignee.mode is mode
    assert [r.text for r in assignee.roles] == roles
    assert assignee.count == count
    assert (assignee.rule.text if assignee.rule else None) == rule
    assert (assignee.span.line, assignee.span.column) == (3, len(line.split(" ")[0]) + 4)
    assert p.at(assignee.span) == line.split(" ", 1)[1]


def test_inline_items_on_the_task_line() -> None:
    p = parse('''
        process p
        step make_card by card_centre, sla 3 workdays, then mail
        步骤 邮寄 由 物流, 时限 2 天, 调用 快递子流程, 然后 结束 完成
        ''')
    card = p.task("make_card")
    assert card.assignee is not None and card.assignee.mode is m.AssigneeMode.ONE
    assert card.assignee.roles[0].text == "card_centre"
    assert card.sla is not None and card.sla.duration.unit is m.TimeUnit.WORKDAYS
    assert card.sla.reminders == () and card.sla.breaches == ()
    (route,) = card.routes
    assert route.kind is m.RouteKind.THEN and route.action == m.COMPLETE
    assert route.targets[0].name.text == "mail" and route.split is m.Split.ONE
    mail = p.task("邮寄")
    assert mail.call is not None and mail.call.text == "快递子流程"
    assert mail.routes[0].targets[0].explicit_end
    assert p.at(card.assignee.span) == "by card_centre"
    assert (mail.routes[0].span.line, mail.routes[0].span.column) == (3, 31)


# ------------------------------------------------------------------ separation of duties


def test_exclusions_and_also_by() -> None:
    p = parse('''
        process p
        data
          risk: enum(low, high)
        approval check
          by all of reviewers, auditor
          not by requester
          not by whoever did entry
          when risk == high -> also by director, cfo
        审批 复核
          由 主管
          不 由 发起人
          非 由 经办 初审
          如果 风险 == 高 -> 另需 由 风险总监
        ''')
    check = p.task("check")
    req, step = check.exclusions
    assert req.kind is m.ExclusionKind.REQUESTER and req.step is None
    assert step.kind is m.ExclusionKind.STEP and step.step is not None
    assert step.step.text == "entry" and p.at(step.step.span) == "entry"
    assert p.at(step.span) == "not by whoever did entry"
    (extra,) = check.extra_approvers
    assert [r.text for r in extra.roles] == ["director", "cfo"]
    assert isinstance(extra.condition, m.Compare)
    assert isinstance(extra.condition.left, m.FieldRef)
    assert isinstance(extra.condition.right, m.EnumValue)
    assert (extra.span.line, extra.span.column) == (8, 3)
    review = p.task("复核")
    assert [e.kind for e in review.exclusions] == [m.ExclusionKind.REQUESTER,
                                                   m.ExclusionKind.STEP]
    assert review.exclusions[1].step is not None and review.exclusions[1].step.text == "初审"
    assert review.extra_approvers[0].roles[0].text == "风险总监"
    assert review.kind is m.TaskKind.APPROVAL and check.kind is m.TaskKind.APPROVAL


# ------------------------------------------------------------------ documents, notify


def test_inputs_outputs_checklist_description() -> None:
    p = parse('''
        process p
        step enter "Enter data"
          description "Type it in."
          input id_card, "residence permit"
          inputs extra_form
          output record
          输出 "登记表", 回执
          check "ID matches"
          检查项 "复印件清晰"
        ''')
    task = p.task("enter")
    assert task.title == "Enter data" and task.label == "Enter data"
    assert task.description == "Type it in."
    assert [d.name for d in task.inputs] == ["id_card", "residence permit", "extra_form"]
    assert [d.name for d in task.outputs] == ["record", "登记表", "回执"]
    assert task.checklist == ("ID matches", "复印件清晰")
    assert p.at(task.inputs[1].span) == '"residence permit"'
    assert (task.outputs[1].span.line, task.outputs[1].span.column) == (7, 6)


def test_notify_enter_leave_default() -> None:
    p = parse('''
        process p
        step s
          notify a, b on enter
          notify c on leave
          notify d
          抄送 财务部 于 进入
          通知 客户 于 离开
          cc e
        ''')
    notes = p.task("s").notifies
    assert [([r.text for r in n.roles], n.when) for n in notes] == [
        (["a", "b"], m.NotifyWhen.ENTER), (["c"], m.NotifyWhen.LEAVE),
        (["d"], m.NotifyWhen.LEAVE), (["财务部"], m.NotifyWhen.ENTER),
        (["客户"], m.NotifyWhen.LEAVE), (["e"], m.NotifyWhen.LEAVE)]
    assert p.at(notes[0].span) == "notify a, b on enter"


# ------------------------------------------------------------------ routes


def test_then_when_otherwise_and_targets() -> None:
    p = parse('''
        process p
        data
          ok: bool
        step s
          when ok -> next
          when not ok -> end failed
          otherwise -> next
        step t
          then all of a, b, c
        step u
          then in any order a, b
        step v
          otherwise next
        step next
        end failed failure
        ''')
    s = p.task("s")
    first, second, other = s.routes
    assert first.kind is m.RouteKind.WHEN and first.action == m.COMPLETE
    assert isinstance(first.condition, m.FieldRef) and not first.inclusive
    assert first.targets[0].kind is m.TargetKind.STEP
    assert second.targets[0].kind is m.TargetKind.END and second.targets[0].explicit_end
    assert isinstance(second.condition, m.Not)
    assert other.kind is m.RouteKind.OTHERWISE and other.condition is None
    assert p.at(second.targets[0].span) == "end failed"
    (parallel,) = p.task("t").routes
    assert parallel.split is m.Split.PARALLEL
    assert [t.name.text for t in parallel.targets] == ["a", "b", "c"]
    assert all(t.kind is m.TargetKind.UNKNOWN for t in parallel.targets)
    (interleaved,) = p.task("u").routes
    assert interleaved.split is m.Split.INTERLEAVED
    assert [t.name.text for t in interleaved.targets] == ["a", "b"]
    assert p.task("v").routes[0].kind is m.RouteKind.OTHERWISE
    assert (first.span.line, first.span.column, first.span.end_column) == (5, 3, 18)


def test_chinese_routes_and_multi_choice() -> None:
    p = parse('''
        流程 p
        数据
          需要安装: 是否
          会员: 是否
        步骤 发货
          同时 如果 需要安装 -> 上门安装
          另需 若 会员 -> 积分登记
          否则 -> 售后
        步骤 分派
          然后 全部 采购, 生产
        步骤 面试
          之后 任意顺序 业务面试, 人事面试
        ''')
    a, b, other = p.task("发货").routes
    assert a.inclusive and b.inclusive and not other.inclusive
    assert a.kind is m.RouteKind.WHEN and other.kind is m.RouteKind.OTHERWISE
    assert p.task("分派").routes[0].split is m.Split.PARALLEL
    assert p.task("面试").routes[0].split is m.Split.INTERLEAVED
    assert p.at(a.span) == "同时 如果 需要安装 -> 上门安装"


def test_caps() -> None:
    p = parse('''
        process p
        approval a
          return -> fix at most 3 times, then -> end failed
          reject -> fix at most 1 time
        审批 b
          退回 -> 修改 最多 2 次, 然后 -> 结束 失败了
          驳回 -> 修改 最多 1 次, 然后 放弃
        end failed
        ''')
    ret, rej = p.task("a").routes
    assert ret.cap is not None and ret.cap.times == 3
    assert ret.cap.then is not None and ret.cap.then.name.text == "failed"
    assert ret.cap.then.kind is m.TargetKind.END
    assert p.at(ret.cap.span) == "at most 3 times, then -> end failed"
    assert rej.cap is not None and rej.cap.times == 1 and rej.cap.then is None
    zh_ret, zh_rej = p.task("b").routes
    assert zh_ret.cap is not None and zh_ret.cap.times == 2
    assert zh_ret.cap.then is not None and zh_ret.cap.then.explicit_end
    assert zh_rej.cap is not None and zh_rej.cap.then is not None
    assert zh_rej.cap.then.name.text == "放弃" and not zh_rej.cap.then.explicit_end


def test_outcomes_standard_custom_and_conditional() -> None:
    p = parse('''
        process p
        data
          complete: bool
        approval a
          approve when complete -> next
          approve -> fix
          reject -> end no
          return -> fix
          query -> ask
        审批 b
          通过 -> 下一步
          同意 -> 下一步
          驳回 -> 结束 否决
          拒绝 -> 结束 否决
          退回 -> 修改
          议价 -> 报价
        ''')
    routes = p.task("a").routes
    assert [r.action for r in routes] == ["approve", "approve", "reject", "return", "query"]
    assert all(r.kind is m.RouteKind.OUTCOME for r in routes)
    assert isinstance(routes[0].condition, m.FieldRef) and routes[1].condition is None
    assert p.task("a").actions == ("approve", "reject", "return", "query")
    assert [r.action for r in p.task("b").routes] == [
        "approve", "approve", "reject", "reject", "return", "议价"]
    assert (routes[4].span.line, routes[4].span.column) == (9, 3)


def test_outcome_with_parallel_targets() -> None:
    p = parse("process p\napproval a\n  approve -> all of x, y\n")
    (route,) = p.task("a").routes
    assert route.split is m.Split.PARALLEL and [t.name.text for t in route.targets] == ["x", "y"]


# ------------------------------------------------------------------ wait, for each, run


def test_wait_for_all_and_any() -> None:
    p = parse('''
        process p
        step a
          wait for all
        step b
          wait for any
        步骤 c
          等待 全部
        步骤 d
          等待 任一
        ''')
    kinds = [p.task(n).join for n in ("a", "b", "c", "d")]
    assert [j.kind if j else None for j in kinds] == [
        m.JoinKind.ALL, m.JoinKind.ANY, m.JoinKind.ALL, m.JoinKind.ANY]
    join = kinds[0]
    assert join is not None and p.at(join.span) == "wait for all"


def test_for_each_variants() -> None:
    p = parse('''
        process p
        data
          suppliers: list of text
          quotes: int
        step a
          for each supplier in suppliers
        step b
          for each supplier in suppliers one at a time
        step c
          for each supplier in suppliers until 3 done
        step d
          for each supplier in suppliers sequentially until quotes >= 3
        步骤 e
          对每个 供应商 属于 suppliers 依次 直到 2 完成
        ''')
    a, b, c, d, e = (p.task(n).for_each for n in "abcde")
    assert a is not None and (a.item.text, a.list_field.text) == ("supplier", "suppliers")
    assert not a.sequential and a.until_count is None and a.until is None
    assert b is not None and b.sequential
    assert c is not None and c.until_count == 3 and not c.sequential
    assert d is not None and d.sequential and isinstance(d.until, m.Compare)
    assert isinstance(d.until.left, m.FieldRef)
    assert e is not None and e.item.text == "供应商" and e.sequential and e.until_count == 2
    assert p.at(a.span) == "for each supplier in suppliers"
    assert (a.item.span.line, a.item.span.column) == (6, 12)


def test_run_subprocess() -> None:
    p = parse('''
        process p
        step a
          run onboarding
          then b
        步骤 b
          调用 采购
        ''')
    a_call, b_call = p.task("a").call, p.task("b").call
    assert a_call is not None and a_call.text == "onboarding"
    assert b_call is not None and b_call.text == "采购"
    assert (a_call.span.line, a_call.span.column) == (3, 7)


# ------------------------------------------------------------------ time


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("30 minutes", Decimal(30), m.TimeUnit.MINUTES), ("1 minute", 1, m.TimeUnit.MINUTES),
    ("15 分钟", 15, m.TimeUnit.MINUTES),
    ("4 hours", 4, m.TimeUnit.HOURS), ("1 hour", 1, m.TimeUnit.HOURS),
    ("2 小时", 2, m.TimeUnit.HOURS),
    ("4 work hours", 4, m.TimeUnit.WORK_HOURS), ("4 工作小时", 4, m.TimeUnit.WORK_HOURS),
    ("6 工时", 6, m.TimeUnit.WORK_HOURS),
    ("3 days", 3, m.TimeUnit.DAYS), ("3 天", 3, m.TimeUnit.DAYS),
    ("3 自然日", 3, m.TimeUnit.DAYS),
    ("2 workdays", 2, m.TimeUnit.WORKDAYS), ("1 workday", 1, m.TimeUnit.WORKDAYS),
    ("2 工作日", 2, m.TimeUnit.WORKDAYS),
    ("1 week", 1, m.TimeUnit.WEEKS), ("2 周", 2, m.TimeUnit.WEEKS),
    ("1.5 days", Decimal("1.5"), m.TimeUnit.DAYS),
])
def test_sla_durations(text: str, amount: Decimal, unit: m.TimeUnit) -> None:
    p = parse(f"process p\nstep a\n  sla {text}\n")
    sla = p.task("a").sla
    assert sla is not None
    assert sla.duration.amount == Decimal(amount) and sla.duration.unit is unit
    assert p.at(sla.duration.span) == text


def test_sla_reminders_and_every_breach_kind() -> None:
    p = parse('''
        process p
        approval a
          sla 2 workdays
            remind at 75%
            remind 50%
            remind 4 work hours before
            on breach notify boss, cfo
            on breach escalate to director
            on breach escalate director
            on breach auto approve
            on breach auto reject
            on breach goto fallback
            on breach go to end late
        end late
        ''')
    sla = p.task("a").sla
    assert sla is not None
    r1, r2, r3 = sla.reminders
    assert r1.percent == Decimal(75) and r1.before is None
    assert r2.percent == Decimal(50)
    assert r3.percent is None and r3.before is not None
    assert r3.before.amount == 4 and r3.before.unit is m.TimeUnit.WORK_HOURS
    kinds = [b.kind for b in sla.breaches]
    assert kinds == [m.BreachKind.NOTIFY, m.BreachKind.ESCALATE, m.BreachKind.ESCALATE,
                     m.BreachKind.AUTO_APPROVE, m.BreachKind.AUTO_REJECT, m.BreachKind.GOTO,
                     m.BreachKind.GOTO]
    notify, esc, esc2, auto_a, auto_r, goto, goto_end = sla.breaches
    assert [r.text for r in notify.roles] == ["boss", "cfo"] and notify.target is None
    assert [r.text for r in esc.roles] == ["director"] and esc2.roles[0].text == "director"
    assert auto_a.roles == () and auto_a.target is None and auto_r.target is None
    assert goto.target is not None and goto.target.name.text == "fallback"
    assert goto_end.target is not None and goto_end.target.kind is m.TargetKind.END
    assert p.at(esc.span) == "escalate to director"
    assert (r3.span.line, r3.span.column) == (6, 5)


def test_sla_chinese() -> None:
    p = parse('''
        流程 p
        审批 a
          时限 1 工作日
            提醒 于时 50%
            提醒 2 小时 前
            超时 抄送 主管
            超时 升级 至 总监
            超时 自动通过
            超时 自动驳回
            超时 转到 b
        ''')
    sla = p.task("a").sla
    assert sla is not None and sla.duration.unit is m.TimeUnit.WORKDAYS
    assert [r.percent for r in sla.reminders] == [Decimal(50), None]
    assert [b.kind for b in sla.breaches] == [
        m.BreachKind.NOTIFY, m.BreachKind.ESCALATE, m.BreachKind.AUTO_APPROVE,
        m.BreachKind.AUTO_REJECT, m.BreachKind.GOTO]
    assert sla.breaches[1].roles[0].text == "总监"


# ------------------------------------------------------------------ rules and ends


def test_rule_rows_and_result_kinds() -> None:
    p = parse('''
        process p
        roles
          manager
          cfo
        data
          amount: money
        rule limits "Approval authority"
          description "By amount"
          when amount < 1000 -> manager
          when amount >= 1000 and amount < 5000 -> manager then cfo
          when amount >= 5000 -> escalate_step
          when amount == 7 -> "seven"
          when amount == 8 -> 8
          when amount == 9 -> 9.5
          when amount == 10 -> true
          when amount == 11 -> 2026-01-01
          when amount == 12 -> nobody
          otherwise -> manager
        step escalate_step
        ''')
    rule = p.spec.rule("limits")
    assert rule is not None and rule.title == "Approval authority"
    assert rule.description == "By amount"
    kinds = [row.result.kind for row in rule.rows]
    assert kinds == [m.ResultKind.ROLES, m.ResultKind.ROLES, m.ResultKind.STEP,
                     m.ResultKind.VALUE, m.ResultKind.VALUE, m.ResultKind.VALUE,
                     m.ResultKind.VALUE, m.ResultKind.VALUE, m.ResultKind.UNKNOWN,
                     m.ResultKind.ROLES]
    assert [n.text for n in rule.rows[1].result.names] == ["manager", "cfo"]
    values = [row.result.value for row in rule.rows[3:8]]
    assert [(v.value, v.kind) for v in values if v] == [
        ("seven", m.LiteralKind.TEXT), (8, m.LiteralKind.INT),
        (Decimal("9.5"), m.LiteralKind.DECIMAL), (True, m.LiteralKind.BOOL),
        (dt.date(2026, 1, 1), m.LiteralKind.DATE)]
    assert rule.rows[-1].condition is None and rule.rows[0].condition is not None
    assert isinstance(rule.rows[1].condition, m.BoolOp)
    assert p.at(rule.rows[1].span) == "when amount >= 1000 and amount < 5000 -> manager then cfo"
    assert (rule.rows[-1].span.line, rule.rows[-1].span.column) == (18, 3)


def test_rule_chinese() -> None:
    p = parse('''
        流程 p
        角色
          主管
          总监
        数据
          金额: 金额
        规则 权限
          如果 金额 < 10000 -> 主管
          若 金额 >= 10000 -> 主管 然后 总监
          否则 -> 总监
        ''')
    rule = p.spec.rule("权限")
    assert rule is not None and len(rule.rows) == 3
    assert [n.text for n in rule.rows[1].result.names] == ["主管", "总监"]
    assert all(r.result.kind is m.ResultKind.ROLES for r in rule.rows)


def test_ends() -> None:
    p = parse('''
        process p
        end done "Completed" success
        end failed failure
          description "Could not finish"
        end plain
        结束 完成 "注册完成" 成功
        结束 失败了 失败
        ''')
    done, failed, plain, zh_ok, zh_fail = p.spec.ends
    assert (done.title, done.success, done.label) == ("Completed", True, "Completed")
    assert not failed.success and failed.description == "Could not finish"
    assert plain.success and plain.title is None and plain.label == "plain"
    assert zh_ok.success and zh_ok.title == "注册完成"
    assert not zh_fail.success
    assert p.spec.end("完成") is zh_ok
    assert (failed.span.line, failed.span.column) == (3, 1)
    assert p.at(failed.span) == 'end failed failure\n  description "Could not finish"'


# ------------------------------------------------------------------ conditions


@pytest.mark.parametrize(("op", "canonical"), [
    ("==", "=="), ("!=", "!="), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">="),
    ("=", "=="), ("≠", "!="), ("≤", "<="), ("≥", ">="),
    ("等于", "=="), ("不等于", "!="), ("小于", "<"), ("低于", "<"), ("早于", "<"),
    ("小于等于", "<="), ("不超过", "<="), ("不晚于", "<="), ("大于", ">"), ("超过", ">"),
    ("晚于", ">"), ("大于等于", ">="), ("不低于", ">="), ("不早于", ">="),
    ("不大于", "<="), ("不小于", ">="),
])
def test_comparison_operators(op: str, canonical: str) -> None:
    p, expr = condition(f"amount {op} 100", "amount: money")
    assert isinstance(expr, m.Compare) and expr.op == canonical
    assert isinstance(expr.left, m.FieldRef) and expr.left.name.text == "amount"
    assert isinstance(expr.right, m.Literal) and expr.right.value == 100
    assert p.at(expr.span) == f"amount {op} 100"


@pytest.mark.parametrize(("words", "op"), [
    ("and", "and"), ("且", "and"), ("并且", "and"), ("or", "or"), ("或", "or"), ("或者", "or"),
])
def test_boolean_operators(words: str, op: str) -> None:
    p, expr = condition(f"a {words} b {words} c", "a: bool")
    assert isinstance(expr, m.BoolOp) and expr.op == op and len(expr.operands) == 3
    assert isinstance(expr.operands[0], m.FieldRef)
    assert isinstance(expr.operands[1], m.EnumValue)  # b is not a declared field


def test_and_binds_tighter_than_or_and_not_binds_tightest() -> None:
    _, expr = condition("not a or b and c")
    assert isinstance(expr, m.BoolOp) and expr.op == "or"
    left, right = expr.operands
    assert isinstance(left, m.Not) and isinstance(left.operand, m.EnumValue)
    assert isinstance(right, m.BoolOp) and right.op == "and"
    _, grouped = condition("not (a or b)")
    assert isinstance(grouped, m.Not) and isinstance(grouped.operand, m.BoolOp)


@pytest.mark.parametrize("word", ["not", "不", "非"])
def test_negation_spellings(word: str) -> None:
    p, expr = condition(f"{word} urgent", "urgent: bool")
    assert isinstance(expr, m.Not) and isinstance(expr.operand, m.FieldRef)
    assert p.at(expr.span) == f"{word} urgent"


def test_membership() -> None:
    p, expr = condition('level in (low, "mid", 3, 2.5)', "level: enum(low, mid)")
    assert isinstance(expr, m.Member) and not expr.negated
    assert isinstance(expr.operand, m.FieldRef)
    kinds = [type(i).__name__ for i in expr.items]
    assert kinds == ["EnumValue", "Literal", "Literal", "Literal"]
    assert p.at(expr.items[1].span) == '"mid"'
    _, negated = condition("level not in (low)", "level: enum(low, mid)")
    assert isinstance(negated, m.Member) and negated.negated and len(negated.items) == 1
    _, zh = condition("风险 不 属于 (低, 中)", "风险: 枚举(低, 中, 高)")
    assert isinstance(zh, m.Member) and zh.negated
    assert [i.name.text for i in zh.items if isinstance(i, m.EnumValue)] == ["低", "中"]
    _, zh_in = condition("风险 在 (高)", "风险: 枚举(低, 中, 高)")
    assert isinstance(zh_in, m.Member) and not zh_in.negated


def test_arithmetic_precedence_and_symbols() -> None:
    p, expr = condition("a + b * 2 - c / 4 > -d", "a: int")
    assert isinstance(expr, m.Compare)
    minus = expr.left
    assert isinstance(minus, m.Arith) and minus.op == "-"
    plus, div = minus.left, minus.right
    assert isinstance(plus, m.Arith) and plus.op == "+"
    assert isinstance(plus.right, m.Arith) and plus.right.op == "*"
    assert isinstance(div, m.Arith) and div.op == "/"
    assert isinstance(expr.right, m.Negative) and p.at(expr.right.span) == "-d"
    _, zh = condition("a × 2 ÷ 3 ≥ 1")
    assert isinstance(zh, m.Compare) and isinstance(zh.left, m.Arith) and zh.left.op == "/"
    assert isinstance(zh.left.left, m.Arith) and zh.left.left.op == "*"
    _, grouped = condition("(a + 1) * 2 == 4")
    assert isinstance(grouped, m.Compare) and isinstance(grouped.left, m.Arith)
    assert grouped.left.op == "*" and isinstance(grouped.left.left, m.Arith)


@pytest.mark.parametrize(("literal", "value", "kind"), [
    ("42", 42, m.LiteralKind.INT), ("1_000_000", 1000000, m.LiteralKind.INT),
    ("3.25", Decimal("3.25"), m.LiteralKind.DECIMAL),
    ('"text"', "text", m.LiteralKind.TEXT), ('"a \\"q\\""', 'a "q"', m.LiteralKind.TEXT),
    ("2026-10-01", dt.date(2026, 10, 1), m.LiteralKind.DATE),
    ("true", True, m.LiteralKind.BOOL), ("false", False, m.LiteralKind.BOOL),
    ("是", True, m.LiteralKind.BOOL), ("否", False, m.LiteralKind.BOOL),
    ("yes", True, m.LiteralKind.BOOL), ("no", False, m.LiteralKind.BOOL),
])
def test_literals(literal: str, value: object, kind: m.LiteralKind) -> None:
    p, expr = condition(f"x == {literal}")
    assert isinstance(expr, m.Compare) and isinstance(expr.right, m.Literal)
    assert expr.right.value == value and expr.right.kind is kind
    assert p.at(expr.right.span) == literal


def test_field_refs_and_enum_values_are_resolved() -> None:
    _, expr = condition("level == high and level != low", "level: enum(low, high)")
    assert isinstance(expr, m.BoolOp)
    for cmp in expr.operands:
        assert isinstance(cmp, m.Compare)
        assert isinstance(cmp.left, m.FieldRef) and isinstance(cmp.right, m.EnumValue)


def test_mixed_english_and_chinese_keywords() -> None:
    p = parse('''
        process 报销 "费用报销"
          lang zh
        roles
          员工
          经理
        数据
          金额: money
          类别: enum(差旅, 招待)
        step 提交 "提交报销单"
          by 员工
          然后 审核
        审批 审核
          由 经理
          not by 发起人
          when 金额 > 5000 且 类别 == 招待 -> 另需 由 经理
          通过 -> end 完成
          reject -> 结束 驳回了
        end 完成 success
        结束 驳回了 failure
        ''')
    submit, review = p.spec.tasks
    assert submit.routes[0].targets[0].kind is m.TargetKind.STEP
    assert review.assignee is not None and review.assignee.roles[0].text == "经理"
    assert review.exclusions[0].kind is m.ExclusionKind.REQUESTER
    cond = review.extra_approvers[0].condition
    assert isinstance(cond, m.BoolOp) and cond.op == "and"
    assert [r.action for r in review.routes] == ["approve", "reject"]
    assert [r.targets[0].kind for r in review.routes] == [m.TargetKind.END] * 2
    assert p.spec.start_task is submit


def test_arrow_spellings_after_a_condition() -> None:
    p = parse('''
        process p
        step a
          when x => b
          when x == 1 → b
          when x>=-1->b
          otherwise => b
        step b
        ''')
    ops = [type(r.condition).__name__ for r in p.task("a").routes]
    assert ops == ["EnumValue", "Compare", "Compare", "NoneType"]
    assert all(r.targets[0].name.text == "b" for r in p.task("a").routes)


def test_comments_and_blank_lines_do_not_change_spans() -> None:
    p = parse('''
        # a comment before the header
        process p   # trailing comment

        step a  # why this step exists
          # a comment inside the block
          then b   # and after an item
        step b
        ''')
    a = p.task("a")
    assert p.at(a.span) == ("step a  # why this step exists\n"
                            "  # a comment inside the block\n  then b")
    assert p.at(a.routes[0].span) == "then b"
    assert (a.routes[0].span.line, a.routes[0].span.column) == (6, 3)


# ------------------------------------------------------------------ docs/language.md

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "language.md"
FIXTURES = ROOT / "tests" / "fixtures"
PATTERNS = sorted(FIXTURES.glob("lang_pattern_*.proc"))
PATTERN_NAMES = (
    "sequence", "parallel_split", "synchronization", "exclusive_choice", "simple_merge",
    "multi_choice", "synchronizing_merge", "multi_merge", "discriminator",
    "arbitrary_cycles", "implicit_termination", "mi_without_sync", "mi_design_time",
    "mi_runtime", "mi_no_prior_knowledge", "deferred_choice", "interleaved_routing",
    "milestone", "cancel_activity", "cancel_case")


def _doc_blocks() -> list[str]:
    return re.findall(r"```proc\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_every_workflow_pattern_has_a_fixture() -> None:
    assert [p.stem.removeprefix("lang_pattern_") for p in PATTERNS] == sorted(PATTERN_NAMES)


@pytest.mark.parametrize("path", PATTERNS, ids=lambda p: p.stem)
def test_pattern_fixture_parses_and_checks(path: Path) -> None:
    unit = check_text(str(path), path.read_bytes())
    errors = [d.code for d in unit.diagnostics if d.severity is Severity.ERROR]
    assert not errors and unit.ok, [d.message for d in unit.diagnostics]
    assert unit.spec is not None and unit.spec.tasks


@pytest.mark.parametrize("path", PATTERNS, ids=lambda p: p.stem)
def test_pattern_fixture_is_shown_in_the_doc(path: Path) -> None:
    doc = DOC.read_text(encoding="utf-8")
    marker = f"<!-- fixture: {path.name} -->\n```proc\n"
    assert marker in doc, f"{path.name} is not shown in docs/language.md"
    shown = doc.split(marker, 1)[1].split("```", 1)[0]
    assert shown == path.read_text(encoding="utf-8"), f"docs/language.md differs from {path.name}"


def test_every_doc_example_parses() -> None:
    blocks = _doc_blocks()
    assert len(blocks) >= 40
    for block in blocks:
        words = [ln.split()[0] for ln in block.splitlines()
                 if ln.strip() and not ln.lstrip().startswith("#")]
        text = block if words[0] in ("process", "流程") else "process doc_example\n" + block
        result = parse_source(SourceFile.from_text("doc.proc", text))
        assert not has_errors(result.diagnostics), (block, [d.message for d in result.diagnostics])


def test_doc_examples_come_in_both_languages() -> None:
    blocks = _doc_blocks()
    chinese = [b for b in blocks if re.search(r"[\u4e00-\u9fff]", b)]
    english = [b for b in blocks if not re.search(r"[\u4e00-\u9fff]", b)]
    assert len(chinese) >= 20 and len(english) >= 20


@pytest.mark.parametrize("kw", KEYWORDS, ids=lambda k: k.terminal)
def test_every_keyword_spelling_is_in_the_doc_table(kw: Keyword) -> None:
    table = DOC.read_text(encoding="utf-8").split("## Keyword table", 1)[1]
    rows = [ln for ln in table.splitlines() if ln.startswith(f"| `{kw.en}` |")]
    assert len(rows) == 1, f"no row for {kw.en!r} in the keyword table"
    cells = rows[0].split("|")
    spelled = set(re.findall(r"`([^`]+)`", "|".join(cells[1:4])))
    assert spelled == set(kw.spellings)


# ------------------------------------------------------------------ specs/

SPECS = sorted((ROOT / "specs").glob("*.proc"))


def test_every_seed_process_has_a_spec() -> None:
    names = {p.stem for p in SPECS}
    seed = {"销售流程", "采购流程", "采购业务流程", "招聘流程", "业务岗位工作流程",
            "业务流程管控八步体系", "新客户注册流程", "订单交付流程", "零售销售流程",
            "业务的流程", "业务员工作流程"}
    assert seed <= names
    assert {"expense_reimbursement", "employee_onboarding"} <= names


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_checks_clean(path: Path) -> None:
    unit = check_text(str(path), path.read_bytes())
    assert unit.ok and unit.spec is not None, [d.message for d in unit.diagnostics]
    chinese = bool(re.search(r"[\u4e00-\u9fff]", path.stem))
    assert unit.spec.lang == ("zh" if chinese else "en")
    # The seed processes are substantial; 请假流程 is the README's deliberately short example.
    assert len(unit.spec.tasks) >= (4 if path.stem == "请假流程" else 7)
    assert unit.spec.process.owner
    assert any(e.success for e in unit.spec.ends) and any(not e.success for e in unit.spec.ends)


def _spec(stem: str) -> m.Spec:
    path = ROOT / "specs" / f"{stem}.proc"
    unit = check_text(str(path), path.read_bytes())
    assert unit.spec is not None
    return unit.spec


def test_specs_use_the_features_their_processes_need() -> None:
    buy = _spec("采购流程")
    need = buy.task("采购需求审批")
    assert need is not None and need.assignee is not None
    assert need.assignee.mode is m.AssigneeMode.RULE and buy.rule("审批权限") is not None
    cal = buy.process_calendar
    assert cal is not None and cal.makeup_days
    holidays = {d for span in cal.holidays for d in span.dates()}
    assert dt.date(2026, 10, 1) in holidays and dt.date(2026, 2, 17) in holidays
    assert dt.date(2026, 2, 14) in {d for s in cal.makeup_days for d in s.dates()}
    slas = [t.sla for t in buy.tasks if t.sla is not None]
    assert any(s.reminders for s in slas) and any(s.breaches for s in slas)
    inquiry = buy.task("发送询价函")
    assert inquiry is not None and inquiry.for_each is not None
    assert inquiry.for_each.list_field.text == "候选供应商"
    reg = _spec("新客户注册流程")
    review = reg.task("复核")
    assert review is not None and review.assignee is not None
    assert review.assignee.mode is m.AssigneeMode.ALL and review.exclusions
    assert {"审核", "复核", "资料审核", "审批"} <= {t.name.text for t in reg.tasks}
    hire = _spec("招聘流程")
    assert any(r.split is m.Split.INTERLEAVED for t in hire.tasks for r in t.routes)
    order = _spec("订单交付流程")
    assert any(r.split is m.Split.PARALLEL for t in order.tasks for r in t.routes)
    assert sum(1 for t in order.tasks if t.join is not None) == 2
    assert {r.name.text for r in order.roles} >= {"销售部", "采购部", "生产部", "品质部",
                                                   "物流部", "财务部"}


@pytest.mark.parametrize("last", [
    "step b\n  by r\n  then end e", "end f failure", "rule r\n  when x > 1 -> y"])
def test_last_line_without_newline(last: str) -> None:
    text = f"process p\nstep a\n  by r\n  then end e\nend e\n{last}"
    result = parse_source(SourceFile.from_text("t.proc", text))
    assert not result.diagnostics, [d.message for d in result.diagnostics]
    assert result.spec is not None
    spec = result.spec
    spans = [*(t.span for t in spec.tasks), *(e.span for e in spec.ends),
             *(r.span for r in spec.rules)]
    assert max(s.end for s in spans) == len(text)


def test_chinese_comparison_words_need_no_space_and_leave_names_alone() -> None:
    _, glued = condition("金额 大于10000", "金额: 金额")
    assert isinstance(glued, m.Compare) and glued.op == ">"
    _, word = condition("金额 超过预算", "金额: 金额")
    assert isinstance(word, m.Compare) and isinstance(word.right, m.EnumValue)
    assert word.right.name.text == "预算"
    _, named = condition("大于号 等于 3", "大于号: 整数")
    assert isinstance(named, m.Compare) and isinstance(named.left, m.FieldRef)
    assert named.left.name.text == "大于号" and named.op == "=="
    _, member = condition("等级 不 属于 (低)", "等级: 枚举(低, 高)")
    assert isinstance(member, m.Member) and member.negated


# ------------------------------------------------------------------ all constructs, twice


def _unit(stem: str, called: str) -> m.Spec:
    path = FIXTURES / f"{stem}.proc"
    unit = check_text(str(path), path.read_bytes(), processes=frozenset({called}))
    assert unit.ok and unit.spec is not None, [d.message for d in unit.diagnostics]
    return unit.spec


def _shape(spec: m.Spec) -> list[object]:
    """Return what a spec says without its names and texts (keywords only)."""
    def sla(s: m.Sla | None) -> object:
        if s is None:
            return None
        return (s.duration.amount, s.duration.unit, [(r.percent, r.before and r.before.unit)
                                                     for r in s.reminders],
                [(b.kind, len(b.roles), b.target and b.target.kind) for b in s.breaches])
    shape: list[object] = [sla(spec.process.sla), len(spec.process.cancels),
                           len(spec.process.actions), spec.process.withdraw is not None]
    for task in spec.tasks:
        a = task.assignee
        shape.append((task.kind, a and (a.mode, len(a.roles), a.count),
                      [e.kind for e in task.exclusions], len(task.extra_approvers),
                      len(task.inputs), len(task.outputs), len(task.checklist), sla(task.sla),
                      [n.when for n in task.notifies], task.join and task.join.kind,
                      task.for_each and (task.for_each.sequential, task.for_each.until_count,
                                         type(task.for_each.until).__name__),
                      task.call is not None,
                      [(r.kind, r.action if r.action in m.STANDARD_OUTCOMES else "", r.split,
                        r.inclusive, r.cap and r.cap.times, type(r.condition).__name__,
                        [t.kind for t in r.targets]) for r in task.routes]))
    shape.append([(f.type.kind, len(f.type.values)) for f in spec.fields])
    shape.append([[(r.result.kind, len(r.result.names)) for r in rule.rows] for rule in spec.rules])
    shape.append([e.success for e in spec.ends])
    return shape


def test_all_constructs_fixtures_check_clean_and_agree() -> None:
    zh = _unit("lang_all_constructs_zh", "付款流程")
    en = _unit("lang_all_constructs_en", "payment")
    assert zh.lang == "zh" and en.lang == "en"
    assert _shape(zh) == _shape(en)


def test_all_constructs_fixture_uses_every_kind() -> None:
    spec = _unit("lang_all_constructs_en", "payment")
    tasks = spec.tasks
    routes = [r for t in tasks for r in t.routes]
    slas = [s for s in [spec.process.sla, *(t.sla for t in tasks)] if s is not None]
    people = {mode for mode in m.AssigneeMode if mode.org} | {m.AssigneeMode.PICK}
    assert {t.assignee.mode for t in tasks if t.assignee} >= set(m.AssigneeMode) - {
        m.AssigneeMode.LIST, m.AssigneeMode.REQUESTER, m.AssigneeMode.SEQUENCE} - people
    # Org-relative approvers have their own fixture (tests/test_runtime_org.py runs it).
    org = _unit("runtime_org", "expense")
    assert {t.assignee.mode for t in org.tasks if t.assignee} >= people
    assert {t.on_empty.kind for t in org.tasks if t.on_empty} == set(m.EmptyKind)
    assert {p for t in org.tasks for p in t.permissions} == set(m.Permission)
    assert any(t.dedupe for t in org.tasks) and org.process.return_cap == 2
    assert {b.kind for s in slas for b in s.breaches} == set(m.BreachKind)
    assert {r.split for r in routes} == set(m.Split) - {m.Split.CHOICE, m.Split.RULE}
    # A return the approver aims has its own fixture (tests/test_runtime_people.py runs it).
    choice = _unit("runtime_return_choice_en", "purchase")
    assert m.Split.CHOICE in {r.split for t in choice.tasks for r in t.routes}
    # Rules that route have theirs too (tests/test_rule_routes.py runs it).
    ruled = _unit("runtime_rule_route_en", "rr")
    assert m.Split.RULE in {r.split for t in ruled.tasks for r in t.routes}
    assert {r.kind for r in routes} == set(m.RouteKind)
    # wait for each (multi-merge) has its own pattern fixture
    assert {t.join.kind for t in tasks if t.join} == set(m.JoinKind) - {m.JoinKind.EACH}
    merge = _unit("lang_pattern_multi_merge", "")
    assert [t.join.kind for t in merge.tasks if t.join] == [m.JoinKind.EACH]
    assert {e.kind for t in tasks for e in t.exclusions} == set(m.ExclusionKind)
    assert {n.when for t in tasks for n in t.notifies} == set(m.NotifyWhen)
    assert {f.type.kind for f in spec.fields} == set(m.TypeKind)
    assert any(r.inclusive for r in routes) and any(r.cap for r in routes)
    assert any(t.for_each and t.for_each.sequential for t in tasks)
    assert any(t.call for t in tasks) and any(t.extra_approvers for t in tasks)
