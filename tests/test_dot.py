"""The Graphviz swimlane diagram agrees with the model: lanes, shapes, one edge per transition."""

from __future__ import annotations

import functools
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from procdsl import model as m
from procdsl.compiler import compile_paths
from procdsl.emitters import header_text
from procdsl.emitters.diagram import HELPER_KINDS, display_width, wrap
from procdsl.emitters.dot import FONT, decode_key, emit_dot
from procdsl.parser import parse_source, read_source
from procdsl.plan import plan_of

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
OWN = sorted(FIXTURES.glob("diagram_*.proc"))
SPECS = (OWN + [FIXTURES / "registration_zh.proc"] + sorted(FIXTURES.glob("lang_pattern_*.proc"))
         + sorted((ROOT / "specs").glob("*.proc")))
IDS = [str(p.relative_to(ROOT)) for p in SPECS]


@functools.cache
def _units() -> dict[str, Any]:
    return {str(p): u for p, u in zip(SPECS, compile_paths(SPECS), strict=True)}


@functools.cache
def spec_of(path: Path) -> m.Spec:
    """Return the checked model, or the parsed one when the checks still report errors."""
    unit = _units()[str(path)]
    if unit.spec is not None:
        return unit.spec
    source, _ = read_source(str(path), path.read_bytes())
    spec = parse_source(source).spec
    assert spec is not None, f"{path} does not parse"
    return spec


@functools.cache
def dot_of(path: Path, direction: str = "LR") -> str:
    spec = spec_of(path)
    return emit_dot(spec, lang=spec.lang, direction=direction)


@functools.cache
def layout(path: Path) -> dict[str, Any]:
    """Return Graphviz's own reading of the DOT (json: every node, cluster and edge)."""
    result = subprocess.run(["dot", "-Tjson"], input=dot_of(path).encode(), capture_output=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b"", result.stderr.decode()  # not even a warning
    return json.loads(result.stdout)


def _objects(path: Path) -> list[dict[str, Any]]:
    return layout(path)["objects"]


def _clusters(path: Path) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in _objects(path)
            if "nodes" in o and o["name"].startswith("cluster")}


def _names(path: Path) -> dict[int, str]:
    return {o["_gvid"]: o["name"] for o in _objects(path)}


def _nodes(path: Path) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in _objects(path) if "nodes" not in o}


def _edges(path: Path) -> list[dict[str, Any]]:
    return [e for e in layout(path).get("edges", []) if e.get("style") != "invis"]


# ---------------------------------------------------------------- the model and the graph agree


def test_own_fixtures_check_clean() -> None:
    for path in OWN:
        unit = _units()[str(path)]
        assert unit.spec is not None, [d.message for d in unit.diagnostics]


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_dot_is_accepted_by_dot(path: Path) -> None:
    assert layout(path)["objects"]


def _acting_lanes(spec: m.Spec) -> set[str]:
    """Return every role that can act on a task, worked out here from the model alone:
    the assignee's roles (co-approvers too), the roles a rule approval's rule can name,
    extra approvers and escalation targets (issue 13: co-approvers had no lane)."""
    lanes = set()
    for task in spec.tasks:
        a = task.assignee
        if a is None:
            lanes.add("unassigned")
        elif a.mode is m.AssigneeMode.REQUESTER:
            lanes.add("requester")
        elif a.roles:
            lanes.update(r.text for r in a.roles)
        else:
            rule = spec.rule(a.rule.text) if a.rule else None
            names = [n.text for r in (rule.rows if rule else ())
                     if r.result.kind is m.ResultKind.ROLES for n in r.result.names]
            lanes.update(names or ["unassigned"])
        lanes.update(r.text for x in task.extra_approvers for r in x.roles)
        for b in task.sla.breaches if task.sla else ():
            if b.kind is m.BreachKind.ESCALATE:
                lanes.update(r.text for r in b.roles[:1])
    for b in spec.process.sla.breaches if spec.process.sla else ():
        if b.kind is m.BreachKind.ESCALATE:
            lanes.update(r.text for r in b.roles[:1])
    return lanes


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_one_cluster_per_acting_role(path: Path) -> None:
    clusters = list(_clusters(path))
    expected = {f"cluster.role.{n}" if n not in ("requester", "unassigned") else f"cluster.{n}"
                for n in _acting_lanes(spec_of(path))}
    assert sorted(clusters) == sorted(expected)


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_one_edge_per_transition_both_ways(path: Path) -> None:
    drawn = Counter(decode_key(e["transition"]) for e in _edges(path) if "transition" in e)
    model = Counter(r.key() for r in plan_of(spec_of(path)).routes)
    assert drawn == model


