"""Big processes: layout stays quick (straight edges) and the user is told before a wait."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from procdsl.cli import BIG_DIAGRAM, cli
from procdsl.compiler import check_text
from procdsl.emitters.dot import QUICK_POSITIONS_ABOVE, STRAIGHT_EDGES_ABOVE, emit_dot


def chain(n: int) -> str:
    lines = ['process big "Big"', "  lang en", "", "roles"] + [f"  r{i}" for i in range(4)]
    lines.append("")
    for i in range(n):
        nxt = f"t{i + 1}" if i < n - 1 else "end done"
        lines.append(f"step t{i} by r{i % 4}, then {nxt}")
    return "\n".join(lines + ["", "end done success", ""])


def dot_of(n: int) -> str:
    unit = check_text("big.proc", chain(n).encode())
    assert unit.spec is not None
    return emit_dot(unit.spec, lang="en")


def test_edges_are_straight_only_above_the_threshold() -> None:
    assert "splines=line" not in dot_of(STRAIGHT_EDGES_ABOVE)
    assert "splines=line" in dot_of(STRAIGHT_EDGES_ABOVE + 1)


def test_node_positions_are_searched_quickly_only_above_the_threshold() -> None:
    assert "nslimit" not in dot_of(QUICK_POSITIONS_ABOVE)
    assert "\tgraph [nslimit=0.01]\n" in dot_of(QUICK_POSITIONS_ABOVE + 1)


def test_graph_says_before_drawing_a_big_process(tmp_path: Path) -> None:
    spec = tmp_path / "big.proc"
    spec.write_text(chain(BIG_DIAGRAM + 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["graph", str(spec), "-o", str(tmp_path / "big.svg")])
    assert result.exit_code == 0
    assert f"drawing {BIG_DIAGRAM + 1} tasks in 4 lanes" in result.stderr
    assert (tmp_path / "big.svg").read_bytes().lstrip().startswith(b"<?xml")


def test_big_diagrams_tie_lane_bands_only_to_flow_sources_and_sinks() -> None:
    small, big = dot_of(STRAIGHT_EDGES_ABOVE), dot_of(STRAIGHT_EDGES_ABOVE + 1)
    # small: each lane's head and tail joined to every node of the lane (as drawn before)
    assert small.count("weight=0") == 2 * (STRAIGHT_EDGES_ABOVE + 2)  # + start and the end
    # big: only the start (nothing leads to it) and the end (nothing leaves it)
    bands = [line for line in big.splitlines() if "weight=0" in line]
    assert bands == ['\t"cluster.role.r0.head" -> start [style=invis weight=0]',
                     '\t"e.done.role.r0" -> "cluster.role.r0.tail" [style=invis weight=0]']


def test_the_big_diagram_note_names_the_ways_to_draw_it_in_parts(tmp_path: Path) -> None:
    spec = tmp_path / "big.proc"
    spec.write_text(chain(BIG_DIAGRAM + 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["graph", str(spec), "-o", str(tmp_path / "big.svg")])
    assert "--lane ROLE" in result.stderr and "--split-by-lane DIR" in result.stderr
    assert "--engine" in result.stderr
    quiet = CliRunner().invoke(cli, ["graph", str(spec), "--lane", "r1", "-o",
                                     str(tmp_path / "r1.svg")])
    assert quiet.exit_code == 0 and "drawing" not in quiet.stderr


def test_the_timeout_message_names_the_ways_to_draw_it_in_parts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from procdsl.emitters import render

    def too_slow(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired("dot", render.TIMEOUT_SECONDS)

    monkeypatch.setattr(render.subprocess, "run", too_slow)
    with pytest.raises(render.RenderError, match="--lane ROLE .* --split-by-lane DIR"):
        render.render("digraph {}", "svg")
