"""The swimlane diagram as data: lanes of nodes and edges, before any drawing syntax.

``build_diagram`` turns the model into a layout-neutral ``Diagram`` (lanes of nodes, and
edges each naming the ``flow.transitions`` key they draw); ``emitters.dot`` writes it as
Graphviz DOT and ``emitters.mermaid`` as Mermaid, so the two pictures always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .. import model as m
from ..flow import flow_order, successors
from . import header_text, show_bidi
from .words import action_word, format_breach, format_condition, format_duration, mode_word

TITLE_WIDTH = 22
META_WIDTH = 28
EDGE_WIDTH = 20
SLA_MARK = "◷"    # a clock face every installed font family can draw (⏱ renders as a box)

# ------------------------------------------------------------------ the neutral diagram


@dataclass(frozen=True, slots=True)
class Node:
    """A shape: ``kind`` picks it; ``lines`` are (text, style) with style title|meta|sla.

    ``ref`` names the task or end the node draws (an end may be drawn once per lane).
    """

    id: str
    kind: str
    lines: tuple[tuple[str, str], ...]
    lane: str | None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """A line; ``transition`` is the ``Transition.key()`` it draws, None for helper segments."""

    tail: str
    head: str
    label: str
    style: str  # flow | rework | cap | breach | helper | withdraw
    transition: tuple[str, str, str, str] | None


@dataclass(frozen=True, slots=True)
class Lane:
    """A swimlane: a role (or the requester) and the nodes drawn in it.

    ``name`` is what a reader asks for it by (``graph --lane``): the role's name,
    ``requester`` or ``unassigned``.
    """

    id: str
    label: str
    note: str | None
    external: bool
    nodes: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True, slots=True)
class Diagram:
    title: str
    header: str
    lanes: tuple[Lane, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


HELPER_KINDS = frozenset({"start", "decision", "inclusive", "fork", "interleave", "join",
                          "join_any", "note"})

# ------------------------------------------------------------------ text


class _Widths(dict[str, int]):
    """Each character's width in columns, looked up in ``unicodedata`` once."""

    def __missing__(self, c: str) -> int:
        self[c] = width = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        return width


_WIDTHS = _Widths()


def display_width(text: str) -> int:
    """Return how many columns text takes (wide CJK characters count two)."""
    if text.isascii():  # no ASCII character is wide
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))


_NO_LINE_START = set("，。、；：？！）》」』】〕,.;:?!)]}%")
_BREAK_AFTER = set("，。、；：？！,;:")


def _fit(chunk: str, width: int) -> int:
    """Return how many leading characters of chunk fit in width columns (at least one)."""
    used = 0
    for i, c in enumerate(chunk):
        used += display_width(c)
        if used > width:
            return max(i, 1)
    return len(chunk)


