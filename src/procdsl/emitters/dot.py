"""Graphviz DOT for the swimlane diagram: one cluster per lane, HTML-like labels.

``place`` lays the diagram out (lanes as adjacent bands in the diagram's order, columns
along the flow, orthogonal lines in the channels and gutters between them) and the DOT
carries every position, so Graphviz only draws (``layout=nop2``); ``phase_diagrams``
cuts a long process into pages that fit A3 landscape.  ``diagram_dot(..., placed=False)``
writes the DOT another Graphviz engine lays out itself.

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
from dataclasses import dataclass
from urllib.parse import unquote

from .. import model as m
from ..vocabulary import display_width
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


# ------------------------------------------------------------------ placing the nodes
#
# procdsl places every node itself and Graphviz only routes the lines and draws
# (``layout=nop2``: positions given, ``splines=ortho``).  dot's own layout ordered the
# lanes to suit itself, left empty bands where long edges ran between clusters and took
# seconds to minutes on big processes (bench/FINDINGS.md); placing the nodes here takes
# linear time and keeps the lanes in the diagram's order, each band as tall as its rows.

_PER_COLUMN = {"title": 6.6, "meta": 5.6, "sla": 5.6}  # points per display column
_LINE_HEIGHT = {"title": 19.0, "meta": 16.0, "sla": 16.0}
_MARGIN = {"step": (8.64, 4.32), "approval": (8.64, 4.32), "subprocess": (8.64, 4.32),
           "coact": (5.76, 2.88), "ghost": (5.76, 2.88)}  # the kinds' "margin", in points
_FIXED = {"start": (43.2, 43.2), "decision": (32.4, 32.4), "inclusive": (32.4, 32.4)}
_BARS = ("fork", "join", "interleave", "join_any")
COLUMN_GAP = 28.0   # points between columns: room for the lines between them
ROW_GAP = 18.0      # points between two rows of one lane
LANE_PAD = 14.0     # points between a lane's border and its nodes
TITLE_ROOM = 34.0   # points above the lanes for the process title
LABEL_ROOM = 100.0  # at most this many points of a column gap for a line's label
LANE_FONT = 13.0

# A3 landscape less 10 mm margins, in points: the page a printed diagram should fit
A3_LANDSCAPE_PT = (400 / 25.4 * 72, 277 / 25.4 * 72)
MIN_PRINT_SCALE = 0.75  # below this a 12-point title prints under 9 points: too small


@dataclass(frozen=True, slots=True)
class Placement:
    """Where every node goes (centres, in points, y up as Graphviz counts) and how big."""

    width: float
    height: float
    pos: dict[str, tuple[float, float]]
    size: dict[str, tuple[float, float]]
    lanes: dict[str, tuple[float, float, float, float]]  # lane id -> x1, y1, x2, y2
    lane_labels: dict[str, tuple[float, float]]
    column: dict[str, int]
    header: float  # LR: the x where the lanes' name cells end; TB: their height
    lines: dict[int, tuple[list[tuple[float, float]], tuple[float, float] | None]]
    """edge index -> the points of its line (tail to head) and where its label goes"""

    def print_scale(self, page: tuple[float, float] = A3_LANDSCAPE_PT) -> float:
        """Return the scale at which the whole diagram fits page (1.0: it fits as drawn)."""
        return min(1.0, page[0] / self.width, page[1] / self.height)


def node_size(node: Node, direction: str = "LR") -> tuple[float, float]:
    """Return the (width, height) in points a node is drawn at (at least)."""
    if node.kind in _FIXED:
        return _FIXED[node.kind]
    if node.kind in _BARS:
        return (5.76, 43.2) if direction == "LR" else (43.2, 5.76)
    glyph = _GLYPH.get(node.kind, "")
    width, height = 0.0, 0.0
    for i, (text, style) in enumerate(node.lines):
        width = max(width, display_width((glyph if i == 0 else "") + text) * _PER_COLUMN[style])
        height += _LINE_HEIGHT[style]
    mx, my = _MARGIN.get(node.kind, (8.0, 4.0))
    width, height = width + 2 + 2 * mx, height + 2 * my
    if node.kind == "success":  # two borders
        width, height = width + 12, height + 16
    elif node.kind == "failure":  # an octagon around the text
        width, height = width * 1.45 + 4, height * 1.3 + 6
    elif node.kind == "note":
        width += 12
    return max(width, 54.0), max(height, 36.0)


def _label_width(text: str) -> float:
    return max((display_width(line) for line in text.split("\n")), default=0) * 5.6 + 8


def _lane_header(lane: Lane, direction: str) -> float:
    """Return the room a lane's name needs along the flow (LR: its width; TB: its height)."""
    if direction == "TB":
        return 24.0 + (14.0 if lane.note else 0.0)
    width = display_width(lane.label) * LANE_FONT * 0.55
    if lane.note:
        width = max(width, display_width(lane.note) * 9 * 0.55)
    return width + 16