def _ref(node: dict[str, Any]) -> str | None:
    return decode_key(node["ref"])[0] if "ref" in node else None


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_each_transition_edge_joins_its_source_and_target(path: Path) -> None:
    names, nodes = _names(path), _nodes(path)
    into: dict[str, list[str]] = {}
    out_of: dict[str, list[str]] = {}
    for e in _edges(path):
        into.setdefault(names[e["head"]], []).append(names[e["tail"]])
        out_of.setdefault(names[e["tail"]], []).append(names[e["head"]])
    for e in (e for e in _edges(path) if "transition" in e):
        source, _action, target, _via = decode_key(e["transition"])
        tail, head = nodes[names[e["tail"]]], nodes[names[e["head"]]]
        while _ref(tail) is None:  # a decision or fork drawn after the task
            assert tail["class"] in HELPER_KINDS
            tail = nodes[into[tail["name"]][0]]
        assert _ref(tail) == source
        if head["class"] in ("join", "join_any"):  # a join bar drawn before the task
            head = nodes[out_of[head["name"]][0]]
        assert _ref(head) == target


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_edges_without_a_transition_touch_a_helper_or_withdraw(path: Path) -> None:
    names, nodes = _names(path), _nodes(path)
    for e in (e for e in _edges(path) if "transition" not in e):
        kinds = {nodes[names[e["tail"]]]["class"], nodes[names[e["head"]]]["class"]}
        assert kinds & HELPER_KINDS or e["class"] == "withdraw", e


# ---------------------------------------------------------------- what the reader sees


def _label_of(path: Path, node: str) -> str:
    return _nodes(path)[node]["label"]


def test_first_line_is_the_generated_notice() -> None:
    path = FIXTURES / "registration_zh.proc"
    assert dot_of(path).splitlines()[0] == "// " + header_text(spec_of(path).path)


def test_every_text_uses_the_cjk_font() -> None:
    source = dot_of(FIXTURES / "registration_zh.proc")
    for kind in ("graph", "node", "edge"):
        assert f'{kind} [' in source
        line = next(x for x in source.splitlines() if x.strip().startswith(f"{kind} ["))
        assert f'fontname="{FONT}"' in line


def test_external_lanes_are_dashed_and_grey() -> None:
    path = FIXTURES / "registration_zh.proc"
    lanes = _clusters(path)
    assert "dashed" in lanes["cluster.role.客户"]["style"]
    assert "客户（外部）" in lanes["cluster.role.客户"]["label"]
    assert "dashed" not in lanes["cluster.role.审核员"]["style"]


def test_lanes_are_in_the_order_the_spec_declares_the_roles() -> None:
    path = FIXTURES / "diagram_order_30_zh.proc"
    source = dot_of(path)
    order = [line.split('"')[1] for line in source.splitlines()
             if line.strip().startswith('subgraph "cluster')]
    # 财务部 acts before 销售经理 in the flow, but the spec declares 销售经理 first
    assert order[:4] == ["cluster.role.客户", "cluster.role.业务员", "cluster.role.销售经理",
                         "cluster.role.财务部"]
    declared = [f"cluster.role.{r.name.text}" for r in spec_of(path).roles]
    assert order == [c for c in declared if c in order]


def test_approval_modes_are_named_on_the_node() -> None:
    path = FIXTURES / "diagram_constructs_zh.proc"
    assert "会签：财务部、部门经理" in _label_of(path, "t.会签")
    assert "或签：财务部、部门经理" in _label_of(path, "t.预算核对")
    assert "依次审批：部门经理 → 总经理" in _label_of(path, "t.安全评审")
    assert "2 人审批：评审委员会" in _label_of(path, "t.技术评审")
    # the manual's word for a rule approval (vocabulary.mode_name), naming the rule
    assert "按审批权限表「审批权限」" in _label_of(path, "t.法务评审")


