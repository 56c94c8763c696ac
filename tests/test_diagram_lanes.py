"""One lane on its own (graph --lane / --split-by-lane): its nodes, ghosts for hand-offs."""

from __future__ import annotations

import dataclasses
import functools
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from procdsl import model as m
from procdsl.cli import cli
from procdsl.compiler import check_text, compile_paths
from procdsl.emitters.diagram import Diagram, build_diagram
from procdsl.emitters.dot import decode_key, diagram_dot
from procdsl.emitters.lanes import (
    GHOST,
    UnknownLane,
    find_lane,
    lane_diagram,
    lane_file_name,
    lane_file_names,
)
from procdsl.emitters.mermaid import diagram_mermaid

ROOT = Path(__file__).resolve().parents[1]
LEAVE = ROOT / "specs" / "请假流程.proc"
SPECS = sorted([*ROOT.glob("specs/*.proc"), *ROOT.glob("tests/fixtures/diagram_*.proc"),
                *ROOT.glob("tests/fixtures/lang_pattern_*.proc")])


@functools.cache
def _units() -> dict[Path, m.Spec | None]:
    return {p: u.spec for p, u in zip(SPECS, compile_paths(SPECS), strict=True)}


def spec_of(path: Path) -> m.Spec:
    spec = _units()[path] if path in SPECS else check_text(str(path), path.read_bytes()).spec
    assert spec is not None
    return spec


def leave(lang: str = "zh") -> Diagram:
    return build_diagram(spec_of(LEAVE), lang)


def test_the_lane_keeps_its_own_nodes_and_ghosts_its_neighbours() -> None:
    full = leave()
    manager = lane_diagram(full, find_lane(full, "经理"))
    assert [lane.name for lane in manager.lanes] == ["经理"]
    kinds = {n.id: n.kind for n in manager.nodes}
    assert kinds["t.经理审批"] == "approval"
    ghosts = {n.ref: n for n in manager.nodes if n.kind == GHOST}
    # before: the supervisor's approval, seen through its decision diamond; after: HR
    assert set(ghosts) == {"主管审批", "人事备案"}
    assert ghosts["主管审批"].lines[0] == ("主管", "meta")  # the lane it sits in, first
    assert ("主管审批请假", "meta") in ghosts["主管审批"].lines
    assert not any(n.kind in ("decision", "fork") for n in manager.nodes)
    into = [e for e in manager.edges if e.head.startswith("t.") and e.tail.startswith("t.")
            and e.transition is not None and e.transition[0] == "主管审批"]
    assert [e.label for e in into] == ["天数 > 3"]  # the gate's label stays on the edge


def test_ghosts_sit_outside_the_lane_and_are_drawn_grey_and_dashed() -> None:
    full = leave()
    manager = lane_diagram(full, find_lane(full, "经理"))
    dot = diagram_dot(manager, "zh")
    assert dot.count("subgraph cluster") + dot.count('subgraph "cluster') == 1
    ghost_lines = [line for line in dot.splitlines() if "class=ghost" in line]
    assert len(ghost_lines) == 2
    assert all(line.startswith("\t\"t.") and "dashed" in line for line in ghost_lines)
    assert "员工请假流程 · 经理" in dot
    assert "class n" in diagram_mermaid(manager, "zh")


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_transition_is_drawn_in_some_lane_and_only_real_ones(path: Path) -> None:
    full = build_diagram(spec_of(path), "en")
    keys = {e.transition for e in full.edges if e.transition is not None}
    seen: set[tuple[str, str, str, str]] = set()
    for lane in full.lanes:
        part = lane_diagram(full, lane)
        ids = {n.id for n in part.nodes}
        assert set(lane.nodes) <= ids
        assert all(e.tail in ids and e.head in ids for e in part.edges)
        assert all(n.id in lane.nodes or n.kind == GHOST for n in part.nodes)
        seen |= {e.transition for e in part.edges if e.transition is not None}
    assert seen == keys


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_accepts_every_lane_diagram() -> None:
    full = leave()
    for lane in full.lanes:
        source = diagram_dot(lane_diagram(full, lane), "zh")
        result = subprocess.run(["dot", "-Tjson"], input=source.encode(), capture_output=True,
                                timeout=60, check=False)
        assert result.returncode == 0, result.stderr.decode()
        drawn = [decode_key(e["transition"]) for e in json.loads(result.stdout)
                 .get("edges", ()) if "transition" in e]
        assert drawn  # every lane of this spec hands work on


def test_an_unknown_lane_is_refused_with_a_did_you_mean() -> None:
    full = leave()
    with pytest.raises(UnknownLane, match="did you mean 经理\\? lanes: 员工, 主管, 经理, 人事"):
        find_lane(full, "经里")
    with pytest.raises(UnknownLane, match="no lane named 'xyz'; lanes:"):
        find_lane(full, "xyz")
    english = build_diagram(spec_of(ROOT / "specs" / "employee_onboarding.proc"), "en")
    assert find_lane(english, "it_support").name == "it_support"


def test_lane_file_names_are_the_role_unless_unsafe() -> None:
    full = leave()
    assert lane_file_name(full.lanes[0], 0) == "员工"
    odd = full.lanes[0].__class__("cluster.x", "a/b", None, False, (), "../a b")
    assert lane_file_name(odd, 4) == "lane5"
    twice = dataclasses.replace(full, lanes=(full.lanes[0], full.lanes[0], odd))
    assert lane_file_names(twice) == ["员工", "lane2", "lane3"]


# ------------------------------------------------------------------ the command


def test_graph_lane_writes_one_lane(tmp_path: Path) -> None:
    out = tmp_path / "manager.dot"
    result = CliRunner().invoke(cli, ["graph", str(LEAVE), "--lane", "经理", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "class=ghost" in text and '"cluster.role.经理"' in text
    assert text.count("subgraph") == 1  # the one lane


def test_graph_unknown_lane_exits_2_and_names_the_lanes(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["graph", str(LEAVE), "--lane", "经里"])
    assert result.exit_code == 2
    assert "no lane named '经里'; did you mean 经理? lanes: 员工, 主管, 经理, 人事" in result.stderr


def test_graph_split_by_lane_writes_one_file_per_lane(tmp_path: Path) -> None:
    folder = tmp_path / "lanes"
    result = CliRunner().invoke(cli, ["graph", str(LEAVE), "--split-by-lane", str(folder),
                                      "--format", "mermaid"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(f"请假流程.{lane}.mmd" for lane in ("员工", "主管", "经理", "人事"))
    assert "wrote" in result.stderr
    assert "ghost" in (folder / "请假流程.经理.mmd").read_text("utf-8")


def test_graph_lane_options_exclude_each_other_and_output(tmp_path: Path) -> None:
    both = CliRunner().invoke(cli, ["graph", str(LEAVE), "--lane", "经理",
                                    "--split-by-lane", str(tmp_path)])
    assert both.exit_code == 2 and "use one of --lane" in both.output
    with_o = CliRunner().invoke(cli, ["graph", str(LEAVE), "--split-by-lane", str(tmp_path),
                                      "-o", str(tmp_path / "x.svg")])
    assert with_o.exit_code == 2 and "leave out -o" in with_o.output
