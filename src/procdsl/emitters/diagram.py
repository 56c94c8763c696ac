"""The swimlane diagram as data: lanes of nodes and edges, before any drawing syntax.

``build_diagram`` turns the lowered plan (``procdsl.plan``) into a layout-neutral
``Diagram``: lanes of nodes, and edges each naming the ``PlanRoute.key()`` they draw.
Routes, lanes and deadlines come from the plan and nothing else; the model is read only
for the words on the nodes.  ``emitters.dot`` writes the diagram as Graphviz DOT and
``emitters.mermaid`` as Mermaid, so the two pictures always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import model as m
from ..kinds import Acting, Way
from ..plan import ANYWHERE, Plan, PlanActor, PlanDeadline, PlanLane, PlanRoute, plan_of
from ..vocabulary import (
    CHOICE_WORDS,
    acting_word,
    approver_caption,
    approver_lane,
    cap_after,
    cap_limit,
    display_width,
    rule_route_words,
)
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

    ``ref`` names the task or end the node draws (an end may be drawn once per lane;
    ``*``, the whole case, for the note a cancel or the process deadline starts from);
    a ``coact`` node stands for another role acting on the task ``ref`` (``acting``
    says how: ``kinds.Acting``), in that role's lane.
    """

    id: str
    kind: str
    lines: tuple[tuple[str, str], ...]
    lane: str | None
    ref: str | None = None
    acting: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """A line; ``transition`` is the ``Transition.key()`` it draws, None for helper segments."""

    tail: str
    head: str
    label: str
    style: str  # flow | rework | cap | breach | helper | withdraw | coact
    transition: tuple[str, str, str, str] | None


@dataclass(frozen=True, slots=True)
class Lane:
    """A swimlane: a role (or the requester) and the nodes drawn in it.

    ``name`` is what a reader asks for it by (``graph --lane``): the role's name,
    ``requester`` or ``unassigned``; ``key`` is the plan lane it draws.
    """

    id: str
    label: str
    note: str | None
    external: bool
    nodes: tuple[str, ...]
    name: str = ""
    key: str = ""


