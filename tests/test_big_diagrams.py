"""Big processes: procdsl places the nodes and routes the lines, so drawing stays quick.

Issue 19: 200 tasks in 12 lanes took dot 1.8-4.1 s, a 500-task spec with labelled
parallel routes and returns did not finish in 120 s, and the co-acting markers made a
200-task synthetic diagram take 6.7 s (1,000 tasks: over 40 s).  procdsl now lays the
diagram out itself (``emitters.dot.place``) and Graphviz only draws it (``layout=nop2``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from procdsl.cli import cli
from procdsl.compiler import check_text
from procdsl.emitters.diagram import Diagram, build_diagram
from procdsl.emitters.dot import (
    A3_LANDSCAPE_PT,
    MIN_PRINT_SCALE,
    QUICK_POSITIONS_ABOVE,
    STRAIGHT_EDGES_ABOVE,
    diagram_dot,
    emit_dot,
    phase_diagrams,
    place,
)
from procdsl.emitters.render import dot_available

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
try:
    from bench_layout import parallel_spec
    from synthetic import synthetic_spec
finally:
    sys.path.remove(str(ROOT / "bench"))

needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz is not installed")


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


def graphviz_laid_out(n: int) -> str:
    unit = check_text("big.proc", chain(n).encode())
    assert unit.spec is not None
    return diagram_dot(build_diagram(unit.spec, "en"), "en", placed=False)


def diagram_of(text: str) -> Diagram:
    unit = check_text("big.proc", text.encode())
    assert unit.spec is not None, unit.diagnostics[:3]
    return build_diagram(unit.spec, "en")


def dot_seconds(source: str, limit: float) -> float:
    start = time.perf_counter()
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          timeout=limit * 10, check=False)
    assert done.returncode == 0, done.stderr[:300]
    assert not done.stderr, done.stderr[:300]  # no warning either
    return time.perf_counter() - start


# ------------------------------------------------------------------ placed by procdsl


def test_the_dot_places_every_node_and_routes_every_line() -> None:
    source = dot_of(STRAIGHT_EDGES_ABOVE + 1)
    assert "layout=nop2" in source  # Graphviz draws; it does not lay out
    nodes = [line for line in source.splitlines() if "class=step" in line]
    assert nodes and all(" pos=" in line for line in nodes)
    edges = [line for line in source.splitlines() if " -> " in line]
    assert edges and all(" pos=" in line for line in edges)
    assert "splines=line" not in source and "nslimit" not in source


@needs_dot
def test_200_tasks_in_12_lanes_lay_out_in_under_a_second() -> None:
    diagram = diagram_of(parallel_spec(200))
    assert len(diagram.lanes) == 12
    start = time.perf_counter()
    source = diagram_dot(diagram, "en")
    assert time.perf_counter() - start < 1.0  # placing and routing, in Python
    assert dot_seconds(source, 1.0) < 1.0     # measured: 0.1 s (was 1.8-4.1 s)


@needs_dot
def test_500_tasks_with_labelled_parallel_routes_and_returns_finish() -> None:
    diagram = diagram_of(parallel_spec(504))
    assert any(e.label and e.style == "helper" for e in diagram.edges)  # labelled fork
    assert any(e.style == "rework" for e in diagram.edges)
    assert dot_seconds(diagram_dot(diagram, "en"), 5.0) < 5.0  # measured: 0.4 s (> 120 s)


@needs_dot
def test_co_acting_markers_cost_no_layout_time() -> None:
    """The 1,000-task synthetic spec has a co-signature and a rule approval in every group
    of five: a marker node for each, in its lane (dot took over 40 s with them)."""
    diagram = diagram_of(synthetic_spec(1_000))
    markers = [n for n in diagram.nodes if n.kind == "coact"]
    assert len(markers) >= 400
    assert dot_seconds(diagram_dot(diagram, "en"), 5.0) < 5.0  # measured: 0.5 s


def test_a_marker_stands_in_its_task_s_column() -> None:
    diagram = diagram_of(synthetic_spec(50))
    at = place(diagram)
    tasks = {n.ref: n.id for n in diagram.nodes if n.kind in ("step", "approval")}
    for marker in (n for n in diagram.nodes if n.kind == "coact" and n.ref in tasks):
        assert at.column[marker.id] == at.column[tasks[marker.ref]]
        assert at.pos[marker.id][0] == at.pos[tasks[marker.ref]][0]  # straight above/below


# ------------------------------------------------------------------ printing big ones


def test_a_big_process_is_printed_in_phases_that_fit_a3() -> None:
    diagram = diagram_of(parallel_spec(200))
    assert place(diagram).print_scale() < MIN_PRINT_SCALE
    phases = phase_diagrams(diagram)
    assert len(phases) > 1
    for part in phases:  # each phase's length fits the page at a legible size
        assert place(part).width * MIN_PRINT_SCALE <= A3_LANDSCAPE_PT[0]
    drawn = {e.transition for part in phases for e in part.edges if e.transition}
    assert drawn == {e.transition for e in diagram.edges if e.transition}


def test_graph_says_when_a_drawing_is_too_big_to_print(tmp_path: Path) -> None:
    spec = tmp_path / "big.proc"
    spec.write_text(chain(120), encoding="utf-8")
    result = CliRunner().invoke(cli, ["graph", str(spec), "-o", str(tmp_path / "big.svg")])
    assert result.exit_code == 0, result.output
    assert "--split-by-phase DIR" in result.stderr and "--split-by-lane DIR" in result.stderr
    assert (tmp_path / "big.svg").read_bytes().lstrip().startswith(b"<?xml")
    small = tmp_path / "small.proc"
    small.write_text(chain(5), encoding="utf-8")
    quiet = CliRunner().invoke(cli, ["graph", str(small), "-o", str(tmp_path / "s.svg")])
    assert quiet.exit_code == 0 and "split" not in quiet.stderr


def test_graph_split_by_phase_writes_one_page_per_phase(tmp_path: Path) -> None:
    spec = tmp_path / "big.proc"
    spec.write_text(chain(120), encoding="utf-8")
    result = CliRunner().invoke(cli, ["graph", str(spec), "--split-by-phase",
                                      str(tmp_path / "pages"), "--format", "dot"])
    assert result.exit_code == 0, result.output
    pages = sorted((tmp_path / "pages").glob("big.p*.dot"))
    assert len(pages) > 1
    sizes = {m for p in pages for m in re.findall(r'\bsize="([^"]*)"', p.read_text("utf-8"))}
    assert sizes <= {"15.75,10.91"}  # A3 landscape less margins, when it needs shrinking


# ------------------------------------------------------------------ other engines


def test_another_engine_gets_the_graphviz_laid_out_dot(tmp_path: Path) -> None:
    spec = tmp_path / "big.proc"
    spec.write_text(chain(10), encoding="utf-8")
    out = tmp_path / "big.dot"
    # --format dot with the default engine: placed
    CliRunner().invoke(cli, ["graph", str(spec), "-o", str(out)])
    assert "layout=nop2" in out.read_text("utf-8")


def test_graphviz_laid_out_edges_are_straight_only_above_the_threshold() -> None:
    assert "splines=line" not in graphviz_laid_out(STRAIGHT_EDGES_ABOVE)
    assert "splines=line" in graphviz_laid_out(STRAIGHT_EDGES_ABOVE + 1)


def test_graphviz_laid_out_positions_are_searched_quickly_only_above_the_threshold() -> None:
    assert "nslimit" not in graphviz_laid_out(QUICK_POSITIONS_ABOVE)
    assert "\tgraph [nslimit=0.01]\n" in graphviz_laid_out(QUICK_POSITIONS_ABOVE + 1)


def test_graphviz_laid_out_lane_bands_tie_only_flow_sources_and_sinks() -> None:
    small = graphviz_laid_out(STRAIGHT_EDGES_ABOVE)
    big = graphviz_laid_out(STRAIGHT_EDGES_ABOVE + 1)
    assert small.count("weight=0") == 2 * (STRAIGHT_EDGES_ABOVE + 2)  # + start and the end
    bands = [line for line in big.splitlines() if "weight=0" in line]
    assert bands == ['\t"cluster.role.r0.head" -> start [style=invis weight=0]',
                     '\t"e.done.role.r0" -> "cluster.role.r0.tail" [style=invis weight=0]']


def test_the_timeout_message_names_the_ways_to_draw_it_in_parts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from procdsl.emitters import render

    def too_slow(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired("dot", render.TIMEOUT_SECONDS)

    monkeypatch.setattr(render.subprocess, "run", too_slow)
    with pytest.raises(render.RenderError, match="--lane ROLE .* --split-by-lane DIR"):
        render.render("digraph {}", "svg")