def _graph_of(diagram: Diagram) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Return each node's successors (the flow, loops included) and each marker's task."""
    kinds = {n.id: n.kind for n in diagram.nodes}
    out: dict[str, list[str]] = {nid: [] for nid in kinds}
    anchor: dict[str, str] = {}
    for e in diagram.edges:
        if e.tail == e.head or e.tail not in kinds or e.head not in kinds:
            continue
        if e.style == "coact" or kinds[e.tail] == "coact":
            anchor.setdefault(e.tail, e.head)
        elif kinds[e.head] == "coact":  # an escalation to the role's marker
            anchor.setdefault(e.head, e.tail)
        else:
            out[e.tail].append(e.head)
    return out, anchor


def _back_edges(out: dict[str, list[str]], roots: list[str]) -> set[tuple[str, str]]:
    """Return the edges that close a loop, searching depth first from roots in order."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    back: set[tuple[str, str]] = set()
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            nid, rest = stack[-1]
            for nxt in rest:
                seen = state.get(nxt)
                if seen is None:
                    state[nxt] = 1
                    stack.append((nxt, iter(out[nxt])))
                    break
                if seen == 1:
                    back.add((nid, nxt))
            else:
                state[nid] = 2
                stack.pop()
    return back


@dataclass(frozen=True, slots=True)
class _Flow:
    column: dict[str, int]             # a node's column: one after the latest node before it
    behind: dict[str, list[str]]       # the nodes leading to it, loops aside
    anchor: dict[str, str]             # a marker's task


def _flow(diagram: Diagram) -> _Flow:
    """Return each node's column: one after the latest node leading to it (loops aside);
    a marker stands in its task's column, a note just before what it leads to."""
    out, anchor = _graph_of(diagram)
    ids = list(out)
    entered = {head for heads in out.values() for head in heads}
    roots = (["start"] if "start" in out else []) + \
        [nid for nid in ids if nid not in entered] + ids  # loops are broken from the start
    back = _back_edges(out, roots)
    ahead: dict[str, list[str]] = {nid: [] for nid in ids}
    behind: dict[str, list[str]] = {nid: [] for nid in ids}
    for tail, heads in out.items():
        for head in heads:
            if (tail, head) not in back and tail not in behind[head]:
                ahead[tail].append(head)
                behind[head].append(tail)
    waiting = {nid: len(behind[nid]) for nid in ids}
    todo = [nid for nid in reversed(ids) if not waiting[nid]]
    column: dict[str, int] = {}
    while todo:
        nid = todo.pop()
        column[nid] = max((column[p] + 1 for p in behind[nid]), default=0)
        for nxt in reversed(ahead[nid]):
            waiting[nxt] -= 1
            if not waiting[nxt]:
                todo.append(nxt)
    for nid in ids:
        if not behind[nid] and ahead[nid] and nid != "start":
            column[nid] = max(0, min(column[h] for h in ahead[nid]) - 1)
    for marker, task in anchor.items():
        column[marker] = column.get(task, 0)
    return _Flow(column, behind, anchor)


