"""Graphviz DOT for the swimlane diagram: one cluster per lane, HTML-like labels.

Every text from the spec reaches DOT only through ``html_text`` (HTML-like labels) or
``encode_key`` (the ``transition`` attribute), so quotes, backslashes, braces, angle
brackets and control characters can never change the graph's structure.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import graphviz

from .. import model as m
from .diagram import Diagram, Edge, Lane, Node, build_diagram

FONT = "Noto Sans CJK SC"
DIRECTIONS = ("LR", "TB")

_LINE_STYLE = {
    "title": ('<FONT POINT-SIZE="12">', "</FONT>"),
    "meta": ('<FONT POINT-SIZE="10" COLOR="#404040">', "</FONT>"),
    "sla": ('<FONT POINT-SIZE="10" COLOR="#B3541E">', "</FONT>"),
}

_NODE_STYLE: dict[str, dict[str, str]] = {
    "start": {"shape": "circle", "style": "filled", "fillcolor": "#404040",
              "fontcolor": "white", "fixedsize": "true", "width": "0.6", "color": "#404040"},
    "step": {"shape": "box", "style": "rounded,filled", "fillcolor": "#DDEBF7",
             "color": "#2E75B6", "margin": "0.12,0.06"},
    "approval": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#FFF2CC",
                 "color": "#BF9000", "margin": "0.12,0.06"},
    "subprocess": {"shape": "box", "style": "rounded,filled", "fillcolor": "#E2EFDA",
                   "color": "#548235", "peripheries": "2", "margin": "0.12,0.06"},
    "decision": {"shape": "diamond", "style": "filled", "fillcolor": "white",
                 "fixedsize": "true", "width": "0.45", "height": "0.45", "color": "#404040"},
    "inclusive": {"shape": "diamond", "style": "filled", "fillcolor": "white",
                  "fixedsize": "true", "width": "0.45", "height": "0.45", "color": "#404040"},
    "fork": {"shape": "box", "style": "filled", "fillcolor": "black", "fixedsize": "true"},
    "interleave": {"shape": "box", "style": "filled", "fillcolor": "#A6A6A6",
                   "fixedsize": "true"},
    "join": {"shape": "box", "style": "filled", "fillcolor": "black", "fixedsize": "true"},
    "join_any": {"shape": "box", "style": "filled", "fillcolor": "#A6A6A6",
                 "fixedsize": "true"},
    "success": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#C6EFCE",
                "color": "#2E7D32", "peripheries": "2"},
    "failure": {"shape": "octagon", "style": "filled,bold", "fillcolor": "#F8CBAD",
                "color": "#C00000"},
    "note": {"shape": "note", "style": "filled", "fillcolor": "#FFFFFF", "color": "#C00000"},
}

_GLYPH = {"decision": "×", "inclusive": "○", "success": "✔ ", "failure": "✖ "}
_BAR_WORDS = {"interleave": ("逐一，顺序不限", "one at a time"),
              "join_any": ("任一到达即继续", "first to arrive")}

_EDGE_STYLE: dict[str, dict[str, str]] = {
    "flow": {"color": "#404040"},
    "helper": {"color": "#404040"},
    "rework": {"style": "dashed", "color": "#7F7F7F"},
    "cap": {"color": "#C00000", "fontcolor": "#C00000"},
    "breach": {"style": "dotted", "color": "#B3541E", "fontcolor": "#B3541E"},
    "withdraw": {"style": "dotted", "color": "#7F7F7F", "fontcolor": "#7F7F7F"},
}

_ANCHOR = {"shape": "point", "style": "invis", "width": "0", "height": "0", "label": ""}

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def html_text(text: str) -> str:
    """Return text escaped for an HTML-like DOT label (newlines become <BR/>)."""
    text = _CONTROL.sub(" ", text)
    # Graphviz expands \N, \G, \L ... even inside HTML-like labels (after decoding
    # entities), so a backslash is doubled: "\\N" is drawn as the two characters "\N".
    escaped = html.escape(text, quote=True).replace("\\", "\\\\")
    # Graphviz 2.43 rejects text that starts with "]" and reads "]]>" as the end of the
    # label, so "]" is always written as a character reference.
    escaped = escaped.replace("]", "&#93;")
    # An empty <B></B> or <FONT></FONT> is a syntax error too (a blank title, say).
    return "<BR/>".join(escaped.split("\n")) or " "


def encode_key(key: tuple[str, ...]) -> str:
    """Return a transition key as one attribute value (non-word characters %-encoded)."""
    def part(s: str) -> str:
        return "".join(c if re.fullmatch(r"\w", c) else
                       "".join(f"%{b:02X}" for b in c.encode()) for c in s)
    return " ".join(part(s) for s in key)


def decode_key(value: str) -> tuple[str, ...]:
    """Return the transition key an ``encode_key`` value holds."""
    return tuple(unquote(part) for part in value.split(" "))


def _node_label(node: Node) -> str:
    if node.kind in ("fork", "join", "interleave", "join_any"):
        return ""
    glyph = _GLYPH.get(node.kind, "")
    if node.kind in ("decision", "inclusive"):
        return f'<<FONT POINT-SIZE="10">{glyph}</FONT>>'
    rows = []
    for i, (text, style) in enumerate(node.lines):
        opening, closing = _LINE_STYLE[style]
        body = html_text((glyph if i == 0 else "") + text)
        if style == "title" and node.kind != "start":
            body = f"<B>{body}</B>"
        rows.append(f"<TR><TD>{opening}{body}{closing}</TD></TR>")
    # one table row per line: mixed font sizes joined by <BR/> overlap with CJK fonts
    return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>>'


def _node_attrs(node: Node, lang: str, direction: str) -> dict[str, str]:
    attrs = dict(_NODE_STYLE[node.kind])
    if node.kind in ("fork", "join", "interleave", "join_any"):
        long_side, short_side = "0.6", "0.08"
        attrs["width"], attrs["height"] = ((short_side, long_side) if direction == "LR"
                                           else (long_side, short_side))
        if node.kind in _BAR_WORDS:
            word = _BAR_WORDS[node.kind][0 if lang == "zh" else 1]
            attrs["xlabel"] = f'<<FONT POINT-SIZE="9">{html_text(word)}</FONT>>'
    attrs["label"] = _node_label(node)
    attrs["class"] = node.kind
    if node.ref is not None:
        attrs["ref"] = encode_key((node.ref,))
    return attrs


def _lane_label(lane: Lane) -> str:
    rows = f'<TR><TD ALIGN="LEFT"><B>{html_text(lane.label)}</B></TD></TR>'
    if lane.note:
        rows += f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{html_text(lane.note)}</FONT></TD></TR>'
    return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>>'


def _lane_attrs(lane: Lane, index: int) -> dict[str, str]:
    fill = "#F7F9FC" if index % 2 == 0 else "#FFFFFF"
    if lane.external:
        return {"style": "dashed,filled", "fillcolor": "#EDEDED", "color": "#8C8C8C",
                "fontcolor": "#595959", "label": _lane_label(lane)}
    return {"style": "filled", "fillcolor": fill, "color": "#8EA9C1",
            "label": _lane_label(lane)}


def _edge_attrs(edge: Edge) -> dict[str, str]:
    attrs = dict(_EDGE_STYLE[edge.style])
    attrs["class"] = edge.style
    if edge.label:
        attrs["label"] = f'<<FONT POINT-SIZE="10">{html_text(edge.label)}</FONT>>'
    if edge.transition is not None:
        attrs["transition"] = encode_key(edge.transition)
    return attrs


STRAIGHT_EDGES_ABOVE = 40  # tasks; above this, edges are drawn straight so layout stays quick


def _graph(diagram: Diagram, direction: str) -> graphviz.Digraph:
    comment = _CONTROL.sub(" ", diagram.header.replace("\n", " "))
    g = graphviz.Digraph(name="procdsl", comment=comment)
    g.attr("graph", rankdir=direction, fontname=FONT, labelloc="t", fontsize="16",
           label=f"<<B>{html_text(diagram.title)}</B>>", nodesep="0.3", ranksep="0.45",
           newrank="true", bgcolor="white", pad="0.3", labeljust="l")
    if sum(1 for n in diagram.nodes if n.kind in ("step", "approval", "subprocess")) > \
            STRAIGHT_EDGES_ABOVE:
        # Curved edge routing dominates dot's time on big swimlanes (bench/FINDINGS.md).
        g.attr("graph", splines="line")
    g.attr("node", fontname=FONT, fontsize="12")
    g.attr("edge", fontname=FONT, fontsize="10", arrowsize="0.7")
    return g


def _lane_bands(g: graphviz.Digraph, lanes: tuple[Lane, ...]) -> None:
    """Stretch every lane across all ranks and stack them in order, like swimlanes."""
    for lane in lanes:
        for nid in lane.nodes:  # weight 0: bounds the lane without pulling its nodes
            g.edge(lane.id + ".head", nid, style="invis", weight="0")
            g.edge(nid, lane.id + ".tail", style="invis", weight="0")
    for end in ("head", "tail"):
        ids = [f"{lane.id}.{end}" for lane in lanes]
        with g.subgraph() as same:
            same.attr("graph", rank="same")
            for a, b in zip(ids, ids[1:], strict=False):
                same.edge(a, b, style="invis")


def diagram_dot(diagram: Diagram, lang: str, direction: str = "LR") -> str:
    """Return the DOT source of a built diagram."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    g = _graph(diagram, direction)
    nodes = {n.id: n for n in diagram.nodes}
    placed: set[str] = set()
    for index, lane in enumerate(diagram.lanes):
        with g.subgraph(name=lane.id) as sub:
            sub.attr("graph", **_lane_attrs(lane, index))
            sub.node(lane.id + ".head", **_ANCHOR)
            for nid in lane.nodes:
                sub.node(nid, **_node_attrs(nodes[nid], lang, direction))
                placed.add(nid)
            sub.node(lane.id + ".tail", **_ANCHOR)
    _lane_bands(g, diagram.lanes)
    for node in diagram.nodes:
        if node.id not in placed:
            g.node(node.id, **_node_attrs(node, lang, direction))
    for edge in diagram.edges:
        g.edge(edge.tail, edge.head, **_edge_attrs(edge))
    return str(g.source)


def emit_dot(spec: m.Spec, *, lang: str, direction: str = "LR") -> str:
    """Return the swimlane diagram of spec as DOT source (first line: the generated notice)."""
    return diagram_dot(build_diagram(spec, lang), lang, direction)
