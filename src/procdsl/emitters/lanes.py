"""One lane of the swimlane diagram on its own, for processes too big to draw at once.

``lane_diagram`` keeps one lane's nodes and the edges between them, and draws the tasks
just before and after them in other lanes as small "ghost" nodes, so every hand-off into
and out of the lane stays visible.  Gates (decisions, forks, joins) in other lanes are
looked through: the ghost is the task on their far side, the edge keeps its label.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from .diagram import Diagram, Edge, Lane, Node

GHOST = "ghost"
_GATES = frozenset({"decision", "inclusive", "fork", "interleave", "join", "join_any"})
_SAFE_FILE_NAME = re.compile(r"[\w\-]+")


class UnknownLane(ValueError):
    """No lane has the name asked for; the message lists them (with a did-you-mean)."""


def lane_names(diagram: Diagram) -> list[str]:
    """Return the names a lane can be asked for by, in drawing order."""
    return [lane.name for lane in diagram.lanes]


def find_lane(diagram: Diagram, name: str) -> Lane:
    """Return the lane named name (its role, or its label); raise UnknownLane otherwise."""
    for lane in diagram.lanes:
        if name in (lane.name, lane.label):
            return lane
    names = lane_names(diagram)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.4)
    hint = f"did you mean {close[0]}? " if close else ""
    raise UnknownLane(f"no lane named '{name}'; {hint}lanes: {', '.join(names) or '(none)'}")


def lane_file_name(lane: Lane, index: int) -> str:
    """Return a file name stem for the lane: its name when that is safe, else lane<N>."""
    name = lane.name
    return name if _SAFE_FILE_NAME.fullmatch(name) and not name.startswith("-") else \
        f"lane{index + 1}"


def lane_file_names(diagram: Diagram) -> list[str]:
    """Return one distinct file name stem per lane (lane<N> where two would clash)."""
    names: list[str] = []
    for index, lane in enumerate(diagram.lanes):
        name = lane_file_name(lane, index)
        names.append(name if name not in names else f"lane{index + 1}")
    return names


def _ghost(node: Node, lanes: dict[str, Lane]) -> Node:
    """Return node drawn small and grey: the lane it sits in, then its title."""
    lane = lanes.get(node.id)
    where = ((lane.label, "meta"),) if lane is not None else ()
    title = tuple((text, "meta") for text, style in node.lines if style == "title")
    return Node(node.id, GHOST, where + title, None, node.ref)


def _through_gates(start: str, links: dict[str, list[str]], kinds: dict[str, str],
                   inside: set[str], order: dict[str, int]) -> list[str]:
    """Return the nodes reached from start along links, looking through outside gates."""
    found: list[str] = []
    seen, todo = {start}, [start]
    while todo:
        nid = todo.pop()
        if kinds.get(nid) in _GATES and nid not in inside:
            for nxt in links.get(nid, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        elif nid not in inside:
            found.append(nid)
    return sorted(found, key=order.__getitem__)


def _links(edges: Iterable[Edge]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    ahead: dict[str, list[str]] = {}
    behind: dict[str, list[str]] = {}
    for e in edges:
        ahead.setdefault(e.tail, []).append(e.head)
        behind.setdefault(e.head, []).append(e.tail)
    return ahead, behind


def _cut(diagram: Diagram, keep: set[str]) -> tuple[tuple[Edge, ...], tuple[str, ...]]:
    """Return the edges of the nodes in keep, an edge leaving or entering them led through
    outside gates to the task beyond, and the outside nodes those edges end at (the
    ghosts), in drawing order without repeats."""
    kinds = {n.id: n.kind for n in diagram.nodes}
    order = {nid: i for i, nid in enumerate(kinds)}
    ahead, behind = _links(diagram.edges)
    edges: dict[Edge, None] = {}  # ordered, without repeats
    ghosts: list[str] = []
    for e in diagram.edges:
        if e.tail in keep and e.head in keep:
            edges[e] = None
            continue
        if e.tail in keep:
            pairs = [(e.tail, h) for h in _through_gates(e.head, ahead, kinds, keep, order)]
        elif e.head in keep:
            pairs = [(t, e.head) for t in _through_gates(e.tail, behind, kinds, keep, order)]
        else:
            continue
        for tail, head in pairs:
            ghosts += [nid for nid in (tail, head) if nid not in keep]
            edges[Edge(tail, head, e.label, e.style, e.transition)] = None
    return tuple(edges), tuple(dict.fromkeys(ghosts))


def lane_diagram(diagram: Diagram, lane: Lane) -> Diagram:
    """Return the diagram of one lane, with ghost nodes for its neighbours in other lanes."""
    nodes = {n.id: n for n in diagram.nodes}
    lane_of = {nid: other for other in diagram.lanes for nid in other.nodes}
    edges, ghosts = _cut(diagram, set(lane.nodes))
    shown = [nodes[nid] for nid in lane.nodes] + [_ghost(nodes[nid], lane_of) for nid in ghosts]
    return Diagram(f"{diagram.title} · {lane.label}", diagram.header, (lane,), tuple(shown),
                   edges)


def part_diagram(diagram: Diagram, keep: set[str], title: str) -> Diagram:
    """Return the diagram of the nodes in keep (a phase of the process), each in its lane,
    with ghost nodes in their own lanes for the neighbours before and after the part."""
    nodes = {n.id: n for n in diagram.nodes}
    lane_of = {nid: other for other in diagram.lanes for nid in other.nodes}
    edges, ghosts = _cut(diagram, keep)
    shown = [n for n in diagram.nodes if n.id in keep] + [_ghost(nodes[nid], {}) for nid in ghosts]
    lanes = []
    for lane in diagram.lanes:
        members = tuple(nid for nid in lane.nodes if nid in keep) + \
            tuple(nid for nid in ghosts if lane_of.get(nid) is lane)
        if members:
            lanes.append(Lane(lane.id, lane.label, lane.note, lane.external, members,
                              lane.name, lane.key))
    return Diagram(title, diagram.header, tuple(lanes), tuple(shown), edges)