TRACK = 5.0  # points between two lines running side by side in a channel or a gutter


def _tracks(spans: list[tuple[float, float, int]]) -> tuple[dict[int, int], int]:
    """Return a track for each (start, end, key) span so that spans on one track do not
    overlap (interval partitioning, fewest tracks), and the number of tracks."""
    ends: list[float] = []
    track: dict[int, int] = {}
    for start, end, key in sorted(spans):
        for t, last in enumerate(ends):
            if last < start:
                ends[t] = end
                track[key] = t
                break
        else:
            track[key] = len(ends)
            ends.append(end)
    return track, len(ends)


@dataclass(frozen=True, slots=True)
class _Route:
    """A line in grid terms: the slots and channels it runs through, from tail to head."""

    kind: str        # straight | bend (one channel) | gutter (two channels and a gutter) |
                     # side (a marker's line, into the task's far side) | loop
    first: int       # the channel after the tail's column (or before the head's)
    last: int        # the channel before the head's column
    gutter: int      # the gutter the long run takes (between slot g and g + 1)


def place(diagram: Diagram, direction: str = "LR") -> Placement:
    """Return where each node of diagram goes and how every line runs: lanes in their
    order as adjacent bands, columns along the flow, a node below (beside) another of its
    lane and column; lines run orthogonally in the channels between columns and the
    gutters between rows, so no line crosses a node."""
    lr = direction == "LR"
    size = {n.id: node_size(n, direction) for n in diagram.nodes}
    along = {nid: (w if lr else h) for nid, (w, h) in size.items()}
    across = {nid: (h if lr else w) for nid, (w, h) in size.items()}
    flow = _flow(diagram)
    column = flow.column
    order = {n.id: i for i, n in enumerate(diagram.nodes)}
    band = {nid: i for i, lane in enumerate(diagram.lanes) for nid in lane.nodes}
    loose = len(diagram.lanes)  # nodes outside every lane: a band of their own, last
    # rows: a node keeps the row of the node before it in its lane when that is free
    row: dict[str, int] = {}
    taken: dict[tuple[int, int], set[int]] = {}
    for nid in sorted(order, key=lambda n: (column[n], order[n])):
        lane = band.get(nid, loose)
        used = taken.setdefault((lane, column[nid]), set())
        want = next((row[p] for p in flow.behind[nid]
                     if band.get(p, loose) == lane and p in row), 0)
        if want in used:
            want = next(r for r in range(len(used) + 1) if r not in used)
        used.add(want)
        row[nid] = want
    # slots: every (lane, row) in drawing order; gutter g lies below slot g
    rows_of: dict[int, int] = {}
    for nid, r in row.items():
        lane = band.get(nid, loose)
        rows_of[lane] = max(rows_of.get(lane, 0), r + 1)
    lanes_drawn = [i for i in range(len(diagram.lanes) + 1) if i in rows_of or
                   i < len(diagram.lanes)]
    slots: list[tuple[int, int]] = [(lane, r) for lane in lanes_drawn
                                    for r in range(max(rows_of.get(lane, 0), 1))]
    slot_of = {key: i for i, key in enumerate(slots)}
    slot = {nid: slot_of[(band.get(nid, loose), row[nid])] for nid in order}
    columns = max(column.values(), default=-1) + 1
    in_slot: dict[int, list[int]] = {}
    for nid in order:
        in_slot.setdefault(slot[nid], []).append(column[nid])

    def free(s: int, lo: int, hi: int) -> bool:  # no node in slot s, columns lo..hi
        return not any(lo <= c <= hi for c in in_slot.get(s, ()))

    # routes in grid terms
    routes: dict[int, _Route] = {}
    for i, e in enumerate(diagram.edges):
        if e.tail not in order or e.head not in order:
            continue
        cu, cv, su, sv = column[e.tail], column[e.head], slot[e.tail], slot[e.head]
        if e.tail == e.head:
            routes[i] = _Route("loop", cu, cu, 0)
        elif e.style == "coact" or (cu == cv and (e.tail in flow.anchor or
                                                    e.head in flow.anchor)):
            routes[i] = _Route("side", cu, cu, 0)
        elif cv > cu and su == sv and free(su, cu + 1, cv - 1):
            routes[i] = _Route("straight", cu, cv - 1, 0)
        elif cv == cu + 1:
            routes[i] = _Route("bend", cu, cu, 0)
        elif cv > cu and free(su, cu + 1, cv - 1):
            routes[i] = _Route("bend", cv - 1, cv - 1, 0)
        elif cv > cu and free(sv, cu + 1, cv - 1):
            routes[i] = _Route("bend", cu, cu, 0)
        else:
            gutter = sv - 1 if su < sv else sv
            routes[i] = _Route("gutter", cu, cv - 1, gutter)
    # ports: the lines leaving (entering) a node spread along its side
    outs: dict[str, list[int]] = {}
    ins: dict[str, list[int]] = {}
    for i, route in routes.items():
        if route.kind in ("bend", "gutter"):
            e = diagram.edges[i]
            outs.setdefault(e.tail, []).append(i)
            ins.setdefault(e.head, []).append(i)
    # tracks: vertical runs in channels, long runs in gutters
    channel_spans: dict[int, list[tuple[float, float, int]]] = {}
    gutter_spans: dict[int, list[tuple[float, float, int]]] = {}
    for i, route in routes.items():
        e = diagram.edges[i]
        su, sv = slot[e.tail], slot[e.head]
        if route.kind in ("bend", "side"):
            channel_spans.setdefault(route.first, []).append((min(su, sv), max(su, sv) + 0.5, i))
        elif route.kind == "gutter":
            g = route.gutter + 0.5
            channel_spans.setdefault(route.first, []).append((min(su, g), max(su, g), i))
            channel_spans.setdefault(route.last, []).append((min(sv, g), max(sv, g), -1 - i))
            lo, hi = min(route.first, route.last), max(route.first, route.last)
            gutter_spans.setdefault(route.gutter, []).append((lo, hi + 0.5, i))
    channel_track: dict[int, int] = {}
    channel_count: dict[int, int] = {}
    for c, spans in channel_spans.items():
        found, channel_count[c] = _tracks(spans)
        channel_track.update(found)
    gutter_track: dict[int, int] = {}
    gutter_count: dict[int, int] = {}
    for g, spans in gutter_spans.items():
        found, gutter_count[g] = _tracks(spans)
        gutter_track.update(found)
    # along the flow: column sizes, and channels wide enough for their tracks and labels
    col_size = [0.0] * columns
    for nid, c in column.items():
        col_size[c] = max(col_size[c], along[nid])
    label_room: dict[int, float] = {}
    for i, route in routes.items():
        e = diagram.edges[i]
        if e.label and route.kind != "side":
            wide = _label_width(e.label) if lr else 14.0 * (e.label.count("\n") + 1)
            c = column[e.head] - 1
            label_room[c] = max(label_room.get(c, 0.0), min(LABEL_ROOM, wide + 8))
    header = max((_lane_header(lane, direction) for lane in diagram.lanes), default=0.0)
    start = (TITLE_ROOM if not lr else 0.0) + header
    gap_of = {c: max(COLUMN_GAP, (channel_count.get(c, 0) + 1) * TRACK + label_room.get(c, 0.0))
              for c in range(-1, columns)}
    gap_of[-1] = max(gap_of[-1], LANE_PAD)
    centre_along: list[float] = []
    channel_at: dict[int, float] = {-1: start}  # where each channel begins
    at = start + gap_of[-1]
    for c in range(columns):
        centre_along.append(at + col_size[c] / 2)
        at += col_size[c]
        channel_at[c] = at
        at += gap_of[c]
    length = at - gap_of[columns - 1] + LANE_PAD if columns else at + LANE_PAD

    def track_along(c: int, t: int) -> float:
        return channel_at[c] + (t + 1) * TRACK

    # across the flow: slot sizes, gutters tall enough for their tracks
    slot_size = [0.0] * len(slots)
    for nid in order:
        slot_size[slot[nid]] = max(slot_size[slot[nid]], across[nid])
    first_of_lane = {i for i, (lane, r) in enumerate(slots) if r == 0}
    slot_centre: list[float] = []
    gutter_at: dict[int, float] = {}
    bands: dict[int, list[float]] = {}
    at = TITLE_ROOM if lr else 0.0
    for i, (lane, _r) in enumerate(slots):
        if i in first_of_lane:
            pad = LANE_PAD + gutter_count.get(i - 1, 0) * TRACK / 2
            if i:  # the border between two lanes runs through the gutter's middle
                gutter_at[i - 1] = at - (gutter_count.get(i - 1, 0) + 1) * TRACK / 2
            bands.setdefault(lane, [at, at])
            at += pad
        else:
            gutter_at[i - 1] = at
            at += max(ROW_GAP, (gutter_count.get(i - 1, 0) + 1) * TRACK)
        height = max(slot_size[i], 44.0 - 2 * LANE_PAD if lr else 0.0)
        slot_centre.append(at + height / 2)
        at += height
        last = i + 1 == len(slots) or i + 1 in first_of_lane
        if last:
            pad = LANE_PAD + gutter_count.get(i, 0) * TRACK / 2
            at += pad
            if not lr and lane < len(diagram.lanes):
                at = max(at, bands[lane][0] + _lane_header(diagram.lanes[lane], "LR") + 8)
            bands[lane][1] = at
    gutter_at.setdefault(-1, TITLE_ROOM if lr else 0.0)
    gutter_at[len(slots) - 1] = at - LANE_PAD
    breadth = at
    width, height = (length, breadth) if lr else (breadth, length)

    def track_across(g: int, t: int) -> float:
        return gutter_at[g] + (t + 1) * TRACK

    def point(a: float, s: float) -> tuple[float, float]:
        return (a, height - s) if lr else (s, height - a)

    pos = {nid: point(centre_along[column[nid]], slot_centre[slot[nid]]) for nid in order}
    # the lines, as points in (along, across)
    lines: dict[int, tuple[list[tuple[float, float]], tuple[float, float] | None]] = {}
    for i, route in routes.items():
        e = diagram.edges[i]
        u, v = e.tail, e.head
        au, tu = centre_along[column[u]], slot_centre[slot[u]]
        av, tv = centre_along[column[v]], slot_centre[slot[v]]
        exit_a, entry_a = au + along[u] / 2, av - along[v] / 2
        off_u = _port(outs.get(u, []), i, across[u])
        off_v = _port(ins.get(v, []), i, across[v])
        label: tuple[float, float] | None = None
        if route.kind == "loop":
            far = exit_a + TRACK * 2
            pts: list[tuple[float, float]] = [(exit_a, tu - 6), (far, tu - 6), (far, tu + 6), (exit_a, tu + 6)]
        elif route.kind == "side":
            x = track_along(route.first, channel_track[i])
            pts = [(exit_a, tu), (x, tu), (x, tv), (av + along[v] / 2, tv)]
        elif route.kind == "straight":
            pts = [(exit_a, tu), (entry_a, tv)]
        elif route.kind == "bend":
            x = track_along(route.first, channel_track[i])
            pts = [(exit_a, tu + off_u), (x, tu + off_u), (x, tv + off_v), (entry_a, tv + off_v)]
        else:
            x1 = track_along(route.first, channel_track[i])
            x2 = track_along(route.last, channel_track[-1 - i])
            g = track_across(route.gutter, gutter_track[i])
            pts = [(exit_a, tu + off_u), (x1, tu + off_u), (x1, g), (x2, g), (x2, tv + off_v),
                   (entry_a, tv + off_v)]
        if e.label and route.kind not in ("side", "loop"):
            wide = _label_width(e.label) if lr else 14.0 * (e.label.count("\n") + 1)
            end_a, end_s = pts[-1]
            label = (end_a - min(wide, LABEL_ROOM) / 2 - 4, end_s - 8)  # on the last stretch
        elif route.kind == "loop" and e.label:
            label = (exit_a + TRACK * 2 + _label_width(e.label) / 2, tu - 10)
        lines[i] = ([point(a, s) for a, s in pts],
                    point(*label) if label is not None else None)
    lane_boxes: dict[str, tuple[float, float, float, float]] = {}
    labels: dict[str, tuple[float, float]] = {}
    for index, drawn in enumerate(diagram.lanes):
        top, bottom = bands.get(index, [0.0, 0.0])
        if lr:
            lane_boxes[drawn.id] = (0.0, height - bottom, width, height - top)
            labels[drawn.id] = (header / 2, height - (top + bottom) / 2)
        else:
            lane_boxes[drawn.id] = (top, 0.0, bottom, height - TITLE_ROOM)
            labels[drawn.id] = ((top + bottom) / 2, height - TITLE_ROOM - header / 2)
    return Placement(width, height, pos, size, lane_boxes, labels, column, header, lines)


