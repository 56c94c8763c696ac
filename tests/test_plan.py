"""The lowered plan (procdsl.plan) and the bugs of issue 13 it fixes.

Regressions: co-approvers of a joint approval and the roles a rule approval can name
have lanes (they had none: 合同评审 had no 财务部 lane, 新客户注册 no 运营部 / 风险总监
lane); an SLA goto is one plan route, drawn, told and tabled identically.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path

from procdsl import flow
from procdsl import model as m
from procdsl.compiler import check_text, compile_paths, emit_artifacts
from procdsl.emitters.diagram import build_diagram
from procdsl.emitters.dot import decode_key
from procdsl.emitters.markdown import emit_markdown, main_path
from procdsl.kinds import Acting, BlockKind, Way
from procdsl.plan import ANYWHERE, lower, plan_of

ROOT = Path(__file__).resolve().parents[1]


def spec_of(relative: str) -> m.Spec:
    paths = sorted((ROOT / "specs").glob("*.proc")) + sorted((ROOT / "tests/fixtures").glob("*.proc"))
    for unit in compile_paths(paths):
        if unit.path == relative:
            assert unit.spec is not None, [str(d) for d in unit.diagnostics]
            return unit.spec
    raise AssertionError(relative)


def lane_names(spec: m.Spec) -> list[str]:
    return [lane.name for lane in plan_of(spec).lanes]


def drawn_lanes(spec: m.Spec) -> dict[str, set[tuple[str, str | None]]]:
    """Return lane name -> (node kind, task) of what the diagram draws in it."""
    diagram = build_diagram(spec, spec.lang)
    kinds = {n.id: (n.kind, n.ref) for n in diagram.nodes}
    return {lane.name: {kinds[nid] for nid in lane.nodes} for lane in diagram.lanes}


# ------------------------------------------------------------------ co-approvers


def test_co_approvers_of_a_joint_approval_have_lanes() -> None:
    """合同评审 (由 全部 销售经理, 财务部): drawn in 销售经理's lane, 财务部 co-signs."""
    spec = spec_of("specs/订单交付流程.proc")
    plan = plan_of(spec)
    assert ("role:财务部", "合同评审", Acting.CO_APPROVES.value) in plan.acting()
    assert plan.home["合同评审"] == "role:销售经理"
    lanes = drawn_lanes(spec)
    assert ("approval", "合同评审") in lanes["销售经理"]
    assert ("coact", "合同评审") in lanes["财务部"]
    assert ("coact", "合同评审") in lanes["总经理"]  # 如果 合同金额 >= 1000000 -> 另需 由 总经理
    dot = emit_artifacts(spec, "x", render_svg=False)["x.dot"].decode()
    marker = [line for line in dot.splitlines() if "class=coact" in line and "财务部" in line]
    assert marker and "acting=co_approves" in marker[0] and "会签" in marker[0]
    link = [line for line in dot.splitlines() if "class=coact" in line and " -> " in line]
    assert link and all("dir=none" in line and "dashed" in line for line in link)


def test_new_customer_registration_has_every_acting_role() -> None:
    spec = spec_of("specs/新客户注册流程.proc")
    names = lane_names(spec)
    assert "运营部" in names  # 复核: 由 全部 风控部, 运营部
    assert "风险总监" in names  # 审批: 另需 由 风险总监; 超时 升级 至 风险总监
    acting = plan_of(spec).acting()
    assert ("role:运营部", "复核", "co_approves") in acting
    assert ("role:风险总监", "审批", "also_approves") in acting
    assert ("role:风险总监", "审批", "takes_over") in acting
    assert ("coact", "复核") in drawn_lanes(spec)["运营部"]


def test_lanes_follow_declared_role_order() -> None:
    spec = spec_of("specs/新客户注册流程.proc")
    declared = [r.name.text for r in spec.roles]
    names = [n for n in lane_names(spec) if n in declared]
    assert names == sorted(names, key=declared.index)


def test_a_sequence_names_each_approver_in_turn() -> None:
    spec = spec_of("tests/fixtures/diagram_constructs_zh.proc")
    markers = {n.lane: n for n in build_diagram(spec, "zh").nodes
               if n.kind == "coact" and n.ref == "安全评审"}
    assert markers["role:总经理"].lines[0][0] == "依次审批（第 2 位）"


# ------------------------------------------------------------------ rule approvals


def test_rule_approval_lanes_hold_every_role_the_rule_can_name() -> None:
    """法务评审 (由 规则 审批权限): the rule names 部门经理 or 部门经理 then 总经理."""
    spec = spec_of("tests/fixtures/diagram_constructs_zh.proc")
    acting = plan_of(spec).acting()
    assert ("role:部门经理", "法务评审", "does") in acting
    assert ("role:总经理", "法务评审", "by_rule") in acting
    lanes = drawn_lanes(spec)
    assert ("approval", "法务评审") in lanes["部门经理"]
    assert ("coact", "法务评审") in lanes["总经理"]
    marker = next(n for n in build_diagram(spec, "zh").nodes
                  if n.kind == "coact" and n.ref == "法务评审")
    assert marker.acting == "by_rule" and "审批权限" in marker.lines[0][0]