def test_shapes_for_each_kind() -> None:
    path = FIXTURES / "diagram_constructs_zh.proc"
    kinds = Counter(n["class"] for n in _nodes(path).values() if "class" in n)
    for kind in ("start", "step", "approval", "subprocess", "decision", "inclusive", "fork",
                 "interleave", "join", "join_any", "success", "failure", "note"):
        assert kinds[kind] >= 1, kind
    nodes = _nodes(path)
    assert nodes["d.分类.complete"]["shape"] == "diamond"
    assert nodes["t.签约"]["peripheries"] == "2"  # subprocess: double border
    success = next(n for n in nodes.values() if n.get("class") == "success")
    failure = next(n for n in nodes.values() if n.get("class") == "failure")
    assert (success["shape"], success["fillcolor"]) != (failure["shape"], failure["fillcolor"])


def _edge(path: Path, key: tuple[str, str, str, str]) -> dict[str, Any]:
    return next(e for e in _edges(path) if decode_key(e.get("transition", "")) == key)


def test_rework_is_dashed_with_its_cap_and_the_cap_exit_is_labelled() -> None:
    path = FIXTURES / "registration_zh.proc"
    back = _edge(path, ("初审", "return", "准备资料", "route"))
    assert back["style"] == "dashed" and "退回（最多 3 次）" in back["label"]
    out = _edge(path, ("初审", "return", "注册失败", "cap"))
    assert "超过 3 次" in out["label"]


def test_conditions_and_outcomes_label_edges_in_the_spec_language() -> None:
    zh = FIXTURES / "diagram_constructs_zh.proc"
    labels = [e.get("label", "") for e in _edges(zh)]
    assert any("类别 == 设备" in label for label in labels)  # on the segment before the fork
    assert "否则" in _edge(zh, ("分类", "complete", "询价", "route"))["label"]
    en = FIXTURES / "diagram_escape_en.proc"
    assert "approve" in _edge(en, ("review", "approve", "done", "route"))["label"]
    assert "otherwise" in _edge(en, ("intake", "complete", "done", "route"))["label"]


def test_sla_and_breach_are_shown_on_the_node() -> None:
    path = FIXTURES / "registration_zh.proc"
    assert "◷ 1 工作日 → 升级至 主管" in _label_of(path, "t.初审")
    goto = _edge(FIXTURES / "diagram_constructs_zh.proc", ("询价", "timeout", "催办", "breach"))
    assert goto["style"] == "dotted" and "超时" in goto["label"]


def test_requester_tasks_sit_in_a_requester_lane() -> None:
    path = FIXTURES / "diagram_constructs_zh.proc"
    lane = _clusters(path)["cluster.requester"]
    members = {_names(path)[i] for i in lane.get("nodes", [])}
    assert "t.提交申请" in members and "发起人" in lane["label"]


def test_top_to_bottom_direction_and_a_wrong_direction() -> None:
    path = FIXTURES / "registration_zh.proc"
    assert "rankdir=TB" in dot_of(path, "TB")
    with pytest.raises(ValueError, match="direction"):
        emit_dot(spec_of(path), lang="zh", direction="XY")


# ---------------------------------------------------------------- wrapping


def test_wrap_counts_cjk_as_two_columns_and_breaks_after_punctuation() -> None:
    assert display_width("审批ab") == 6
    assert wrap("审批采购需求，确保合理性和必要性", 22) == ["审批采购需求，", "确保合理性和必要性"]
    assert wrap("与供应商沟通并采取解决措施", 22) == ["与供应商沟通并", "采取解决措施"]


def test_wrap_breaks_latin_text_at_spaces_and_keeps_lines_short() -> None:
    text = "Check the supplier's offer and the delivery terms before signing"
    lines = wrap(text, 22)
    assert " ".join(lines) == text
    assert all(display_width(line) <= 22 for line in lines)


def test_wrap_keeps_explicit_newlines_and_closing_punctuation() -> None:
    assert wrap("a\nb", 22) == ["a", "b"]
    lines = wrap("一二三四五六七八九十一二）三四五", 22)
    assert not any(line.startswith("）") for line in lines)
