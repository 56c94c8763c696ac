"""The Mermaid flowchart draws the same lanes, nodes and edges as the DOT, safely escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from procdsl import model as m
from procdsl.compiler import check_text, compile_paths
from procdsl.emitters import header_text
from procdsl.emitters.diagram import build_diagram
from procdsl.emitters.dot import emit_dot
from procdsl.emitters.mermaid import emit_mermaid, mermaid_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("diagram_*.proc"))
UNITS = {Path(u.path).name: u for u in compile_paths(FIXTURES)}

NODE = re.compile(r'^\s+n\d+(\(\(|\(\[|\[\[|\{\{|\(|\{|>)"[^"]*"(\)\)|\]\)|\]\]|\}\}|\)|\}|\])$')
EDGE = re.compile(r'^  n\d+ (-->|-\.->|-\.-)(\|"[^"]*"\|)? n\d+$')
ENTITY = re.compile(r"#\d+;")
OTHER = re.compile(r'^(%% .*|flowchart (LR|TB)|  subgraph L\d+\["[^"]*"\]|  end|  style L\d+ .*'
                   r'|  linkStyle [\d,]+ .*|  classDef \w+ .*|  class [n\d,]+ \w+)$')


def _spec(name: str) -> m.Spec:
    spec = UNITS[name].spec
    assert spec is not None
    return spec


@pytest.mark.parametrize("name", sorted(UNITS))
def test_every_line_is_a_statement_mermaid_knows(name: str) -> None:
    text = emit_mermaid(_spec(name), lang=_spec(name).lang)
    for line in text.splitlines():
        assert NODE.match(line) or EDGE.match(line) or OTHER.match(line), line


@pytest.mark.parametrize("name", sorted(UNITS))
def test_same_lanes_nodes_and_edges_as_the_dot(name: str) -> None:
    spec = _spec(name)
    text = emit_mermaid(spec, lang=spec.lang)
    dot = emit_dot(spec, lang=spec.lang)
    lines = text.splitlines()
    subgraphs = sum(1 for x in lines if x.startswith("  subgraph "))
    assert subgraphs == len(re.findall(r'^\tsubgraph "cluster', dot, re.M))
    assert subgraphs == lines.count("  end")
    diagram = build_diagram(spec, spec.lang)
    assert sum(1 for x in lines if NODE.match(x)) == len(diagram.nodes)
    assert sum(1 for x in lines if EDGE.match(x)) == len(diagram.edges)
    dot_edges = [x for x in dot.splitlines() if " -> " in x and "style=invis" not in x]
    assert len(dot_edges) == len(diagram.edges)


def test_one_subgraph_per_acting_role_with_external_ones_dashed() -> None:
    text = emit_mermaid(_spec("diagram_order_30_zh.proc"), lang="zh")
    titles = re.findall(r'subgraph (L\d+)\["([^"]*)"\]', text)
    assert [t for _, t in titles][:2] == ["客户（外部）", "业务员 · 销售部业务员"]
    external = {lane for lane, title in titles if "外部" in title}
    for lane in external:
        assert re.search(rf"style {lane} .*stroke-dasharray", text)


def test_first_line_is_the_generated_notice() -> None:
    spec = _spec("diagram_order_30_zh.proc")
    assert emit_mermaid(spec, lang="zh").splitlines()[:2] == [
        "%% " + header_text(spec.path), "flowchart LR"]
    assert emit_mermaid(spec, lang="zh", direction="TB").splitlines()[1] == "flowchart TB"


@pytest.mark.parametrize("char", list('"#&<>[]{}()|\\`;'))
def test_special_characters_become_entity_codes(char: str) -> None:
    escaped = mermaid_text(f"a{char}b")
    assert char not in ENTITY.sub("", escaped)
    assert re.sub(r"#(\d+);", lambda x: chr(int(x.group(1))), escaped) == f"a{char}b"


def test_titles_with_special_characters_stay_inside_their_labels() -> None:
    path = ROOT / "tests" / "fixtures" / "diagram_escape_en.proc"
    spec = check_text(str(path), path.read_bytes()).spec
    assert spec is not None
    text = emit_mermaid(spec, lang="en")
    for line in text.splitlines()[1:]:
        for label in re.findall(r'"([^"]*)"', line):
            bare = ENTITY.sub("", label.replace("<br/>", ""))
            assert not set(bare) & set('"#&<>[]{}()|\\`;'), line
    assert "Line one<br/>line two #92;N #92;l #123;a#124;b#125;" in text


def test_a_blank_title_shows_the_name_not_an_empty_node() -> None:
    """A title of spaces (`step s "   "`) made Mermaid's n1(""), which Mermaid rejects."""
    from procdsl.compiler import check_text
    from procdsl.emitters.mermaid import emit_mermaid

    text = ('process p "P"\n  lang en\nroles\n  clerk\nstep s "   "\n  by clerk\n'
            "  then end done\nend done success\n")
    unit = check_text("blank.proc", text.encode())
    assert unit.spec is not None
    out = emit_mermaid(unit.spec, lang="en")
    assert '("")' not in out and '("s")' in out