def test_a_rule_naming_no_role_is_refused_before_it_reaches_the_plan() -> None:
    text = ('process p "P"\n  lang en\nroles\n  clerk\ndata\n  amount: int\n'
            "rule pick\n  when amount > 1 -> end_step\n  otherwise -> end_step\n"
            "approval a\n  by rule pick\n  approve -> end done\n  reject -> end done\n"
            "step end_step\n  by clerk\n  then end done\nend done success\n")
    unit = check_text("t.proc", text.encode())
    assert unit.spec is None  # so no plan has an approval whose rule names nobody
    assert [d.code for d in unit.diagnostics if d.code == "PD504"] == ["PD504", "PD504"]


# ------------------------------------------------------------------ breach goto


def test_a_breach_goto_is_one_route_in_diagram_manual_and_tables() -> None:
    """新客户注册: 调整修改 has 时限 10 天, 超时 转到 放弃注册 (a step)."""
    spec = spec_of("specs/新客户注册流程.proc")
    plan = plan_of(spec)
    breach = [r for r in plan.routes if r.kind is Way.BREACH]
    assert [(r.source, r.action, r.target, r.via) for r in breach] == [
        ("调整修改", "timeout", "放弃注册", "breach")]
    key = breach[0].key()
    out = {k: v.decode() for k, v in emit_artifacts(spec, "x", render_svg=False).items()}
    drawn = [decode_key(v) for v in re.findall(r'transition="([^"]*)"', out["x.dot"])]
    assert drawn.count(key) == 1
    mermaid = out["x.mmd"]
    assert "超时" in mermaid and "-.->" in mermaid
    manual = emit_markdown(spec, lang="zh")
    main, exceptions = main_path(spec, plan)  # both are exception steps: E1, E2...
    number = {t.name.text: f"E{i}" for i, t in enumerate(exceptions, start=1)}
    number.update((t.name.text, str(i)) for i, t in enumerate(main, start=1))
    step = manual.split(f"### {number['调整修改']}. ")[1].split("\n### ")[0]
    target = spec.task("放弃注册")
    assert target is not None
    assert f"超时后，转至第 {number['放弃注册']} 步「{target.label}」。" in step
    namespace: dict[str, object] = {}
    exec(compile(out["x.py"], "x.py", "exec"), namespace)  # noqa: S102 - our own output
    table = namespace["PROCESS"]
    task = next(t for t in table.tasks if t.name == "调整修改")  # type: ignore[attr-defined]
    assert [(b.target.name, b.target.end) for b in task.sla.breaches if b.target] == [
        ("放弃注册", False)]
    ir = out["x.ir.json"]
    assert '"kind": "breach"' in ir and '"source": "调整修改"' in ir


def test_a_process_deadline_goto_is_a_route_from_the_whole_case() -> None:
    text = ('process p "P"\n  lang en\n  sla 2 days\n    on breach goto end late\n'
            "roles\n  clerk\nstep a\n  by clerk\n  then end done\n"
            "end done success\nend late failure\n")
    unit = check_text("t.proc", text.encode())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    plan = plan_of(unit.spec)
    assert (ANYWHERE, "timeout", "late", "breach") in plan.route_keys()
    dot = emit_artifacts(unit.spec, "x", render_svg=False)["x.dot"].decode()
    assert (ANYWHERE, "timeout", "late", "breach") in [
        decode_key(v) for v in re.findall(r'transition="([^"]*)"', dot)]


# ------------------------------------------------------------------ the plan itself


def test_escalation_withdraw_and_cancel_are_routes() -> None:
    spec = spec_of("specs/招聘流程.proc")
    kinds = {r.kind for r in plan_of(spec).routes}
    assert {Way.WITHDRAW, Way.CANCEL} <= kinds
    for r in plan_of(spec).routes:
        if r.kind is Way.CANCEL:
            assert r.source == ANYWHERE and r.roles
        if r.kind is Way.ESCALATE:
            assert r.target == r.source and r.roles


def test_blocks_carry_their_split_route() -> None:
    spec = spec_of("tests/fixtures/diagram_constructs_zh.proc")
    blocks = {b.kind: b for b in plan_of(spec).blocks}
    assert blocks[BlockKind.PARALLEL].split == "分类"
    assert blocks[BlockKind.PARALLEL].join == "汇总"
    task = spec.task("分类")
    assert task is not None
    assert task.routes[blocks[BlockKind.PARALLEL].index or 0] is blocks[BlockKind.PARALLEL].route


def test_the_checks_graph_is_the_plans_task_routes() -> None:
    spec = spec_of("specs/采购流程.proc")
    written = [r.key() for r in plan_of(spec).routes
               if r.kind not in (Way.ESCALATE, Way.WITHDRAW, Way.CANCEL) and r.source != ANYWHERE]
    assert [t.key() for t in flow.transitions(spec)] == written


def test_the_plan_is_lowered_once_per_spec_and_dropped_with_it() -> None:
    text = (ROOT / "specs" / "请假流程.proc").read_bytes()
    spec = check_text("specs/请假流程.proc", text).spec
    assert spec is not None
    plan = plan_of(spec)
    assert plan_of(spec) is plan
    other = check_text("specs/请假流程.proc", text).spec
    assert other is not None and plan_of(other) is not plan
    assert plan_of(other) == lower(other) or plan_of(other).route_keys() == lower(other).route_keys()
    from procdsl import plan as plan_module

    before = len(plan_module._PLANS._plans)
    del spec, other, plan
    gc.collect()
    assert len(plan_module._PLANS._plans) <= before - 2