def _port(edges: list[int], edge: int, side: float) -> float:
    """Return where along a node's side (from its centre) the edge-th of edges meets it."""
    if len(edges) < 2 or edge not in edges:
        return 0.0
    spread = min(side * 0.8, 14.0 * (len(edges) - 1))  # labels on lines 14 pt apart
    return -spread / 2 + spread * edges.index(edge) / (len(edges) - 1)


def _along_extent(at: Placement, nid: str, lr: bool) -> tuple[float, float]:
    x, y = at.pos[nid]
    w, h = at.size[nid]
    return (x - w / 2, x + w / 2) if lr else (at.height - y - h / 2, at.height - y + h / 2)


def phase_diagrams(diagram: Diagram, direction: str = "LR",
                   page: tuple[float, float] = A3_LANDSCAPE_PT,
                   scale: float = MIN_PRINT_SCALE) -> list[Diagram]:
    """Return the diagram cut along the flow into phases that each fit page (points) at
    scale or larger; just the diagram when it fits whole.  Each phase keeps its lanes in
    order, drops the lanes it has no node in, and shows the tasks just before and after
    it as ghost nodes in their lanes (``lanes.part_diagram``)."""
    at = place(diagram, direction)
    if at.print_scale(page) >= scale:
        return [diagram]
    lr = direction == "LR"
    extent: dict[int, tuple[float, float]] = {}
    for nid, c in at.column.items():
        lo, hi = _along_extent(at, nid, lr)
        was = extent.get(c, (lo, hi))
        extent[c] = (min(lo, was[0]), max(hi, was[1]))
    room = (page[0] if lr else page[1]) / scale  # along the flow, at scale
    usable = room - at.header
    phases: list[Diagram] = [diagram]
    for _ in range(8):  # a phase drawn on its own can be longer (ghosts): cut shorter
        usable *= 0.85
        phases = _phases(diagram, at, extent, usable)
        # a phase too tall (wide) for the page is shrunk to fit by the DOT's size
        if all(_length(place(p, direction), lr) <= room for p in phases):
            break
    return phases