def _break_long(chunk: str, width: int) -> list[str]:
    """Return a chunk wider than width cut into lines, after punctuation when possible."""
    lines: list[str] = []
    count = -(-display_width(chunk) // width)
    target = min(width, -(-display_width(chunk) // count) + 1)  # even lines, no orphans
    while display_width(chunk) > width:
        full = _fit(chunk, width)
        marks = [i + 1 for i in range(full // 3, full) if chunk[i] in _BREAK_AFTER]
        cut = marks[-1] if marks else _fit(chunk, target)
        while cut < len(chunk) and chunk[cut] in _NO_LINE_START:
            cut += 1  # keep closing punctuation on the line it closes
        lines.append(chunk[:cut])
        chunk = chunk[cut:]
    return lines + [chunk] if chunk else lines


def wrap(text: str, width: int) -> list[str]:
    """Return text broken into lines of at most width columns (at spaces, else anywhere)."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for chunk in para.split():
            joined = f"{line} {chunk}" if line else chunk
            if display_width(joined) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            pieces = _break_long(chunk, width)
            lines.extend(pieces[:-1])
            line = pieces[-1] if pieces else ""
        lines.append(line)
    return lines


# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F (a stable property);
# tests/test_dot.py checks this against unicodedata for every code point.
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Return text with control characters (other than newline) made spaces and
    bidirectional formatting characters shown as [U+202E]."""
    return show_bidi(_CONTROL_BUT_NEWLINE.sub(" ", text))


def _words(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _join(names: tuple[m.Name, ...], lang: str, sep: str | None = None) -> str:
    return (sep or _words(lang, "、", ", ")).join(n.text for n in names)


# ------------------------------------------------------------------ ids


def node_id(prefix: str, *parts: str) -> str:
    """Return a DOT id derived from names: readable when they are words, hex otherwise."""
    out = [prefix]
    for part in parts:
        out.append(part if _WORD.fullmatch(part) else "~" + part.encode().hex())
    return ".".join(out)


_WORD = re.compile(r"\w+")


# ------------------------------------------------------------------ lanes


def lane_key(spec: m.Spec, task: m.Task) -> str:
    """Return the role whose lane the task sits in (or ``requester`` / ``unassigned``)."""
    a = task.assignee
    if a is None:
        return "unassigned"
    if a.mode is m.AssigneeMode.REQUESTER:
        return "requester"
    if a.roles:
        return "role:" + a.roles[0].text
    rule = spec.rule(a.rule.text) if a.rule else None
    for row in rule.rows if rule else ():
        if row.result.kind is m.ResultKind.ROLES and row.result.names:
            return "role:" + row.result.names[0].text
    return "unassigned"


def _lane(spec: m.Spec, key: str, nodes: list[str], lang: str) -> Lane:
    if key == "requester":
        return Lane(node_id("cluster", "requester"), _words(lang, "发起人", "Requester"),
                    None, False, tuple(nodes), key)
    if key == "unassigned":
        return Lane(node_id("cluster", "unassigned"), _words(lang, "未指定", "Unassigned"),
                    None, False, tuple(nodes), key)
    name = key.removeprefix("role:")
    role = spec.role(name)
    external = bool(role and role.external)
    label = name + (_words(lang, "（外部）", " (external)") if external else "")
    # the name is what the spec's ``by`` lines say; a title may be a whole description
    note = clean(role.title) if role and role.title and role.title != name else None
    return Lane(node_id("cluster", "role", name), label, note, external, tuple(nodes), name)


# ------------------------------------------------------------------ node labels


def assignee_caption(spec: m.Spec, task: m.Task, lang: str) -> str | None:
    """Return who acts, in words, when the lane alone does not say it (approval modes)."""
    a = task.assignee
    if a is None:
        return None
    approval = task.kind is m.TaskKind.APPROVAL
    roles = _join(a.roles, lang)
    match a.mode:
        case m.AssigneeMode.ONE | m.AssigneeMode.REQUESTER:
            return None  # the lane names the one approver; colour and legend say approval
        case m.AssigneeMode.LIST if not approval:
            return _words(lang, "由 ", "by ") + roles
        case m.AssigneeMode.SEQUENCE:
            return mode_word(a, lang) + _words(lang, "：", ": ") + _join(a.roles, lang, " → ")
        case m.AssigneeMode.COUNT:
            return mode_word(a, lang) + _words(lang, "：", " ") + roles
        case m.AssigneeMode.RULE:
            return mode_word(a, lang)
    return mode_word(a, lang) + _words(lang, "：", ": ") + roles


def _sla_line(sla: m.Sla, lang: str) -> str:
    text = f"{SLA_MARK} {format_duration(sla.duration, lang)}"
    actions = [format_breach(b, lang) for b in sla.breaches]
    return text + (" → " + "; ".join(actions) if actions else "")


def task_lines(spec: m.Spec, task: m.Task, lang: str) -> tuple[tuple[str, str], ...]:
    """Return the wrapped label lines of a task node: title, who and how, SLA."""
    lines = [(s, "title") for s in wrap(clean(task.label), TITLE_WIDTH)]
    meta: list[str] = []
    if task.call is not None:
        meta.append(_words(lang, "子流程：", "subprocess: ") + task.call.text)
    caption = assignee_caption(spec, task, lang)
    if caption:
        meta.append(caption)
    for extra in task.extra_approvers:
        cond = format_condition(extra.condition, lang)
        meta.append(_words(lang, f"+ {_join(extra.roles, lang)}（当 {cond}）",
                           f"+ {_join(extra.roles, lang)} when {cond}"))
    if task.for_each is not None:
        fe = task.for_each
        word = _words(lang, "逐个" if fe.sequential else "每个", "one at a time, each"
                      if fe.sequential else "for each")
        meta.append(_words(lang, f"{word} {fe.item.text}（{fe.list_field.text}）",
                           f"{word} {fe.item.text} in {fe.list_field.text}"))
    lines += [(s, "meta") for text in meta for s in wrap(clean(text), META_WIDTH)]
    if task.sla is not None:
        lines += [(s, "sla") for s in wrap(clean(_sla_line(task.sla, lang)), META_WIDTH)]
    return tuple(lines)


def _task_kind(task: m.Task) -> str:
    if task.call is not None:
        return "subprocess"
    return "approval" if task.kind is m.TaskKind.APPROVAL else "step"


# ------------------------------------------------------------------ building


@dataclass
class _Builder:
    spec: m.Spec
    lang: str
    order: dict[str, int]
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    lanes: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    task_lanes: dict[str, str] = field(default_factory=dict)

    def lane_of(self, task: m.Task) -> str:
        found = self.task_lanes.get(task.name.text)  # asked once per route and node
        if found is None:
            found = self.task_lanes[task.name.text] = lane_key(self.spec, task)
        return found

    def add(self, node: Node, lane_key: str | None = None) -> str:
        if node.id not in self.nodes:
            self.nodes[node.id] = node
            if lane_key is not None:
                self.lanes.setdefault(lane_key, []).append(node.id)
        return node.id

    def target_id(self, name: str, kind: m.TargetKind, lane: str | None) -> str:
        end = self.spec.end(name) if kind is m.TargetKind.END else None
        if end is not None:
            return self.add(_end_node(end, lane), lane)
        task = self.spec.task(name)
        if task is None:
            label = (("? " + clean(name), "title"),)
            return self.add(Node(node_id("missing", name), "note", label, None))
        bar = task.join is not None and task.join.kind is not m.JoinKind.EACH
        return node_id("j", name) if bar else node_id("t", name)

    def label(self, text: str) -> str:
        found = self.labels.get(text)  # edge labels repeat (actions, conditions)
        if found is None:
            found = self.labels[text] = "\n".join(wrap(clean(text), EDGE_WIDTH))
        return found


def _end_node(end: m.End, lane: str | None) -> Node:
    """Return an end drawn in lane: each lane gets its own copy, so no edge crosses lanes."""
    lines = tuple((s, "title") for s in wrap(clean(end.label), TITLE_WIDTH))
    where = lane.split(":") if lane else ["none"]
    return Node(node_id("e", end.name.text, *where), "success" if end.success else "failure",
                lines, lane, end.name.text)


def _cap_words(cap: m.Cap, lang: str) -> tuple[str, str]:
    times = "time" if cap.times == 1 else "times"
    return (_words(lang, f"最多 {cap.times} 次", f"at most {cap.times} {times}"),
            _words(lang, f"超过 {cap.times} 次", f"after {cap.times} {times}"))


def _route_label(route: m.Route, lang: str, with_action: bool) -> str:
    parts = []
    if with_action and route.action != m.COMPLETE:
        parts.append(action_word(route.action, lang))
    if route.kind is m.RouteKind.OTHERWISE:
        parts.append(action_word("otherwise", lang))
    elif route.condition is not None:
        parts.append(format_condition(route.condition, lang))
    text = " ".join(parts)
    if route.cap is not None:
        limit = _cap_words(route.cap, lang)[0]
        text += _words(lang, f"（{limit}）", f" ({limit})")
    return text


def _reaches(graph: Mapping[str, tuple[str, ...]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _is_rework(b: _Builder, task: m.Task, route: m.Route, target: m.Target) -> bool:
    """Return True for a return, a capped route, or a loop back to an earlier task."""
    if route.action == m.RETURN or route.cap is not None:
        return True
    src, dst = task.name.text, target.name.text
    if target.kind is not m.TargetKind.STEP or b.order.get(dst, 0) > b.order.get(src, 0):
        return False
    return dst == src or _reaches(successors(b.spec), dst, src)


def _route_edges(b: _Builder, task: m.Task, route: m.Route, source: str, label: str,
                 index: int) -> None:
    name = task.name.text
    lane = b.lane_of(task)
    if len(route.targets) > 1:
        kind = "interleave" if route.split is m.Split.INTERLEAVED else "fork"
        bar = b.add(Node(node_id("f", name, str(index)), kind, (), lane), lane)
        b.edges.append(Edge(source, bar, b.label(label), "helper", None))
        source, label = bar, ""
    for target in route.targets:
        style = "rework" if _is_rework(b, task, route, target) else "flow"
        key = (name, route.action, target.name.text, "route")
        b.edges.append(Edge(source, b.target_id(target.name.text, target.kind, lane),
                            b.label(label), style, key))
    cap = route.cap
    if cap is not None and cap.then is not None:
        key = (name, route.action, cap.then.name.text, "cap")
        b.edges.append(Edge(source, b.target_id(cap.then.name.text, cap.then.kind, lane),
                            b.label(_cap_words(cap, b.lang)[1]), "cap", key))


def _action_groups(task: m.Task) -> Iterator[tuple[str, list[m.Route]]]:
    for action in task.actions:
        yield action, [r for r in task.routes if r.action == action]


def _task_edges(b: _Builder, task: m.Task) -> None:
    name = task.name.text
    tid = node_id("t", name)
    for action, routes in _action_groups(task):
        decide = len(routes) > 1 and any(
            r.condition is not None or r.kind is m.RouteKind.OTHERWISE for r in routes)
        source = tid
        if decide:
            kind = "inclusive" if any(r.inclusive for r in routes) else "decision"
            lane = b.lane_of(task)
            source = b.add(Node(node_id("d", name, action), kind, (), lane), lane)
            word = action_word(action, b.lang) if action != m.COMPLETE else ""
            b.edges.append(Edge(tid, source, b.label(word), "helper", None))
        for route in routes:
            _route_edges(b, task, route, source, _route_label(route, b.lang, not decide),
                         task.routes.index(route))
    for breach in task.sla.breaches if task.sla else ():
        if breach.target is not None:
            key = (name, "timeout", breach.target.name.text, "breach")
            label = f"{SLA_MARK} {action_word('timeout', b.lang)}"
            head = b.target_id(breach.target.name.text, breach.target.kind,
                               b.lane_of(task))
            b.edges.append(Edge(tid, head, label, "breach", key))


def _task_nodes(b: _Builder, tasks: tuple[m.Task, ...]) -> None:
    start = b.spec.start_task
    for task in tasks:
        lane = b.lane_of(task)
        if start is not None and task is start:
            b.add(Node("start", "start", ((_words(b.lang, "开始", "Start"), "title"),), lane),
                  lane)
        if task.join is not None and task.join.kind is not m.JoinKind.EACH:
            kind = "join_any" if task.join.kind is m.JoinKind.ANY else "join"
            jid = b.add(Node(node_id("j", task.name.text), kind, (), lane), lane)
            b.edges.append(Edge(jid, node_id("t", task.name.text), "", "helper", None))
        b.add(Node(node_id("t", task.name.text), _task_kind(task),
                   task_lines(b.spec, task, b.lang), lane, task.name.text), lane)
    if start is not None:
        first = b.target_id(start.name.text, m.TargetKind.STEP, None)
        b.edges.insert(0, Edge("start", first, "", "helper", None))


def _cancel_lane(b: _Builder, cancel: m.Cancel) -> str:
    key = "role:" + cancel.roles[0].text if cancel.roles else ""
    return key if key in b.lanes else next(iter(b.lanes), "unassigned")


def _process_edges(b: _Builder) -> None:
    """Add withdraw edges (from each step it may happen at) and cancel notes."""
    withdraw = b.spec.process.withdraw
    for step in withdraw.steps if withdraw else ():
        task = b.spec.task(step.text)
        if withdraw is not None and task is not None:
            t = withdraw.target
            head = b.target_id(t.name.text, t.kind, b.lane_of(task))
            b.edges.append(Edge(node_id("t", step.text), head,
                                _words(b.lang, "撤回", "withdraw"), "withdraw", None))
    for i, cancel in enumerate(b.spec.process.cancels):
        roles = _join(cancel.roles, b.lang)
        text = _words(b.lang, f"{roles} 可随时取消", f"{roles} may cancel at any time")
        lines = tuple((s, "meta") for s in wrap(clean(text), META_WIDTH))
        lane = _cancel_lane(b, cancel)
        note = b.add(Node(node_id("cancel", str(i)), "note", lines, lane), lane)
        head = b.target_id(cancel.target.name.text, cancel.target.kind, lane)
        b.edges.append(Edge(note, head, _words(b.lang, "取消", "cancel"), "withdraw", None))


def _unreached_ends(b: _Builder) -> None:
    """Add ends that nothing routes to, outside every lane, so the reader still sees them."""
    drawn = {n.ref for n in b.nodes.values() if n.kind in ("success", "failure")}
    for end in b.spec.ends:
        if end.name.text not in drawn:
            b.add(_end_node(end, None))


def build_diagram(spec: m.Spec, lang: str) -> Diagram:
    """Return the swimlane diagram of spec: lanes in flow order, one keyed edge per transition."""
    tasks = flow_order(spec)
    b = _Builder(spec, lang, {t.name.text: i for i, t in enumerate(tasks)})
    _task_nodes(b, tasks)
    for task in tasks:
        _task_edges(b, task)
    _process_edges(b)
    _unreached_ends(b)
    lanes = tuple(_lane(spec, key, ids, lang) for key, ids in b.lanes.items())
    return Diagram(clean(spec.process.label), header_text(spec.path), lanes,
                   tuple(b.nodes.values()), tuple(b.edges))