@dataclass(frozen=True, slots=True)
class Diagram:
    title: str
    header: str
    lanes: tuple[Lane, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


HELPER_KINDS = frozenset({"start", "decision", "inclusive", "fork", "interleave", "join",
                          "join_any", "note", "coact"})

# ------------------------------------------------------------------ text


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


def _lane(spec: m.Spec, lane: PlanLane, nodes: list[str], lang: str) -> Lane:
    if lane.approver is not None:  # org-relative approvers: who they are, in words
        return Lane(node_id("cluster", lane.key), approver_lane(lane.approver, lang), None,
                    False, tuple(nodes), lane.key, lane.key)
    if lane.role is None:
        label = _words(lang, "发起人", "Requester") if lane.key == "requester" else \
            _words(lang, "未指定", "Unassigned")
        return Lane(node_id("cluster", lane.key), label, None, False, tuple(nodes), lane.key,
                    lane.key)
    name = lane.role
    role = spec.role(name)
    label = name + (_words(lang, "（外部）", " (external)") if lane.external else "")
    # the name is what the spec's ``by`` lines say; a title may be a whole description
    note = clean(role.title) if role and role.title and role.title != name else None
    return Lane(node_id("cluster", "role", name), label, note, lane.external, tuple(nodes), name,
                lane.key)


def _acting_word(task: m.Task | None, actor: PlanActor, lang: str) -> str:
    """Return what a role does for a task drawn in another lane ('会签' / 'co-signs')."""
    a = task.assignee if task is not None else None
    word = acting_word(actor.how, lang, mode=a.mode if a is not None else None,
                       approval=task is not None and task.kind is m.TaskKind.APPROVAL,
                       turn=actor.index + 1, rule=a.rule.text if a and a.rule else "",
                       whole_process=actor.task == ANYWHERE)
    return f"{SLA_MARK} {word}" if actor.how is Acting.TAKES_OVER else word


# ------------------------------------------------------------------ node labels


def assignee_caption(spec: m.Spec, task: m.Task, lang: str) -> str | None:
    """Return who acts, in words, when the lane alone does not say it (approval modes)."""
    a = task.assignee
    if a is None:
        return None
    approval = task.kind is m.TaskKind.APPROVAL
    roles = _join(a.roles, lang)
    if a.mode.org or a.mode is m.AssigneeMode.PICK:
        return approver_caption(task, lang)  # the lane says who; this says how
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


def _sla_line(deadline: PlanDeadline, lang: str) -> str:
    text = f"{SLA_MARK} {format_duration(deadline.limit, lang)}"
    actions = [format_breach(b.breach, lang) for b in deadline.breaches]
    return text + (" → " + "; ".join(actions) if actions else "")


def task_lines(spec: m.Spec, task: m.Task, lang: str,
               deadline: PlanDeadline | None) -> tuple[tuple[str, str], ...]:
    """Return the wrapped label lines of a task node: title, who and how, its deadline."""
    lines = [(s, "title") for s in wrap(clean(task.label), TITLE_WIDTH)]
    meta: list[str] = []
    if task.call is not None:
        meta.append(_words(lang, "子流程：", "subprocess: ") + task.call.text)
    caption = assignee_caption(spec, task, lang)
    if caption:
        meta.append(caption)
    a = task.assignee
    if a is not None and not (a.mode.org or a.mode is m.AssigneeMode.PICK):
        more = approver_caption(task, lang)  # no approver found, dedupe, transfer...
        if more:
            meta.append(more)
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
    if deadline is not None:
        lines += [(s, "sla") for s in wrap(clean(_sla_line(deadline, lang)), META_WIDTH)]
    return tuple(lines)


def _task_kind(task: m.Task) -> str:
    if task.call is not None:
        return "subprocess"
    return "approval" if task.kind is m.TaskKind.APPROVAL else "step"


# ------------------------------------------------------------------ building


_WRITTEN = frozenset({Way.THEN, Way.WHEN, Way.OTHERWISE, Way.ALSO, Way.CAP})


@dataclass
class _Builder:
    spec: m.Spec
    plan: Plan
    lang: str
    order: dict[str, int]
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    lanes: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    after: dict[str, list[str]] = field(default_factory=dict)

    def lane_of(self, task: m.Task) -> str:
        return self.plan.home[task.name.text]

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
    return cap_limit(cap.times, lang), cap_after(cap.times, lang)


def _route_label(route: PlanRoute, lang: str, with_action: bool) -> str:
    parts = []
    if with_action and route.action != m.COMPLETE:
        parts.append(action_word(route.action, lang))
    if route.condition is not None:
        parts.append(format_condition(route.condition, lang))
    elif route.kind in (Way.OTHERWISE, Way.ALSO):
        parts.append(action_word("otherwise", lang))
    if route.split is m.Split.CHOICE:  # return -> choice of A, B: one edge per step
        parts.append(CHOICE_WORDS[0 if lang == "zh" else 1])
    if route.split is m.Split.RULE and route.route is not None and route.route.rule is not None:
        parts.append(rule_route_words(route.route.rule.text, lang))  # one edge per task
    text = " ".join(parts)
    if route.cap is not None:
        limit = _cap_words(route.cap, lang)[0]
        text += _words(lang, f"（{limit}）", f" ({limit})")
    return text


def _reaches(graph: Mapping[str, list[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _is_rework(b: _Builder, route: PlanRoute) -> bool:
    """Return True for a return, a capped route, or a loop back to an earlier task."""
    if route.action == m.RETURN or route.cap is not None:
        return True
    src, dst = route.source, route.target
    if route.target_kind is not m.TargetKind.STEP or b.order.get(dst, 0) > b.order.get(src, 0):
        return False
    return dst == src or _reaches(b.after, dst, src)


def _route_edges(b: _Builder, task: m.Task, group: list[PlanRoute], source: str, label: str) -> None:
    """Draw one written route: its targets (through a fork bar when several), its cap route."""
    name = task.name.text
    lane = b.lane_of(task)
    targets = [r for r in group if r.kind is not Way.CAP]
    if len(targets) > 1 and not targets[0].split.picks_one:  # a choice: one edge each
        kind = "interleave" if targets[0].split is m.Split.INTERLEAVED else "fork"
        bar = b.add(Node(node_id("f", name, str(targets[0].index)), kind, (), lane), lane)
        b.edges.append(Edge(source, bar, b.label(label), "helper", None))
        source, label = bar, ""
    for r in targets:
        style = "rework" if _is_rework(b, r) else "flow"
        b.edges.append(Edge(source, b.target_id(r.target, r.target_kind, lane),
                            b.label(label), style, r.key()))
    for r in group:
        if r.kind is Way.CAP and r.cap is not None:
            b.edges.append(Edge(source, b.target_id(r.target, r.target_kind, lane),
                                b.label(_cap_words(r.cap, b.lang)[1]), "cap", r.key()))


def _written(routes: tuple[PlanRoute, ...]) -> dict[str, dict[int, list[PlanRoute]]]:
    """Return the written routes (and their cap routes) by action, then by written route."""
    by_action: dict[str, dict[int, list[PlanRoute]]] = {}
    for r in routes:
        if r.kind in _WRITTEN:
            by_action.setdefault(r.action, {}).setdefault(r.index, []).append(r)
    return by_action


def _task_edges(b: _Builder, task: m.Task) -> None:
    name = task.name.text
    tid = node_id("t", name)
    routes = b.plan.routes_from(name)
    for action, groups in _written(routes).items():
        firsts = [g[0] for g in groups.values()]
        decide = len(firsts) > 1 and any(
            r.condition is not None or r.kind is Way.OTHERWISE for r in firsts)
        source = tid
        if decide:
            kind = "inclusive" if any(r.kind is Way.ALSO for r in firsts) else "decision"
            lane = b.lane_of(task)
            source = b.add(Node(node_id("d", name, action), kind, (), lane), lane)
            word = action_word(action, b.lang) if action != m.COMPLETE else ""
            b.edges.append(Edge(tid, source, b.label(word), "helper", None))
        for group in groups.values():
            _route_edges(b, task, group, source, _route_label(group[0], b.lang, not decide))
    for r in routes:
        if r.kind is Way.BREACH:
            label = f"{SLA_MARK} {action_word('timeout', b.lang)}"
            head = b.target_id(r.target, r.target_kind, b.lane_of(task))
            b.edges.append(Edge(tid, head, label, "breach", r.key()))
        elif r.kind is Way.ESCALATE:
            for role in r.roles[:1]:
                head = node_id("c", name, "role", role)
                head = head if head in b.nodes else tid  # the role already does the task
                label = f"{SLA_MARK} {_words(b.lang, '超时升级', 'escalate')}"
                b.edges.append(Edge(tid, head, label, "breach", r.key()))


def _coact_node(b: _Builder, task: m.Task | None, actor: PlanActor, lane: str) -> str:
    """Add the marker of a role acting on a task drawn in another lane; return its id."""
    where = lane.split(":")
    ref = task.name.text if task is not None else ANYWHERE
    lines = [(s, "meta") for s in wrap(clean(_acting_word(task, actor, b.lang)), META_WIDTH)]
    if task is not None:
        lines += [(s, "title") for s in wrap(clean(task.label), TITLE_WIDTH)]
    kind = "coact"
    return b.add(Node(node_id("c", ref, *where), kind, tuple(lines), lane, ref,
                      actor.how.value), lane)


def _task_nodes(b: _Builder, tasks: tuple[m.Task, ...]) -> None:
    start = b.spec.start_task
    by_task: dict[str, list[PlanActor]] = {}
    for plan_lane in b.plan.lanes:
        for actor in plan_lane.actors:
            if actor.how is not Acting.DOES:
                by_task.setdefault(actor.task, []).append(actor)
    for task in tasks:
        lane = b.lane_of(task)
        if start is not None and task is start:
            b.add(Node("start", "start", ((_words(b.lang, "开始", "Start"), "title"),), lane),
                  lane)
        if task.join is not None and task.join.kind is not m.JoinKind.EACH:
            kind = "join_any" if task.join.kind is m.JoinKind.ANY else "join"
            jid = b.add(Node(node_id("j", task.name.text), kind, (), lane), lane)
            b.edges.append(Edge(jid, node_id("t", task.name.text), "", "helper", None))
        tid = b.add(Node(node_id("t", task.name.text), _task_kind(task),
                         task_lines(b.spec, task, b.lang, b.plan.deadline(task.name.text)),
                         lane, task.name.text), lane)
        drawn = {lane}
        for actor in sorted(by_task.get(task.name.text, ()), key=lambda a: a.index):
            if actor.lane in drawn:
                continue  # one marker per lane: the first way the role acts says it
            drawn.add(actor.lane)
            marker = _coact_node(b, task, actor, actor.lane)
            if actor.how is not Acting.TAKES_OVER:  # an escalation's line is its route
                b.edges.append(Edge(marker, tid, "", "coact", None))
    for actor in by_task.get(ANYWHERE, ()):
        _coact_node(b, None, actor, actor.lane)
    if start is not None:
        first = b.target_id(start.name.text, m.TargetKind.STEP, None)
        b.edges.insert(0, Edge("start", first, "", "helper", None))


def _cancel_lane(b: _Builder, route: PlanRoute) -> str:
    key = "role:" + route.roles[0] if route.roles else ""
    return key if key in b.lanes else next(iter(b.lanes), "unassigned")


def _process_edges(b: _Builder) -> None:
    """Add withdraw edges (from each step it may happen at), cancel notes and the process
    deadline's goto."""
    cancels = 0
    for r in b.plan.routes:
        if r.kind is Way.WITHDRAW:
            task = b.spec.task(r.source)
            if task is not None:
                head = b.target_id(r.target, r.target_kind, b.lane_of(task))
                b.edges.append(Edge(node_id("t", r.source), head,
                                    _words(b.lang, "撤回", "withdraw"), "withdraw", r.key()))
        elif r.kind is Way.CANCEL:
            roles = _words(b.lang, "、", ", ").join(r.roles)
            text = _words(b.lang, f"{roles} 可随时取消", f"{roles} may cancel at any time")
            lines = tuple((s, "meta") for s in wrap(clean(text), META_WIDTH))
            lane = _cancel_lane(b, r)
            note = b.add(Node(node_id("cancel", str(cancels)), "note", lines, lane, ANYWHERE),
                         lane)
            cancels += 1
            head = b.target_id(r.target, r.target_kind, lane)
            b.edges.append(Edge(note, head, _words(b.lang, "取消", "cancel"), "withdraw",
                                r.key()))
        elif r.kind is Way.BREACH and r.source == ANYWHERE:
            deadline = b.plan.deadline(ANYWHERE)
            limit = format_duration(deadline.limit, b.lang) if deadline is not None else ""
            text = _words(b.lang, f"{SLA_MARK} 整个流程 {limit}", f"{SLA_MARK} whole case {limit}")
            lines = tuple((s, "sla") for s in wrap(clean(text), META_WIDTH))
            start = b.spec.start_task
            lane = b.lane_of(start) if start is not None else next(iter(b.lanes), "unassigned")
            note = b.add(Node(node_id("deadline", "process"), "note", lines, lane, ANYWHERE),
                         lane)
            label = f"{SLA_MARK} {action_word('timeout', b.lang)}"
            head = b.target_id(r.target, r.target_kind, lane)
            b.edges.append(Edge(note, head, label, "breach", r.key()))


def _unreached_ends(b: _Builder) -> None:
    """Add ends that nothing routes to, outside every lane, so the reader still sees them."""
    drawn = {n.ref for n in b.nodes.values() if n.kind in ("success", "failure")}
    for end in b.spec.ends:
        if end.name.text not in drawn:
            b.add(_end_node(end, None))


def _successors(plan: Plan) -> dict[str, list[str]]:
    after: dict[str, list[str]] = {}
    for r in plan.routes:
        if r.kind in _WRITTEN or r.kind is Way.BREACH:
            outs = after.setdefault(r.source, [])
            if r.target not in outs:
                outs.append(r.target)
    return after


def build_diagram(spec: m.Spec, lang: str, plan: Plan | None = None) -> Diagram:
    """Return the swimlane diagram of spec's plan: the requester's lane, then the roles'
    lanes in the order the spec declares the roles, one keyed edge per plan route."""
    plan = plan or plan_of(spec)
    tasks = plan.order
    b = _Builder(spec, plan, lang, {t.name.text: i for i, t in enumerate(tasks)},
                 after=_successors(plan))
    _task_nodes(b, tasks)
    for task in tasks:
        _task_edges(b, task)
    _process_edges(b)
    _unreached_ends(b)
    by_key = {lane.key: lane for lane in plan.lanes}
    keys = sorted(b.lanes, key=_declared_order(spec, list(b.lanes)))
    lanes = tuple(_lane(spec, by_key[key], b.lanes[key], lang) if key in by_key else
                  _lane(spec, _loose_lane(key), b.lanes[key], lang) for key in keys)
    return Diagram(clean(spec.process.label), header_text(spec.path), lanes,
                   tuple(b.nodes.values()), tuple(b.edges))


def _declared_order(spec: m.Spec, first_act: list[str]) -> Callable[[str], tuple[int, int]]:
    """Return the sort key of lanes: the requester's first, then the roles as the spec
    declares them, then roles it does not declare (in the order they first act), then
    the unassigned lane."""
    declared = {"role:" + r.name.text: i for i, r in enumerate(spec.roles)}
    acts = {key: i for i, key in enumerate(first_act)}

    def key(lane: str) -> tuple[int, int]:
        if lane == "requester":
            return (0, 0)
        if lane in declared:
            return (1, declared[lane])
        return (3, 0) if lane == "unassigned" else (2, acts[lane])
    return key


def _loose_lane(key: str) -> PlanLane:
    """Return a lane the plan does not list (the fallback lane of a note)."""
    role = key.removeprefix("role:") if key.startswith("role:") else None
    return PlanLane(key=key, role=role, declared=False, external=False, tasks=(), actors=())