def _length(at: Placement, lr: bool) -> float:
    return at.width if lr else at.height


def _phases(diagram: Diagram, at: Placement, extent: dict[int, tuple[float, float]],
            usable: float) -> list[Diagram]:
    from .lanes import part_diagram

    phase_of: dict[int, int] = {}
    phase, begin = 0, None
    for c in sorted(extent):
        lo, hi = extent[c]
        if begin is None:
            begin = lo
        elif hi - begin > usable:
            phase, begin = phase + 1, lo
        phase_of[c] = phase
    count = phase + 1
    if count == 1:
        return [diagram]
    parts: list[set[str]] = [set() for _ in range(count)]
    for nid, c in at.column.items():
        parts[phase_of[c]].add(nid)
    return [part_diagram(diagram, keep, f"{diagram.title} · {i + 1}/{count}")
            for i, keep in enumerate(parts)]


def _pt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _inch(value: float) -> str:
    return f"{value / 72:.2f}"


def _loose_nodes(w: _Writer, nodes: Iterable[Node], placed: set[str], lang: str,
                 direction: str) -> None:
    for node in nodes:
        if node.id not in placed:
            w.node("\t", node.id, _node_attrs(node, lang, direction))


def _xdot_colour(op: str, colour: str) -> str:
    return f"{op} {len(colour)} -{colour}"


