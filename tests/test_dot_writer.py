"""The DOT writer's fast paths equal the slow code they replaced, byte for byte.

``emitters.dot`` writes DOT text directly (each distinct string quoted once) instead of
through ``graphviz.Digraph``; ``diagram.display_width``, ``diagram.clean`` and
``dot.encode_key`` use lookups and regular expressions instead of a Python loop per
character.  Each test below keeps the old way as the reference and compares.
"""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import graphviz
import pytest
from graphviz import quoting
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.compiler import Unit, check_text, process_names
from procdsl.emitters import diagram as dg
from procdsl.emitters import dot, show_bidi

from .strategies import hostile_text, spec_texts

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted([*ROOT.glob("specs/*.proc"), *ROOT.glob("tests/fixtures/*.proc"),
                *ROOT.glob("bench/specs/*.proc")])
SETTINGS = settings(max_examples=150, deadline=None)

# ------------------------------------------------------------------ references


def reference_dot(diagram: dg.Diagram, lang: str, direction: str) -> str:
    """Return the placed DOT source as the emitter would write it through graphviz.Digraph."""
    at = dot.place(diagram, direction)
    pt = dot._pt
    g = graphviz.Digraph(name="procdsl",
                         comment=dot._CONTROL.sub(" ", diagram.header.replace("\n", " ")))
    title_width = dg.display_width(diagram.title) * 16 * 0.6 + 8
    graph = dict(layout="nop2", rankdir=direction,
                 bb=f"0,0,{pt(at.width)},{pt(at.height)}", fontname=dot.FONT, fontsize="16",
                 label=f"<<B>{dot.html_text(diagram.title)}</B>>",
                 lp=f"{pt(title_width / 2 + 8)},{pt(at.height - dot.TITLE_ROOM / 2)}",
                 pad="0.3", _background=dot._lane_background(diagram, at, direction))
    if dot.MIN_PRINT_SCALE <= at.print_scale() < 1.0:
        graph["size"] = f"{dot.A3_LANDSCAPE_PT[0] / 72:.2f},{dot.A3_LANDSCAPE_PT[1] / 72:.2f}"
    g.attr("graph", **graph)
    g.attr("node", fontname=dot.FONT, fontsize="12")
    g.attr("edge", fontname=dot.FONT, fontsize="10", arrowsize="0.7")

    def node_attrs(node: dg.Node) -> dict[str, str]:
        attrs = dot._node_attrs(node, lang, direction)
        x, y = at.pos[node.id]
        attrs["pos"] = f"{pt(x)},{pt(y)}"
        if attrs.get("fixedsize") != "true":
            attrs["width"], attrs["height"] = (f"{v / 72:.2f}" for v in at.size[node.id])
        return attrs

    nodes = {n.id: n for n in diagram.nodes}
    placed: set[str] = set()
    for index, lane in enumerate(diagram.lanes):
        with g.subgraph(name=lane.id) as sub:
            x1, y1, x2, y2 = at.lanes[lane.id]
            lx, ly = at.lane_labels[lane.id]
            attrs = {**dot._lane_attrs(lane, index),
                     "style": "dashed" if lane.external else "solid"}
            sub.attr("graph", **attrs, bb=f"{pt(x1)},{pt(y1)},{pt(x2)},{pt(y2)}",
                     lp=f"{pt(lx)},{pt(ly)}", fontsize=pt(dot.LANE_FONT))
            for nid in lane.nodes:
                sub.node(nid, **node_attrs(nodes[nid]))
                placed.add(nid)
    for node in diagram.nodes:
        if node.id not in placed:
            g.node(node.id, **node_attrs(node))
    for i, edge in enumerate(diagram.edges):
        g.edge(edge.tail, edge.head, **dot._placed_edge(edge, at.lines.get(i)))
    return str(g.source)


