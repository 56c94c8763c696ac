"""Graphviz DOT for the swimlane diagram: one cluster per lane, HTML-like labels.

Every text from the spec reaches DOT only through ``html_text`` (HTML-like labels) or
``encode_key`` (the ``transition`` attribute), so quotes, backslashes, braces, angle
brackets and control characters can never change the graph's structure.  Every ID and
attribute value is then written through ``quote``, which follows the ``graphviz``
package's quoting rules exactly (``tests/test_dot_escaping.py`` compares the two); the
text is written directly, each distinct string quoted once, because building it through
``graphviz.Digraph`` cost most of the emitter's time on big specs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import unquote

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
    # another role acting on a task drawn in another lane (co-approver, rule, escalation)
    "coact": {"shape": "box", "style": "rounded,dashed,filled", "fillcolor": "#FFFBEA",
              "color": "#BF9000", "margin": "0.08,0.04"},
    # a neighbour in another lane, on a one-lane diagram (emitters.lanes)
    "ghost": {"shape": "box", "style": "rounded,dashed,filled", "fillcolor": "#FFFFFF",
              "color": "#A6A6A6", "fontcolor": "#7F7F7F", "margin": "0.08,0.04"},
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
    "coact": {"style": "dashed", "color": "#BF9000", "dir": "none"},
}

_ANCHOR = {"shape": "point", "style": "invis", "width": "0", "height": "0", "label": ""}

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


# Every character html_text changes; text without any is returned as it is.
_HTML_CHANGED = re.compile(r"[\x00-\x1f\x7f&<>\"'\\\]]")


def html_text(text: str) -> str:
    """Return text escaped for an HTML-like DOT label (newlines become <BR/>)."""
    if not _HTML_CHANGED.search(text):
        return text or " "
    text = _CONTROL.sub(" ", text)
    # Graphviz expands \N, \G, \L ... even inside HTML-like labels (after decoding
    # entities), so a backslash is doubled: "\\N" is drawn as the two characters "\N".
    escaped = html.escape(text, quote=True).replace("\\", "\\\\")
    # Graphviz 2.43 rejects text that starts with "]" and reads "]]>" as the end of the
    # label, so "]" is always written as a character reference.
    escaped = escaped.replace("]", "&#93;")
    # An empty <B></B> or <FONT></FONT> is a syntax error too (a blank title, say).
    return "<BR/>".join(escaped.split("\n")) or " "


_NON_WORD = re.compile(r"\W")


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode())


def encode_key(key: tuple[str, ...]) -> str:
    """Return a transition key as one attribute value (non-word characters %-encoded)."""
    return " ".join(_NON_WORD.sub(_percent, s) for s in key)


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
    if node.acting is not None:
        attrs["acting"] = node.acting
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


# ------------------------------------------------------------------ DOT syntax

# The rules of graphviz.quoting.quote (graphviz 0.20/0.21), reproduced so that each
# distinct string is quoted once: an HTML-like string <...> is written as is, a plain ID
# (a name or a number) that is no keyword as is, anything else in double quotes with
# every unescaped double quote escaped.
_HTML_STRING = re.compile(r"<.*>$", re.DOTALL)
_PLAIN_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})
_UNESCAPED_QUOTE = re.compile(r'(?P<backslashes>(?:\\{2})*)\\?(?P<quote>")')


def quote(text: str) -> str:
    """Return text as a DOT ID, quoted when needed (the graphviz package's rules)."""
    if _HTML_STRING.match(text):
        return text
    if not _PLAIN_ID.match(text) or text.lower() in _KEYWORDS:
        return '"' + _UNESCAPED_QUOTE.sub(r"\g<backslashes>\\\g<quote>", text) + '"'
    return text


def quote_edge(text: str) -> str:
    """Return an edge end ``node[:port[:compass]]`` quoted as the graphviz package does."""
    name, _, rest = text.partition(":")
    parts = [quote(name)]
    if rest:
        port, _, compass = rest.partition(":")
        parts.append(quote(port))
        if compass:
            parts.append(compass)
    return ":".join(parts)


class _Quoted(dict[str, str]):
    """Each string quoted once: ``q[text]`` is ``quote(text)``, remembered."""

    def __missing__(self, text: str) -> str:
        self[text] = value = quote(text)
        return value


class _Writer:
    """DOT statements as the graphviz package writes them, one line each, into ``lines``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.q = _Quoted()
        self.ends: dict[str, str] = {}

    def attrs(self, attrs: dict[str, str], label_first: bool = True) -> str:
        """Return ' [k=v ...]': label first (as node/edge statements put it), rest sorted."""
        if not attrs:
            return ""
        q = self.q
        if label_first and "label" in attrs:
            rest = sorted(kv for kv in attrs.items() if kv[0] != "label")
            parts = [f"label={q[attrs['label']]}"] + [f"{q[k]}={q[v]}" for k, v in rest]
        else:
            parts = [f"{q[k]}={q[v]}" for k, v in sorted(attrs.items())]
        return f" [{' '.join(parts)}]"

    def end(self, name: str) -> str:
        if ":" not in name:  # no port: the node's quoted ID, from the one big cache
            return self.q[name]
        found = self.ends.get(name)
        if found is None:
            found = self.ends[name] = quote_edge(name)
        return found

    def node(self, indent: str, name: str, attrs: dict[str, str]) -> None:
        self.lines.append(f"{indent}{self.q[name]}{self.attrs(attrs)}\n")

    def edge(self, indent: str, tail: str, head: str, attrs: dict[str, str]) -> None:
        self.lines.append(f"{indent}{self.end(tail)} -> {self.end(head)}{self.attrs(attrs)}\n")

    def attr(self, indent: str, kind: str, attrs: dict[str, str]) -> None:
        self.lines.append(f"{indent}{kind}{self.attrs(attrs, label_first=False)}\n")


STRAIGHT_EDGES_ABOVE = 40  # tasks; above this, edges are drawn straight so layout stays quick


# tasks; above this, dot's search for node positions is bounded (nslimit): at 1,000 tasks
# it took most of a minute, and 15 s with the bound; ranks are not affected
QUICK_POSITIONS_ABOVE = 100
QUICK_POSITIONS_NSLIMIT = "0.01"


def _tasks(diagram: Diagram) -> int:
    return sum(1 for n in diagram.nodes if n.kind in ("step", "approval", "subprocess"))


def is_big(diagram: Diagram) -> bool:
    """Return True when the diagram has more tasks than dot lays out quickly as drawn."""
    return _tasks(diagram) > STRAIGHT_EDGES_ABOVE


def _graph(w: _Writer, diagram: Diagram, direction: str, big: bool) -> None:
    comment = _CONTROL.sub(" ", diagram.header.replace("\n", " "))
    w.lines += [f"// {comment}\n", "digraph procdsl {\n"]
    w.attr("\t", "graph", dict(
        rankdir=direction, fontname=FONT, labelloc="t", fontsize="16",
        label=f"<<B>{html_text(diagram.title)}</B>>", nodesep="0.3", ranksep="0.45",
        newrank="true", bgcolor="white", pad="0.3", labeljust="l"))
    if big:
        # Curved edge routing dominates dot's time on big swimlanes (bench/FINDINGS.md).
        w.attr("\t", "graph", {"splines": "line"})
    if _tasks(diagram) > QUICK_POSITIONS_ABOVE:
        # Placing nodes within their columns then dominates (network simplex over every
        # virtual node of long edges); a bounded search places them almost as well.
        w.attr("\t", "graph", {"nslimit": QUICK_POSITIONS_NSLIMIT})
    w.attr("\t", "node", {"fontname": FONT, "fontsize": "12"})
    w.attr("\t", "edge", {"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"})


_INVISIBLE = {"style": "invis", "weight": "0"}


def _lane_bands(w: _Writer, diagram: Diagram, big: bool) -> None:
    """Stretch every lane across all ranks and stack them in order, like swimlanes.

    Each lane's invisible head comes before its nodes and its tail after them.  On a big
    diagram only nodes without an incoming (outgoing) edge are tied to the head (tail):
    the flow orders the rest, and the long invisible edges to every node made dot's
    layout quadratic (a 200-task diagram took minutes; bench/FINDINGS.md, finding 6).
    """
    lanes = diagram.lanes
    reached = {e.head for e in diagram.edges if e.head != e.tail} if big else set()
    leaving = {e.tail for e in diagram.edges if e.head != e.tail} if big else set()
    invisible = w.attrs(_INVISIBLE)
    for lane in lanes:
        head, tail = w.end(lane.id + ".head"), w.end(lane.id + ".tail")
        for nid in lane.nodes:  # weight 0: bounds the lane without pulling its nodes
            end = w.end(nid)
            if nid not in reached:
                w.lines.append(f"\t{head} -> {end}{invisible}\n")
            if nid not in leaving:
                w.lines.append(f"\t{end} -> {tail}{invisible}\n")
    for end in ("head", "tail"):
        ids = [f"{lane.id}.{end}" for lane in lanes]
        w.lines.append("\t{\n")
        w.attr("\t\t", "graph", {"rank": "same"})
        for a, b in zip(ids, ids[1:], strict=False):
            w.edge("\t\t", a, b, {"style": "invis"})
        w.lines.append("\t}\n")


def _lanes(w: _Writer, diagram: Diagram, nodes: dict[str, Node], lang: str,
           direction: str) -> set[str]:
    """Write one cluster per lane; return the ids of the nodes placed in lanes."""
    placed: set[str] = set()
    for index, lane in enumerate(diagram.lanes):
        w.lines.append(f"\tsubgraph {w.q[lane.id]} {{\n")
        w.attr("\t\t", "graph", _lane_attrs(lane, index))
        w.node("\t\t", lane.id + ".head", _ANCHOR)
        for nid in lane.nodes:
            w.node("\t\t", nid, _node_attrs(nodes[nid], lang, direction))
            placed.add(nid)
        w.node("\t\t", lane.id + ".tail", _ANCHOR)
        w.lines.append("\t}\n")
    return placed


def _loose_nodes(w: _Writer, nodes: Iterable[Node], placed: set[str], lang: str,
                 direction: str) -> None:
    for node in nodes:
        if node.id not in placed:
            w.node("\t", node.id, _node_attrs(node, lang, direction))


def diagram_dot(diagram: Diagram, lang: str, direction: str = "LR") -> str:
    """Return the DOT source of a built diagram."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    w = _Writer()
    big = is_big(diagram)
    _graph(w, diagram, direction, big)
    placed = _lanes(w, diagram, {n.id: n for n in diagram.nodes}, lang, direction)
    _lane_bands(w, diagram, big)
    _loose_nodes(w, diagram.nodes, placed, lang, direction)
    for edge in diagram.edges:
        w.edge("\t", edge.tail, edge.head, _edge_attrs(edge))
    w.lines.append("}\n")
    return "".join(w.lines)


def emit_dot(spec: m.Spec, *, lang: str, direction: str = "LR",
             diagram: Diagram | None = None) -> str:
    """Return the swimlane diagram of spec as DOT source (first line: the generated notice);
    ``diagram`` is ``build_diagram(spec, lang)`` when the caller has built it already."""
    return diagram_dot(diagram or build_diagram(spec, lang), lang, direction)