def _lane_background(diagram: Diagram, at: Placement, direction: str) -> str:
    """Return the xdot drawing under the lanes: each band's fill and its name's cell (the
    lanes' clusters draw only their borders and names over it)."""
    # the page is white first (bgcolor would be painted over this drawing)
    ops = [_xdot_colour("c", "#FFFFFF"), _xdot_colour("C", "#FFFFFF"),
           f"P 4 0 0 {_pt(at.width)} 0 {_pt(at.width)} {_pt(at.height)} 0 {_pt(at.height)}"]
    for index, lane in enumerate(diagram.lanes):
        x1, y1, x2, y2 = at.lanes[lane.id]
        fill = _lane_attrs(lane, index)["fillcolor"]
        head = "#E4E4E4" if lane.external else "#E9EFF6"
        if direction == "LR":
            hx1, hy1, hx2, hy2 = x1, y1, at.header, y2
        else:
            hx1, hy1, hx2, hy2 = x1, y2 - at.header, x2, y2
        for colour, (bx1, by1, bx2, by2) in ((fill, (x1, y1, x2, y2)),
                                             (head, (hx1, hy1, hx2, hy2))):
            ops += [_xdot_colour("c", colour), _xdot_colour("C", colour),
                    f"P 4 {_pt(bx1)} {_pt(by1)} {_pt(bx2)} {_pt(by1)} {_pt(bx2)} {_pt(by2)} "
                    f"{_pt(bx1)} {_pt(by2)}"]
    return " ".join(ops)


