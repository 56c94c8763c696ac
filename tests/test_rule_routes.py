"""Rules that route: ``then by rule R`` (``然后 按规则 R``) goes to the task the rule's
first row that holds gives, in the runtime, the plan, the diagram, the manual and BPMN."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from procdsl.compiler import check_text
from procdsl.emitters.bpmn import emit_bpmn
from procdsl.emitters.markdown import emit_markdown
from procdsl.emitters.mermaid import emit_mermaid
from procdsl.kinds import Split
from procdsl.plan import plan_of
from procdsl.runtime import Refused

from .test_runtime_helpers import FIXTURES, spec_of, who, workflow

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# fixture, first step, its role, the rule, the cheap target, the other target
CASES = {"zh": ("runtime_rule_route_zh", "登记", "出纳", "分流", "付款", "经理审批"),
         "en": ("runtime_rule_route_en", "fill", "clerk", "route_by_amount", "pay", "review")}
FIELD = {"zh": "金额", "en": "amount"}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("amount", "cheap"), [("999.99", True), ("1000", False),
                                               ("250000", False), ("0", True)])
def test_the_first_row_that_holds_names_the_next_task(lang: str, amount: str,
                                                       cheap: bool) -> None:
    fixture, first, role, _rule, low, high = CASES[lang]
    wf = workflow(fixture)
    actor = who("c1", role)
    case = wf.start(actor, {FIELD[lang]: Decimal(amount)}, T0)
    case.act(first, "complete", actor, T0)
    assert case.active == ((low,) if cheap else (high,))
    record = case.history[-1]
    assert (record.step, record.action, record.after) == (first, "complete", case.active)
    again = wf.from_json(case.to_json())
    assert again.to_json() == case.to_json() and again.active == case.active


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_row_that_holds_is_refused_and_changes_nothing(lang: str) -> None:
    fixture, first, role, rule, _low, _high = CASES[lang]
    wf = workflow(fixture)
    # A checked spec has no gap (PD501); an application's own edit of the table could.
    kept = wf.rules[rule]
    wf.rules[rule] = dataclasses.replace(kept, rows=((lambda data: False, ("x",)),))
    try:
        actor = who("c1", role)
        case = wf.start(actor, {FIELD[lang]: Decimal("5")}, T0)
        before = case.to_json()
        with pytest.raises(Refused) as why:
            case.act(first, "complete", actor, T0)
        assert why.value.key == "rule_no_route" and rule in str(why.value)
        assert ("规则" in str(why.value)) is (lang == "zh")
        assert case.to_json() == before
    finally:
        wf.rules[rule] = kept


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_plan_has_one_route_per_task_the_rule_gives(lang: str) -> None:
    fixture, first, _role, rule, low, high = CASES[lang]
    spec = spec_of(fixture)
    routes = plan_of(spec).routes_from(first)
    assert [(r.target, r.split) for r in routes] == [(low, Split.RULE), (high, Split.RULE)]
    assert all(r.route is not None and r.route.rule is not None
               and r.route.rule.text == rule for r in routes)
    assert not plan_of(spec).blocks  # one of them is taken: no parallel block, no join


def test_the_manual_diagram_and_bpmn_say_the_rule_decides() -> None:
    spec = spec_of("runtime_rule_route_zh")
    manual = emit_markdown(spec, lang="zh")
    assert "按规则 分流 确定转至" in manual
    mermaid = emit_mermaid(spec, lang="zh")
    assert mermaid.count("按规则<br/>分流") + mermaid.count("按规则 分流") == 2, mermaid
    bpmn = emit_bpmn(spec)
    # the rule's route leaves 登记 (task 1) through an exclusive gateway, not a parallel one
    assert '<bpmn:exclusiveGateway id="Choice_1_1"' in bpmn
    assert "parallelGateway" not in bpmn


def test_a_rule_that_routes_must_give_tasks() -> None:
    text = (FIXTURES / "runtime_rule_route_en.proc").read_text("utf-8")
    text = text.replace("-> pay\n  otherwise -> review", "-> clerk\n  otherwise -> boss")
    unit = check_text("bad.proc", text.encode())
    codes = [d.code for d in unit.diagnostics]
    assert "PD505" in codes and unit.spec is None
    found = next(d for d in unit.diagnostics if d.code == "PD505")
    assert "not a task or an end" in found.message.en and "不是步骤或结束" in found.message.zh


def test_an_unknown_rule_in_a_route_is_named_with_a_suggestion() -> None:
    text = (FIXTURES / "runtime_rule_route_en.proc").read_text("utf-8").replace("then by rule route_by_amount",
                                                      "then by rule route_by_amont")
    unit = check_text("bad.proc", text.encode())
    found = next(d for d in unit.diagnostics if d.code == "PD204")
    assert "route_by_amont" in found.message.en and found.hint is not None
    assert "route_by_amount" in found.hint.en