def reference_graphviz_laid_out_dot(diagram: dg.Diagram, lang: str, direction: str) -> str:
    """Return the DOT source for a Graphviz engine's own layout (``placed=False``) as the
    emitter wrote it through graphviz.Digraph."""
    big = dot.is_big(diagram)
    g = graphviz.Digraph(name="procdsl",
                         comment=dot._CONTROL.sub(" ", diagram.header.replace("\n", " ")))
    g.attr("graph", rankdir=direction, fontname=dot.FONT, labelloc="t", fontsize="16",
           label=f"<<B>{dot.html_text(diagram.title)}</B>>", nodesep="0.3", ranksep="0.45",
           newrank="true", bgcolor="white", pad="0.3", labeljust="l")
    if big:
        g.attr("graph", splines="line")
    if dot._tasks(diagram) > dot.QUICK_POSITIONS_ABOVE:
        g.attr("graph", nslimit=dot.QUICK_POSITIONS_NSLIMIT)
    g.attr("node", fontname=dot.FONT, fontsize="12")
    g.attr("edge", fontname=dot.FONT, fontsize="10", arrowsize="0.7")
    nodes = {n.id: n for n in diagram.nodes}
    placed: set[str] = set()
    for index, lane in enumerate(diagram.lanes):
        with g.subgraph(name=lane.id) as sub:
            sub.attr("graph", **dot._lane_attrs(lane, index))
            sub.node(lane.id + ".head", **dot._ANCHOR)
            for nid in lane.nodes:
                sub.node(nid, **dot._node_attrs(nodes[nid], lang, direction))
                placed.add(nid)
            sub.node(lane.id + ".tail", **dot._ANCHOR)
    reached = {e.head for e in diagram.edges if e.head != e.tail}
    leaving = {e.tail for e in diagram.edges if e.head != e.tail}
    for lane in diagram.lanes:
        for nid in lane.nodes:
            if not big or nid not in reached:
                g.edge(lane.id + ".head", nid, style="invis", weight="0")
            if not big or nid not in leaving:
                g.edge(nid, lane.id + ".tail", style="invis", weight="0")
    for end in ("head", "tail"):
        ids = [f"{lane.id}.{end}" for lane in diagram.lanes]
        with g.subgraph() as same:
            same.attr("graph", rank="same")
            for a, b in zip(ids, ids[1:], strict=False):
                same.edge(a, b, style="invis")
    for node in diagram.nodes:
        if node.id not in placed:
            g.node(node.id, **dot._node_attrs(node, lang, direction))
    for edge in diagram.edges:
        g.edge(edge.tail, edge.head, **dot._edge_attrs(edge))
    return str(g.source)


def reference_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def reference_clean(text: str) -> str:
    return show_bidi("".join(" " if unicodedata.category(c) == "Cc" and c != "\n" else c
                             for c in text))


def reference_key(key: tuple[str, ...]) -> str:
    import re

    def part(s: str) -> str:
        return "".join(c if re.fullmatch(r"\w", c) else
                       "".join(f"%{b:02X}" for b in c.encode()) for c in s)
    return " ".join(part(s) for s in key)


