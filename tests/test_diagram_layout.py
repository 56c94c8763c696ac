"""Issue 19: real-size diagrams keep the declared lane order, leave no empty bands, route
no line across a node, and print on A3 landscape at a legible size (in phases when the
whole process does not fit)."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path

import pytest

from procdsl.compiler import check_text, process_names
from procdsl.emitters.diagram import Diagram, build_diagram
from procdsl.emitters.dot import (
    A3_LANDSCAPE_PT,
    LANE_PAD,
    MIN_PRINT_SCALE,
    ROW_GAP,
    TRACK,
    diagram_dot,
    phase_diagrams,
    place,
)
from procdsl.emitters.render import dot_available

ROOT = Path(__file__).resolve().parents[1]
REAL = ["新客户注册流程", "订单交付流程", "采购业务流程"]
needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz is not installed")


@cache
def diagram(stem: str) -> Diagram:
    path = ROOT / "specs" / f"{stem}.proc"
    names = process_names(sorted(path.parent.glob("*.proc")))
    unit = check_text(str(path), path.read_bytes(), names)
    assert unit.spec is not None, unit.diagnostics[:3]
    return build_diagram(unit.spec, unit.spec.lang)


def declared_roles(stem: str) -> list[str]:
    path = ROOT / "specs" / f"{stem}.proc"
    names = process_names(sorted(path.parent.glob("*.proc")))
    unit = check_text(str(path), path.read_bytes(), names)
    assert unit.spec is not None
    return [r.name.text for r in unit.spec.roles]


@pytest.mark.parametrize("stem", REAL)
def test_lanes_are_in_declared_order(stem: str) -> None:
    lanes = [lane.name for lane in diagram(stem).lanes]
    assert lanes == [r for r in declared_roles(stem) if r in lanes]
    source = diagram_dot(diagram(stem), "zh")
    clusters = [line.split('"')[1] for line in source.splitlines()
                if line.startswith('\tsubgraph "cluster')]
    assert clusters == [lane.id for lane in diagram(stem).lanes]


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("stem", REAL)
def test_lanes_are_adjacent_bands_with_no_empty_band(stem: str, direction: str) -> None:
    d = diagram(stem)
    at = place(d, direction)
    lr = direction == "LR"
    boxes = [at.lanes[lane.id] for lane in d.lanes]
    for (a, b) in zip(boxes, boxes[1:], strict=False):  # each band starts where one ends
        assert (a[1] == b[3]) if lr else (a[2] == b[0])
    for lane, box in zip(d.lanes, boxes, strict=True):
        assert lane.nodes
        spans = sorted((at.pos[n][1] - at.size[n][1] / 2, at.pos[n][1] + at.size[n][1] / 2)
                       if lr else (at.pos[n][0] - at.size[n][0] / 2,
                                   at.pos[n][0] + at.size[n][0] / 2) for n in lane.nodes)
        lo, hi = (box[1], box[3]) if lr else (box[0], box[2])
        # the band's empty stretches: its padding and the gaps between rows, no more
        edge = lo
        gaps = []
        for a, b in spans:
            gaps.append(a - edge)
            edge = max(edge, b)
        gaps.append(hi - edge)
        room = 2 * LANE_PAD + ROW_GAP + 12 * TRACK + (0 if lr else 140)
        assert max(gaps) <= room, (lane.name, max(gaps))


def _segments(points: list[tuple[float, float]]) -> list[tuple[tuple[float, float], ...]]:
    return list(zip(points, points[1:], strict=False))


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("stem", REAL)
def test_no_line_crosses_a_node_and_no_two_nodes_overlap(stem: str, direction: str) -> None:
    d = diagram(stem)
    at = place(d, direction)
    boxes = {nid: (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
             for nid, (x, y) in at.pos.items() for w, h in [at.size[nid]]}
    items = sorted(boxes.items())
    for i, (a, ba) in enumerate(items):
        for b, bb in items[i + 1:]:
            assert ba[2] <= bb[0] or bb[2] <= ba[0] or ba[3] <= bb[1] or bb[3] <= ba[1], (a, b)
    for index, (points, _label) in at.lines.items():
        e = d.edges[index]
        for (x1, y1), (x2, y2) in _segments(points):
            for nid, (bx1, by1, bx2, by2) in boxes.items():
                if nid in (e.tail, e.head):
                    continue
                inside_x = min(x1, x2) < bx2 - 1 and max(x1, x2) > bx1 + 1
                inside_y = min(y1, y2) < by2 - 1 and max(y1, y2) > by1 + 1
                assert not (inside_x and inside_y), (e.tail, e.head, nid)


@needs_dot
@pytest.mark.parametrize("stem", REAL)
def test_graphviz_draws_every_node_where_it_was_placed(stem: str) -> None:
    d = diagram(stem)
    at = place(d)
    done = subprocess.run(["dot", "-Tjson"], input=diagram_dot(d, "zh").encode(),
                          capture_output=True, check=True)
    assert not done.stderr
    drawn = {o["name"]: o for o in json.loads(done.stdout)["objects"] if "pos" in o}
    for nid, (x, y) in at.pos.items():
        gx, gy = map(float, drawn[nid]["pos"].split(","))
        assert abs(gx - x) < 1 and abs(gy - y) < 1
        # Graphviz's own size of the label is within what the layout made room for
        assert float(drawn[nid]["width"]) * 72 <= at.size[nid][0] + 8, nid
        assert float(drawn[nid]["height"]) * 72 <= at.size[nid][1] + 8, nid


@pytest.mark.parametrize("stem", REAL)
def test_real_specs_print_on_a3_landscape_at_a_legible_size(stem: str) -> None:
    d = diagram(stem)
    phases = phase_diagrams(d)
    assert 1 <= len(phases) <= 4
    for part in phases:
        at = place(part)
        assert at.print_scale(A3_LANDSCAPE_PT) >= MIN_PRINT_SCALE, part.title
        source = diagram_dot(part, "zh")
        if at.print_scale() < 1:
            assert 'size="15.75,10.91"' in source
    drawn = {e.transition for part in phases for e in part.edges if e.transition}
    assert drawn == {e.transition for e in d.edges if e.transition}


def test_a_diagram_that_fits_a3_is_one_page() -> None:
    path = ROOT / "specs" / "请假流程.proc"
    unit = check_text(str(path), path.read_bytes())
    assert unit.spec is not None
    d = build_diagram(unit.spec, "zh")
    if place(d).print_scale() >= MIN_PRINT_SCALE:
        assert phase_diagrams(d) == [d]
