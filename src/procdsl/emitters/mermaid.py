"""Mermaid ``flowchart`` for the swimlane diagram: one subgraph per lane.

It draws the same ``Diagram`` as ``emitters.dot`` (same nodes, same edges), so the
picture inside Markdown on a code host agrees with the Graphviz one.  Spec text reaches
Mermaid only through ``mermaid_text``, which writes every character that could end a
label or start markup as a Mermaid entity code (``#35;``).
"""

from __future__ import annotations

from .. import model as m
from .diagram import Diagram, Edge, Node, build_diagram

DIRECTIONS = ("LR", "TB")

# (opening, closing) brackets per node kind; the label goes between them, quoted.
_SHAPES: dict[str, tuple[str, str]] = {
    "start": ("((", "))"),
    "step": ("(", ")"),
    "approval": ("{{", "}}"),
    "subprocess": ("[[", "]]"),
    "decision": ("{", "}"),
    "inclusive": ("{", "}"),
    "fork": ("{", "}"),
    "interleave": ("{", "}"),
    "join": ("{", "}"),
    "join_any": ("{", "}"),
    "success": ("([", "])"),
    "failure": ("([", "])"),
    "note": (">", "]"),
    "ghost": ("(", ")"),
    "coact": ("(", ")"),
}

_GATE_TEXT = {"decision": ("×", "×"), "inclusive": ("○", "○"), "fork": ("+", "+"),
              "join": ("+", "+"), "interleave": ("+ 逐一", "+ one at a time"),
              "join_any": ("+ 任一", "+ first")}
_GLYPH = {"success": "✔ ", "failure": "✖ "}

_CLASSES = {
    "step": "fill:#DDEBF7,stroke:#2E75B6",
    "approval": "fill:#FFF2CC,stroke:#BF9000,stroke-width:2px",
    "subprocess": "fill:#E2EFDA,stroke:#548235",
    "success": "fill:#C6EFCE,stroke:#2E7D32,stroke-width:2px",
    "failure": "fill:#F8CBAD,stroke:#C00000,stroke-width:2px",
    "start": "fill:#404040,stroke:#404040,color:#FFFFFF",
    "gate": "fill:#FFFFFF,stroke:#404040",
    "note": "fill:#FFFFFF,stroke:#C00000",
    "ghost": "fill:#FFFFFF,stroke:#A6A6A6,stroke-dasharray:3 3,color:#7F7F7F",
    "coact": "fill:#FFFBEA,stroke:#BF9000,stroke-dasharray:3 3",
}

_ARROWS = {"flow": "-->", "helper": "-->", "cap": "-->", "rework": "-.->",
           "breach": "-.->", "withdraw": "-.->", "coact": "-.-"}
_LINK_COLOURS = {"cap": "#C00000", "breach": "#B3541E", "rework": "#7F7F7F",
                 "withdraw": "#7F7F7F", "coact": "#BF9000"}

# Characters written as entity codes: they could close the quoted label, start an
# entity, or be read as markup by Mermaid's HTML labels.
_SPECIAL = set('"#&<>[]{}()|\\`;')


def mermaid_text(text: str) -> str:
    """Return one line of text safe inside a quoted Mermaid label."""
    out = []
    for c in text:
        if c in _SPECIAL or ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"#{ord(c)};")
        else:
            out.append(c)
    return "".join(out)


def _label(lines: list[str]) -> str:
    return "<br/>".join(mermaid_text(line) for line in lines)


def _node_line(node: Node, mid: str, lang: str) -> str:
    opening, closing = _SHAPES[node.kind]
    if node.kind in _GATE_TEXT:
        zh, en = _GATE_TEXT[node.kind]
        lines = [zh if lang == "zh" else en]
    else:
        lines = [text for text, _style in node.lines]
        if lines and node.kind in _GLYPH:
            lines[0] = _GLYPH[node.kind] + lines[0]
    return f'{mid}{opening}"{_label(lines)}"{closing}'


def _edge_line(edge: Edge, ids: dict[str, str]) -> str:
    arrow = _ARROWS[edge.style]
    label = f'|"{_label(edge.label.splitlines())}"|' if edge.label else ""
    return f"{ids[edge.tail]} {arrow}{label} {ids[edge.head]}"


def _class_of(kind: str) -> str:
    return "gate" if kind in _GATE_TEXT else kind


def _lane_lines(diagram: Diagram, ids: dict[str, str], lang: str) -> list[str]:
    nodes = {n.id: n for n in diagram.nodes}
    lines: list[str] = []
    for index, lane in enumerate(diagram.lanes):
        title = lane.label + (f" · {lane.note}" if lane.note else "")
        lines.append(f'  subgraph L{index}["{mermaid_text(title)}"]')
        lines += [f"    {_node_line(nodes[nid], ids[nid], lang)}" for nid in lane.nodes]
        lines.append("  end")
        style = ("fill:#EDEDED,stroke:#8C8C8C,stroke-dasharray:5 5" if lane.external
                 else "fill:#F7F9FC,stroke:#8EA9C1")
        lines.append(f"  style L{index} {style}")
    return lines


def diagram_mermaid(diagram: Diagram, lang: str, direction: str = "LR") -> str:
    """Return the Mermaid source of a built diagram."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    ids = {node.id: f"n{i}" for i, node in enumerate(diagram.nodes)}
    header = diagram.header.replace("\n", " ")
    lines = [f"%% {header}", f"flowchart {direction}"]
    lines += _lane_lines(diagram, ids, lang)
    in_lane = {nid for lane in diagram.lanes for nid in lane.nodes}
    lines += [f"  {_node_line(n, ids[n.id], lang)}" for n in diagram.nodes if n.id not in in_lane]
    lines += [f"  {_edge_line(e, ids)}" for e in diagram.edges]
    for style, colour in _LINK_COLOURS.items():
        links = [str(i) for i, e in enumerate(diagram.edges) if e.style == style]
        if links:
            lines.append(f"  linkStyle {','.join(links)} stroke:{colour},color:{colour}")
    for cls, css in _CLASSES.items():
        members = [ids[n.id] for n in diagram.nodes if _class_of(n.kind) == cls]
        if members:
            lines.append(f"  classDef {cls} {css}")
            lines.append(f"  class {','.join(members)} {cls}")
    return "\n".join(lines) + "\n"


def emit_mermaid(spec: m.Spec, *, lang: str, direction: str = "LR",
                 diagram: Diagram | None = None) -> str:
    """Return the swimlane diagram of spec as a Mermaid flowchart (first line: the notice);
    ``diagram`` is ``build_diagram(spec, lang)`` when the caller has built it already."""
    return diagram_mermaid(diagram or build_diagram(spec, lang), lang, direction)