def _placed_graph(w: _Writer, diagram: Diagram, at: Placement, direction: str) -> None:
    comment = _CONTROL.sub(" ", diagram.header.replace("\n", " "))
    w.lines += [f"// {comment}\n", "digraph procdsl {\n"]
    title_width = display_width(diagram.title) * 16 * 0.6 + 8
    attrs = dict(
        layout="nop2", rankdir=direction,
        bb=f"0,0,{_pt(at.width)},{_pt(at.height)}",
        fontname=FONT, fontsize="16", label=f"<<B>{html_text(diagram.title)}</B>>",
        lp=f"{_pt(title_width / 2 + 8)},{_pt(at.height - TITLE_ROOM / 2)}",
        pad="0.3", _background=_lane_background(diagram, at, direction))
    scale = at.print_scale()
    if MIN_PRINT_SCALE <= scale < 1.0:  # fits an A3 landscape page, text still legible
        attrs["size"] = f"{A3_LANDSCAPE_PT[0] / 72:.2f},{A3_LANDSCAPE_PT[1] / 72:.2f}"
    w.attr("\t", "graph", attrs)
    w.attr("\t", "node", {"fontname": FONT, "fontsize": "12"})
    w.attr("\t", "edge", {"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"})


def _placed_node(node: Node, lang: str, direction: str, at: Placement) -> dict[str, str]:
    attrs = _node_attrs(node, lang, direction)
    x, y = at.pos[node.id]
    attrs["pos"] = f"{_pt(x)},{_pt(y)}"
    if attrs.get("fixedsize") != "true":
        width, height = at.size[node.id]
        attrs["width"], attrs["height"] = _inch(width), _inch(height)
    return attrs