def graphviz_quote(text: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # graphviz warns about a final odd backslash
        return str(quoting.quote(text))


# ------------------------------------------------------------------ the whole diagram


def _check(path: Path) -> Unit:
    """Check a spec as build does: the processes of its folder may be run from it."""
    names = process_names(sorted(path.parent.glob("*.proc")))
    return check_text(str(path.relative_to(ROOT)), path.read_bytes(), names)


def test_every_spec_and_fixture_compiles() -> None:
    assert [p.name for p in SPECS if not _check(p).ok] == []


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_dot_text_equals_the_graphviz_package_output(path: Path) -> None:
    unit = _check(path)
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    for lang in ("zh", "en"):
        diagram = dg.build_diagram(unit.spec, lang)
        for direction in dot.DIRECTIONS:
            assert dot.diagram_dot(diagram, lang, direction) == \
                reference_dot(diagram, lang, direction)
            assert dot.diagram_dot(diagram, lang, direction, placed=False) == \
                reference_graphviz_laid_out_dot(diagram, lang, direction)


def test_big_diagrams_equal_the_graphviz_package_output_too() -> None:
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from synthetic import synthetic_spec
    finally:
        sys.path.remove(str(ROOT / "bench"))
    unit = check_text("synthetic.proc", synthetic_spec(120).encode())
    assert unit.spec is not None
    diagram = dg.build_diagram(unit.spec, "zh")
    assert dot.is_big(diagram)
    assert dot.diagram_dot(diagram, "zh", "LR") == reference_dot(diagram, "zh", "LR")
    assert dot.diagram_dot(diagram, "zh", "LR", placed=False) == \
        reference_graphviz_laid_out_dot(diagram, "zh", "LR")


@SETTINGS
@given(spec_texts(), st.sampled_from(("zh", "en")), st.sampled_from(dot.DIRECTIONS))
def test_random_specs_give_the_graphviz_package_output(text: str, lang: str,
                                                       direction: str) -> None:
    unit = check_text("random.proc", text.encode("utf-8"))
    assert unit.spec is not None
    diagram = dg.build_diagram(unit.spec, lang)
    assert dot.diagram_dot(diagram, lang, direction) == reference_dot(diagram, lang, direction)
    assert dot.diagram_dot(diagram, lang, direction, placed=False) == \
        reference_graphviz_laid_out_dot(diagram, lang, direction)


# ------------------------------------------------------------------ the pieces

QUOTE_CASES = ["", "a", "_x1", "1", "-4.2", ".42", "4.", "-", "1e5", "node", "Graph", "STRICT",
               "a b", 't.客户', 'say "hi"', '\\"', '\\\\"', '\\\\\\"', "<b>x</b>", "<<B>x</B>>",
               "<a>\n", "x\n", "<", ">", "<>", "a:b", "a:b:c", "#404040", "0.12,0.06",
               "\\", "a\\", "a\\\\", "]]>", "{}", "--", "->"]


@pytest.mark.parametrize("text", QUOTE_CASES)
def test_quote_follows_the_graphviz_package(text: str) -> None:
    assert dot.quote(text) == graphviz_quote(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert dot.quote_edge(text) == quoting.quote_edge(text)


@SETTINGS
@given(st.one_of(st.text(), hostile_text(),
                 st.text(alphabet='abc_019.-"\\<>: \n中', max_size=12)))
def test_quote_follows_the_graphviz_package_on_any_text(text: str) -> None:
    assert dot.quote(text) == graphviz_quote(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert dot.quote_edge(text) == quoting.quote_edge(text)


@SETTINGS
@given(st.lists(st.one_of(st.text(), hostile_text()), min_size=1, max_size=4))
def test_encode_key_equals_the_per_character_version(key: list[str]) -> None:
    try:
        expected = reference_key(tuple(key))
    except UnicodeEncodeError:  # a lone surrogate: both refuse it
        with pytest.raises(UnicodeEncodeError):
            dot.encode_key(tuple(key))
        return
    assert dot.encode_key(tuple(key)) == expected
    assert dot.decode_key(expected) == tuple(key)


def test_clean_and_width_equal_unicodedata_for_every_code_point() -> None:
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    for start in range(0, len(chars), 4096):
        chunk = "".join(chars[start:start + 4096])
        assert dg.clean(chunk) == reference_clean(chunk)
        assert dg.display_width(chunk) == reference_width(chunk)


@SETTINGS
@given(st.one_of(st.text(), hostile_text()))
def test_clean_and_width_equal_the_per_character_versions(text: str) -> None:
    assert dg.clean(text) == reference_clean(text)
    assert dg.display_width(text) == reference_width(text)


def reference_html_text(text: str) -> str:
    import html
    text = dot._CONTROL.sub(" ", text)
    escaped = html.escape(text, quote=True).replace("\\", "\\\\").replace("]", "&#93;")
    return "<BR/>".join(escaped.split("\n")) or " "


@SETTINGS
@given(st.one_of(st.text(), hostile_text(), st.sampled_from(["", "plain", "中文", "a\nb"])))
def test_html_text_fast_path_equals_the_full_escaping(text: str) -> None:
    assert dot.html_text(text) == reference_html_text(text)


def test_html_text_changes_nothing_only_when_nothing_needs_it() -> None:
    for i in range(0x80):
        c = chr(i)
        assert dot.html_text(c) == reference_html_text(c)