def _placed_dot(diagram: Diagram, lang: str, direction: str) -> str:
    at = place(diagram, direction)
    w = _Writer()
    _placed_graph(w, diagram, at, direction)
    nodes = {n.id: n for n in diagram.nodes}
    placed: set[str] = set()
    for index, lane in enumerate(diagram.lanes):
        w.lines.append(f"\tsubgraph {w.q[lane.id]} {{\n")
        attrs = _lane_attrs(lane, index)
        attrs["style"] = "dashed" if lane.external else "solid"  # the fill is underneath
        x1, y1, x2, y2 = at.lanes[lane.id]
        lx, ly = at.lane_labels[lane.id]
        attrs.update(bb=f"{_pt(x1)},{_pt(y1)},{_pt(x2)},{_pt(y2)}", lp=f"{_pt(lx)},{_pt(ly)}",
                     fontsize=_pt(LANE_FONT))
        w.attr("\t\t", "graph", attrs)
        for nid in lane.nodes:
            w.node("\t\t", nid, _placed_node(nodes[nid], lang, direction, at))
            placed.add(nid)
        w.lines.append("\t}\n")
    for node in diagram.nodes:
        if node.id not in placed:
            w.node("\t", node.id, _placed_node(node, lang, direction, at))
    for i, edge in enumerate(diagram.edges):
        w.edge("\t", edge.tail, edge.head, _placed_edge(edge, at.lines.get(i)))
    w.lines.append("}\n")
    return "".join(w.lines)


ARROW_LENGTH = 7.0  # points: arrowsize 0.7


def _placed_edge(edge: Edge, line: tuple[list[tuple[float, float]],
                                         tuple[float, float] | None] | None) -> dict[str, str]:
    """Return an edge's attributes with its line (``pos``, straight Bezier pieces) and its
    label's place (``lp``)."""
    attrs = _edge_attrs(edge)
    if line is None:
        return attrs
    points, label = line
    points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    head = ""
    if attrs.get("dir") != "none" and len(points) > 1:
        (x1, y1), (x2, y2) = points[-2], points[-1]
        length = max(abs(x2 - x1) + abs(y2 - y1), 1e-9)
        cut = min(ARROW_LENGTH, length * 0.9)
        head = f"e,{_pt(x2)},{_pt(y2)} "
        points[-1] = (x2 - (x2 - x1) / length * cut, y2 - (y2 - y1) / length * cut)
    spline = [points[0]]
    for p in points[1:]:
        spline += [spline[-1], p, p]
    attrs["pos"] = head + " ".join(f"{_pt(x)},{_pt(y)}" for x, y in spline)
    if label is not None:
        attrs["lp"] = f"{_pt(label[0])},{_pt(label[1])}"
    return attrs


def diagram_dot(diagram: Diagram, lang: str, direction: str = "LR", *,
                placed: bool = True) -> str:
    """Return the DOT source of a built diagram: every node placed (Graphviz routes the
    lines), or with ``placed=False`` laid out by the Graphviz engine that draws it."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if placed:
        return _placed_dot(diagram, lang, direction)
    w = _Writer()
    big = is_big(diagram)
    _graph(w, diagram, direction, big)
    in_lanes = _lanes(w, diagram, {n.id: n for n in diagram.nodes}, lang, direction)
    _lane_bands(w, diagram, big)
    _loose_nodes(w, diagram.nodes, in_lanes, lang, direction)
    for edge in diagram.edges:
        w.edge("\t", edge.tail, edge.head, _edge_attrs(edge))
    w.lines.append("}\n")
    return "".join(w.lines)


def emit_dot(spec: m.Spec, *, lang: str, direction: str = "LR",
             diagram: Diagram | None = None) -> str:
    """Return the swimlane diagram of spec as DOT source (first line: the generated notice);
    ``diagram`` is ``build_diagram(spec, lang)`` when the caller has built it already."""
    return diagram_dot(diagram or build_diagram(spec, lang), lang, direction)
