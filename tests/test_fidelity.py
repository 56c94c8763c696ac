"""The product's promise: every artifact says what the lowered plan says (issue 13).

For every spec in specs/, every fixture that checks clean and random valid specs from
``tests/strategies.py``, the routes (source, action, target, via), the lanes (who acts on
which task, and why) and the deadlines are read back from each artifact -- the DOT text,
the Mermaid text, the manual, the generated module's ``PROCESS`` tables (imported from a
temporary folder) and the IR JSON's ``plan`` -- and compared with ``procdsl.plan``.  Each
generated machine is then run over seeded random walks, and every move it records must
be a plan route.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import itertools
import json
import random
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from procdsl import model as m
from procdsl.compiler import check_text, compile_paths, emit_artifacts
from procdsl.emitters import show_bidi
from procdsl.emitters.diagram import build_diagram
from procdsl.emitters.dot import decode_key
from procdsl.emitters.markdown import emit_markdown, load_labels, main_path
from procdsl.emitters.sentences import task_title
from procdsl.emitters.words import format_duration
from procdsl.kinds import Acting, Way
from procdsl.plan import ANYWHERE, REQUESTER_LANE, UNASSIGNED_LANE, Plan, plan_of
from procdsl.vocabulary import approver_lane, role_word

from .strategies import spec_texts
from .test_manual import _CAP, _END_REF, _STEP_REF, _action, parser, procedure_steps, text_of

ROOT = Path(__file__).resolve().parents[1]
SPEC_FILES = sorted((ROOT / "specs").glob("*.proc"))
FIXTURE_FILES = sorted((ROOT / "tests" / "fixtures").glob("*.proc"))
EXAMPLES = 30  # random specs per run (each is emitted, imported and walked)
WALKS = 5      # seeded random walks per spec
STEPS = 40     # actions per walk at most

Key = tuple[str, str, str, str]
Acts = set[tuple[str, str, str]]


def _compiled() -> dict[str, m.Spec]:
    """Return every spec and fixture that checks clean (subprocesses may name any)."""
    return {u.path: u.spec for u in compile_paths(SPEC_FILES + FIXTURE_FILES)
            if u.ok and u.spec is not None}


SPECS = _compiled()
IDS = sorted(SPECS)


def test_every_spec_and_most_fixtures_are_covered() -> None:
    shown = {p.relative_to(ROOT).as_posix() for p in SPEC_FILES}
    assert shown <= set(SPECS), "every spec in specs/ checks clean"
    assert sum(1 for p in SPECS if p.startswith("tests/fixtures/")) >= 30


# ------------------------------------------------------------------ what the plan says


def plan_routes(plan: Plan) -> Counter[Key]:
    return Counter(plan.route_keys())


def plan_lanes(plan: Plan) -> Acts:
    """Return (lane, task, how) for every role acting on a task, as the plan lists them."""
    return plan.acting()


def plan_deadlines(plan: Plan) -> set[tuple[str, str, str, tuple[tuple[str, ...], ...]]]:
    return {(d.scope, str(d.amount), d.unit.value,
             tuple((b.kind.value, *b.roles, b.target or "") for b in d.breaches))
            for d in plan.deadlines}


# ------------------------------------------------------------------ reading DOT

_ID = r'(?:"(?:[^"\\]|\\.)*"|[^\s\[\];{}]+)'
_NODE_LINE = re.compile(rf"^\t\t?({_ID}) \[(.*)\]$")
_EDGE_LINE = re.compile(rf"^\t+({_ID}) -> ({_ID})(?: \[(.*)\])?$")
_CLUSTER = re.compile(rf"^\tsubgraph ({_ID}) \{{$")
_ATTR = re.compile(rf"({_ID})=(<|{_ID})")


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text


def _attrs(body: str) -> dict[str, str]:
    """Return a DOT attribute list's values; an HTML-like label is kept whole."""
    out: dict[str, str] = {}
    i = 0
    while i < len(body):
        match = _ATTR.match(body, i)
        if match is None:
            i += 1
            continue
        name = _unquote(match[1])
        if match[2] == "<":  # an HTML-like string: up to the matching '>'
            depth, j = 0, match.start(2)
            while True:
                depth += {"<": 1, ">": -1}.get(body[j], 0)
                j += 1
                if depth == 0:
                    break
            out[name] = body[match.start(2):j]
            i = j
        else:
            out[name] = _unquote(match[2])
            i = match.end()
    return out


def _lane_of_cluster(cluster: str) -> str:
    """Return the plan lane key a cluster id names (node_id's ~hex parts decoded)."""
    parts = [bytes.fromhex(p[1:]).decode() if p.startswith("~") else p
             for p in cluster.split(".")[1:]]
    return "role:" + parts[1] if parts[0] == "role" else parts[0]


class Dot:
    """The nodes, lanes and edges of an emitted DOT text."""

    def __init__(self, text: str) -> None:
        self.nodes: dict[str, dict[str, str]] = {}
        self.lane: dict[str, str] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        cluster = None
        for line in text.splitlines():
            if (found := _CLUSTER.match(line)) is not None:
                cluster = _unquote(found[1])
            elif line == "\t}":
                cluster = None
            elif " -> " in line and (edge := _EDGE_LINE.match(line)) is not None:
                attrs = _attrs(edge[3] or "")
                if attrs.get("style") != "invis":
                    self.edges.append((_unquote(edge[1]), _unquote(edge[2]), attrs))
            elif (node := _NODE_LINE.match(line)) is not None:
                name, attrs = _unquote(node[1]), _attrs(node[2])
                if attrs.get("shape") == "point":
                    continue  # a lane's invisible band end
                self.nodes[name] = attrs
                if cluster is not None:
                    self.lane[name] = _lane_of_cluster(cluster)

    def ref(self, node: str) -> str | None:
        value = self.nodes[node].get("ref")
        return decode_key(value)[0] if value is not None else None

    def routes(self) -> Counter[Key]:
        """Return the keyed edges, each checked to join its source and its target."""
        into: dict[str, list[str]] = {}
        out_of: dict[str, list[str]] = {}
        for tail, head, _ in self.edges:
            into.setdefault(head, []).append(tail)
            out_of.setdefault(tail, []).append(head)
        found: Counter[Key] = Counter()
        for tail, head, attrs in self.edges:
            if "transition" not in attrs:
                continue
            key = decode_key(attrs["transition"])
            assert len(key) == 4, key
            source, _action, target, via = key
            while self.ref(tail) is None:  # a decision or fork bar drawn after the task
                tail = into[tail][0]
            assert self.ref(tail) == source, (key, tail)
            if self.nodes[head].get("class") in ("join", "join_any"):
                head = out_of[head][0]  # a join bar drawn before its task
            assert self.ref(head) == (source if via == Way.ESCALATE.value else target), key
            found[(source, key[1], target, via)] += 1
        return found

    def lanes(self) -> Acts:
        """Return (lane, task, how): tasks drawn in a lane do them; markers say how."""
        found: Acts = set()
        for name, attrs in self.nodes.items():
            kind, ref = attrs.get("class"), self.ref(name)
            if ref is None or name not in self.lane:
                continue
            if kind in ("step", "approval", "subprocess"):
                found.add((self.lane[name], ref, Acting.DOES.value))
            elif kind == "coact":
                found.add((self.lane[name], ref, attrs["acting"]))
        return found

    def deadlines(self, lang: str) -> dict[str, str]:
        """Return task -> the time limit its node shows (the orange SLA line)."""
        out = {}
        for name, attrs in self.nodes.items():
            label = attrs.get("label", "")
            lines = re.findall(r'COLOR="#B3541E">(.*?)</FONT>', label)
            if lines and attrs.get("class") in ("step", "approval", "subprocess"):
                text = html.unescape(" ".join(lines).replace("<BR/>", " "))
                out[self.ref(name) or ""] = text
        del lang
        return out


def _lanes_by_marker(plan: Plan) -> Acts:
    """Return what a diagram shows of the plan's lanes: a role's first way of acting on
    each task (the home lane: doing it), as the diagram draws one marker per lane."""
    first: dict[tuple[str, str], str] = {}
    order = sorted(((a.task, a.index, lane.key, a.how.value) for lane in plan.lanes
                    for a in lane.actors), key=lambda x: (x[0], x[1]))
    for task, _index, lane, how in order:
        if task != ANYWHERE and plan.home.get(task) == lane and how != Acting.DOES.value:
            continue
        first.setdefault((lane, task), how)
    return {(lane, task, how) for (lane, task), how in first.items()}


# ------------------------------------------------------------------ reading Mermaid

_MERMAID_NODE = re.compile(r'^\s+(n\d+)\W+"([^"]*)"\W*$')
_MERMAID_EDGE = re.compile(r'^  (n\d+) (-->|-\.->|-\.-)(?:\|"([^"]*)"\|)? (n\d+)$')
_SUBGRAPH = re.compile(r'^  subgraph (L\d+)\["([^"]*)"\]$')


def _mermaid_decode(text: str) -> str:
    """Return a Mermaid label's text: <br/> (spec text's '<' is an entity) breaks lines."""
    return re.sub(r"#(\d+);", lambda g: chr(int(g[1])), text.replace("<br/>", "\n"))


def mermaid_reading(text: str, spec: m.Spec, plan: Plan) -> tuple[Counter[Key], Acts]:
    """Return the routes and lanes a Mermaid text draws.

    Mermaid has no attributes, so nodes are known by their place: ``n<i>`` is the i-th
    node and ``L<i>`` the i-th lane of the diagram both texts are drawn from.  Each node's
    label and each lane's title are checked against that diagram, each edge against its
    ends; lane membership is read from the Mermaid subgraphs themselves.
    """
    diagram = build_diagram(spec, spec.lang, plan)
    nodes = {f"n{i}": n for i, n in enumerate(diagram.nodes)}
    lanes = {f"L{i}": lane for i, lane in enumerate(diagram.lanes)}
    member: dict[str, str] = {}
    edges = []
    lane = None
    for line in text.splitlines():
        if (sub := _SUBGRAPH.match(line)) is not None:
            lane = sub[1]
            title = lanes[lane].label + (f" · {lanes[lane].note}" if lanes[lane].note else "")
            assert _mermaid_decode(sub[2]) == title, line
        elif line == "  end":
            lane = None
        elif (edge := _MERMAID_EDGE.match(line)) is not None:
            edges.append((edge[1], edge[4], _mermaid_decode(edge[3] or "")))
        elif (node := _MERMAID_NODE.match(line)) is not None:
            shown = _mermaid_decode(node[2])
            n = nodes[node[1]]
            for text_line, _style in n.lines:
                assert text_line in shown, (text_line, shown)
            if lane is not None:
                member[node[1]] = lanes[lane].key
    assert len(edges) == len(diagram.edges)
    routes: Counter[Key] = Counter()
    ids = {n.id: mid for mid, n in nodes.items()}
    for (tail, head, label), drawn in zip(edges, diagram.edges, strict=True):
        assert (tail, head) == (ids[drawn.tail], ids[drawn.head]), (tail, head, drawn)
        assert label == drawn.label, (label, drawn.label)
        if drawn.transition is not None:
            routes[drawn.transition] += 1
    found: Acts = set()
    for mid, n in nodes.items():
        if n.ref is None or mid not in member:
            continue
        key = member[mid]
        if n.kind in ("step", "approval", "subprocess"):
            found.add((key, n.ref, Acting.DOES.value))
        elif n.kind == "coact" and n.acting is not None:
            found.add((key, n.ref, n.acting))
    return routes, found


# ------------------------------------------------------------------ reading the manual


def _table(markdown: str, heading: str) -> list[list[str]]:
    """Return the rows (header first) of the table under the level-2 heading ending with
    heading, each cell as a reader sees it."""
    tokens = parser().parse(markdown)
    rows: list[list[str]] = []
    inside = False
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h2":
            inside = text_of(tokens[i + 1]).endswith(heading)
        elif inside and tok.type == "tr_open":
            rows.append([])
        elif inside and tok.type == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            rows[-1].append(text_of(tok))
        elif inside and tok.type == "table_close":
            break
    return rows


def _number(cell: str) -> str | None:
    found = re.match(r"(E?\d+)\. ", cell)
    return found[1] if found else None


def numbered(spec: m.Spec, plan: Plan) -> dict[str, m.Task]:
    """Return the manual's step numbers: the main path 1, 2... then the exceptions E1, E2..."""
    main, exceptions = main_path(spec, plan)
    out = {str(i): t for i, t in enumerate(main, start=1)}
    out.update((f"E{i}", t) for i, t in enumerate(exceptions, start=1))
    return out


def shown(text: str) -> str:
    """Return spec text as the manual shows it (bidi marks visible, lines trimmed)."""
    text = show_bidi(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    return "\n".join(line.strip() for line in text.split("\n"))


def embedded(text: str) -> str:
    """Return spec text as the manual shows it inside a sentence (trimmed at line breaks)."""
    lines = show_bidi(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    last = len(lines) - 1
    return "\n".join((line if i == 0 else line.lstrip()) if i == last else
                     (line if i == 0 else line.lstrip()).rstrip()
                     for i, line in enumerate(lines))


def manual_routes(spec: m.Spec, plan: Plan, text: str) -> Counter[Key]:
    """Return (source, action, target, via) for every route sentence of the procedure
    (tests/test_manual.py's reader, with steps known by their number: titles may repeat)."""
    lang = spec.lang
    steps = procedure_steps(text, load_labels(None, lang)["procedure"])
    by_number = numbered(spec, plan)
    assert [st.number for st in steps] == list(by_number)
    ends = {embedded(e.label): e.name.text for e in spec.ends}
    found: Counter[Key] = Counter()
    for st in steps:
        task = by_number[st.number]
        assert st.label == shown(task_title(task)), (st.label, task.label)
        for sentence in st.routes:
            cap = bool(_CAP[lang].search(sentence))
            action = _action(task, sentence, lang, cap)
            via = "breach" if action == "timeout" else "cap" if cap else "route"
            targets = [by_number[n].name.text for n in _STEP_REF[lang].findall(sentence)]
            targets += [ends[label] for label in _END_REF[lang].findall(sentence)]
            assert targets, f"route sentence names no target: {sentence!r}"
            found.update((task.name.text, action, target, via) for target in targets)
    return found


def manual_reading(spec: m.Spec, plan: Plan, text: str) -> tuple[Counter[Key], Acts, set[Any]]:
    """Return the task routes, the lanes (RACI) and the time limits a manual states."""
    lang = spec.lang
    t = load_labels(None, lang)
    routes = manual_routes(spec, plan, text)
    raci = _table(text, t["raci"])
    head, rows = raci[0][:-2], raci[1:]  # the last two columns: escalation, notes
    by_number = numbered(spec, plan)
    names = {role_word(spec, r.name.text, lang): r.name.text for r in spec.roles}
    # an org-relative approver's column is headed by the words for who it is
    org = {approver_lane(lane.approver, lang): lane.key for lane in plan.lanes
           if lane.approver is not None}
    lanes: Acts = set()
    for row in rows:
        number = _number(row[0])
        assert number is not None, row
        task = by_number[number].name.text
        for i, (role, cell) in enumerate(zip(head[1:], row[1:-2], strict=True)):
            letters = set(cell.split("/")) if cell else set()
            # the columns are the declared roles in order (shown by title), then the others
            key = (f"role:{spec.roles[i].name.text}" if i < len(spec.roles) else
                   REQUESTER_LANE if role == t["requester"] else org.get(role, f"role:{role}"))
            if letters & {"A", "R", "(A)"}:
                lanes.add((key, task, "does"))
            if "C" in letters:
                lanes.add((key, task, "consulted"))
        for role in row[-2].split(t["sep"].strip() or ";") if row[-2] else ():
            lanes.add((f"role:{names.get(role.strip(), role.strip())}", task, "consulted"))
    timing = _table(text, t["timing"])[1:] if plan.deadlines else []
    deadlines = set()
    for row in timing:
        number = _number(row[0])
        scope = by_number[number].name.text if number is not None else ANYWHERE
        deadlines.add((scope, row[1]))
    return routes, lanes, deadlines


def manual_expected(spec: m.Spec, plan: Plan) -> tuple[Counter[Key], Acts, set[Any]]:
    """Return what the manual must state of the plan: the routes between tasks (withdraw
    and cancel are told in its own section), who does or is consulted, the limits."""
    # the manual names an end by its title: ends that share one read back as one
    ends = {embedded(e.label): e.name.text for e in spec.ends}
    same = {e.name.text: ends[embedded(e.label)] for e in spec.ends}
    routes = Counter((s, a, same.get(t, t) if r.target_kind is m.TargetKind.END else t, v)
                     for r in plan.routes
                     if r.kind not in (Way.ESCALATE, Way.WITHDRAW, Way.CANCEL)
                     and r.source != ANYWHERE for s, a, t, v in [r.key()])
    # an extra approver is an approver on its condition ((A)); escalation and "when no
    # approver" are told apart from the approvers (the escalation column, C)
    doing = {Acting.DOES, Acting.CO_APPROVES, Acting.BY_RULE, Acting.ALSO_APPROVES}
    lanes: Acts = set()
    for lane in plan.lanes:
        if lane.key == UNASSIGNED_LANE:
            continue
        for a in lane.actors:
            if a.task != ANYWHERE:
                lanes.add((lane.key, a.task, "does" if a.how in doing else "consulted"))
    deadlines = {(d.scope, format_duration(d.limit, spec.lang)) for d in plan.deadlines}
    return routes, lanes, deadlines


# ------------------------------------------------------------------ reading the tables


def tables_reading(module: ModuleType) -> tuple[Counter[Key], Acts, set[Any]]:
    """Return the routes, lanes and deadlines of a generated module's PROCESS tables."""
    p = module.PROCESS
    routes: Counter[Key] = Counter()
    lanes: Acts = set()
    rules = {r.name: r for r in p.rules}
    deadlines = set()

    def sla_row(scope: str, sla: Any) -> tuple[str, str, str, tuple[tuple[str, ...], ...]]:
        return (scope, str(sla.within.amount), str(getattr(sla.within.unit, "value",
                                                           sla.within.unit)),
                tuple((str(getattr(b.kind, "value", b.kind)), *b.roles,
                       b.target.name if b.target else "") for b in sla.breaches))

    for task in p.tasks:
        for route in task.routes:
            routes.update((task.name, route.action, t.name, "route") for t in route.targets)
            if route.cap_then is not None:
                routes[(task.name, route.action, route.cap_then.name, "cap")] += 1
        roles: list[str] = []
        who = task.assignee
        mode = str(getattr(who.mode, "value", who.mode)) if who is not None else None
        if mode == "requester":
            roles = [REQUESTER_LANE]
        elif mode in ("manager", "manager_chain"):  # the directory finds who, up to a role
            roles = [f"org:{mode}:{who.roles[0] if who.roles else who.level or 1}"]
        elif mode == "department_head":
            roles = ["org:department_head"]
        elif mode == "field":
            roles = [f"org:field:{who.field}"]
        elif mode == "rule":
            rows = rules[who.rule].rows if who.rule in rules else ()
            roles = list(dict.fromkeys(f"role:{r}" for _guard, names in rows for r in names))
        elif who is not None:
            roles = list(dict.fromkeys(f"role:{r}" for r in who.roles))
        for i, key in enumerate(roles or [UNASSIGNED_LANE]):
            how = Acting.DOES if i == 0 else (Acting.BY_RULE if mode == "rule"
                                              else Acting.CO_APPROVES)
            lanes.add((key, task.name, how.value))
        for extra in task.extras:
            lanes.update((f"role:{r}", task.name, Acting.ALSO_APPROVES.value) for r in extra.roles)
        empty = getattr(task, "on_empty", None)
        if empty is not None and empty.role is not None:  # "when no approver: transfer to R"
            lanes.add((f"role:{empty.role}", task.name, Acting.IF_EMPTY.value))
        if task.sla is not None:
            deadlines.add(sla_row(task.name, task.sla))
            for b in task.sla.breaches:
                kind = str(getattr(b.kind, "value", b.kind))
                if kind == "goto" and b.target is not None:
                    routes[(task.name, "timeout", b.target.name, "breach")] += 1
                elif kind == "escalate" and b.roles:
                    routes[(task.name, "timeout", task.name, "escalate")] += 1
                    lanes.add((f"role:{b.roles[0]}", task.name, Acting.TAKES_OVER.value))
    if p.withdraw is not None:
        routes.update((s, "withdraw", p.withdraw.target.name, "withdraw") for s in p.withdraw.steps)
    routes.update((ANYWHERE, "cancel", c.target.name, "cancel") for c in p.cancels)
    if p.sla is not None:
        deadlines.add(sla_row(ANYWHERE, p.sla))
        for b in p.sla.breaches:
            kind = str(getattr(b.kind, "value", b.kind))
            if kind == "goto" and b.target is not None:
                routes[(ANYWHERE, "timeout", b.target.name, "breach")] += 1
            elif kind == "escalate" and b.roles:
                lanes.add((f"role:{b.roles[0]}", ANYWHERE, Acting.TAKES_OVER.value))
    return routes, lanes, deadlines


def ir_reading(text: str) -> tuple[Counter[Key], Acts, set[Any]]:
    plan = json.loads(text)["plan"]
    routes = Counter((r["source"], r["action"], r["target"], r["via"]) for r in plan["routes"])
    lanes = {(lane["key"], a["task"], a["how"]) for lane in plan["lanes"] for a in lane["actors"]}
    deadlines = {(d["scope"], d["amount"], d["unit"],
                  tuple((b["kind"], *b["roles"], b["target"] or "") for b in d["breaches"]))
                 for d in plan["deadlines"]}
    return routes, lanes, deadlines


# ------------------------------------------------------------------ random walks

_COUNTER = itertools.count()


def import_module(text: str, folder: Path) -> ModuleType:
    """Return a generated module's text, written to folder and imported."""
    name = f"procdsl_fidelity_{next(_COUNTER)}"
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    found = importlib.util.spec_from_file_location(name, path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    try:
        found.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def _value(f: m.Field, rng: random.Random) -> Any:
    """Return a random value of f's type, inside its range, never empty when required."""
    value = _any_value(f, rng)
    if f.required and value in ("", []):
        value = ["item0"] if value == [] else "x"
    low, high = (None if b is None or isinstance(b.value, str) else b.value
                 for b in (f.low, f.high))
    if low is not None and value < low:
        value = type(value)(low) if not isinstance(value, dt.date) else low
    if high is not None and value > high:
        value = type(value)(high) if not isinstance(value, dt.date) else high
    return value


def _any_value(f: m.Field, rng: random.Random) -> Any:
    t = f.type
    match t.kind:
        case m.TypeKind.BOOL:
            return rng.random() < 0.5
        case m.TypeKind.INT:
            return rng.choice((0, 1, 5, 100, 5_000, 60_000, 1_000_000))
        case m.TypeKind.DECIMAL | m.TypeKind.MONEY:
            return Decimal(rng.choice(("0", "0.5", "99.5", "10000", "500000", "2000000")))
        case m.TypeKind.ENUM:
            return rng.choice(t.values).text if t.values else ""
        case m.TypeKind.DATE:
            return dt.date(2026, rng.randint(1, 12), rng.randint(1, 28))
        case m.TypeKind.LIST:
            return [f"item{i}" for i in range(rng.randint(0, 3))]
    return "x"


def _allowed(plan: Plan) -> dict[tuple[str, str], set[str]]:
    moves: dict[tuple[str, str], set[str]] = {}
    for r in plan.routes:
        moves.setdefault((r.source, r.action if r.kind not in (Way.BREACH, Way.ESCALATE)
                          else r.kind.value), set()).add(r.target)
    return moves


def walk(spec: m.Spec, plan: Plan, module: ModuleType, seed: int) -> int:
    """Run one seeded random walk; assert every recorded move is a plan route.  Return
    the number of moves checked."""
    from procdsl.runtime import Actor, Refused

    rng = random.Random(seed)
    wf = module.WORKFLOW
    roles = frozenset(r.name.text for r in spec.roles)
    requester = Actor("requester", roles)
    data = {f.name.text: _value(f, rng) for f in spec.fields}
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    try:
        case = wf.start(requester, data, now)
    except Refused:
        case = wf.start(requester, None, now)
    moves = _allowed(plan)
    joins = {b.join for b in plan.blocks if b.join is not None}
    each = {t.name.text for t in spec.tasks
            if t.for_each is not None or t.kind is m.TaskKind.APPROVAL}
    checked = 0
    for n in range(STEPS):
        if case.done:
            break
        now += dt.timedelta(hours=rng.choice((1, 1, 2, 8, 30 * 24, 400 * 24)))
        actor = Actor(f"u{n}", roles)
        if rng.random() < 0.15:
            case.tick(now)  # reminders, breaches: gotos, escalations, automatic decisions
        else:
            options = [(a, actor) for a in case.allowed_actions(actor)]
            options += [(a, requester) for a in case.allowed_actions(requester)]
            rng.shuffle(options)
            if rng.random() < 0.9:  # withdraw or cancel now and then, not at every turn
                options.sort(key=lambda pair: pair[0].step is None)
            for allowed, who in options[:6]:
                try:
                    if allowed.step is None and allowed.action == "withdraw":
                        case.withdraw(who, now)
                    elif allowed.step is None and allowed.action == "cancel":
                        case.cancel(who, now)
                    elif allowed.step is None:
                        case.perform(allowed.action, who, now)
                    else:
                        case.act(allowed.step, allowed.action, who, now, item=allowed.item)
                    break
                except Refused:
                    continue
        checked += _check_records(case, plan, moves, joins, each, checked)
    return checked


def _check_records(case: Any, plan: Plan, moves: dict[tuple[str, str], set[str]],
                   joins: set[str], each: set[str], seen: int) -> int:
    """Check the records after the first ``seen + 1``; return how many were checked."""
    records = list(case.history)[1 + seen:]
    for at, rec in enumerate(records):
        step, action = rec.step, rec.action
        if _is_note(rec):
            continue  # checked with the record it follows
        before, after = Counter(rec.before), Counter(rec.after)
        if step is not None:
            before[step] -= 1  # the item acted on
        new = [name for name, k in (after - before).items() if k > 0]
        if action in ("withdraw", "cancel"):
            source = ANYWHERE if action == "cancel" else None
            targets = set().union(*(v for (s, a), v in moves.items() if a == action
                                    and (source is None or s == source)))
            assert targets, rec
            assert not new or set(new) <= targets, rec
            continue
        if action == "escalate" and step is None:  # the case's deadline: handed over
            case_deadline = plan.deadline(ANYWHERE)
            assert case_deadline is not None and any(
                b.kind.value == "escalate" for b in case_deadline.breaches), rec
            continue
        if action == "escalate":
            assert (step, "escalate") in moves, rec
            continue
        if action in ("goto", "auto_approve", "auto_reject"):
            key = "breach" if action == "goto" else action.removeprefix("auto_")
            targets = moves.get((step or ANYWHERE, key), set())
        elif action in ("empty_approve", "empty_reject"):  # nobody found: as configured
            targets = moves.get((step, action.removeprefix("empty_")), set())
        elif step is None:
            continue  # a milestone action: it moves nothing
        else:
            targets = moves.get((step, action), set())
            assert (step, action) in moves, rec
        # What the case then did on its own at a step (a for-each over an empty list
        # passed, a resubmission sent straight back to the approver who returned it) is
        # noted by the clock right after: that step's routes were taken too.
        for note in itertools.takewhile(_is_note, records[at + 1:]):
            targets = targets | {note.step} | set().union(
                *(v for (s, _), v in moves.items() if s == note.step))
        for name in new:
            # a sequential for-each's next item, an approval still waiting for votes, a
            # join started by the last branch to end
            ok = name in targets or (name == step and step in each) or name in joins
            assert ok, (rec, name, targets)
    return len(records)


def _is_note(rec: Any) -> bool:
    """A clock record of something the case did on its own within an action: it moves
    nothing itself (before and after are the state after the action)."""
    return bool(rec.actor == "@clock" and rec.step is not None and rec.before == rec.after)


# ------------------------------------------------------------------ the comparison


def compare(spec: m.Spec, folder: Path, walks: int) -> None:
    plan = plan_of(spec)
    out = emit_artifacts(spec, "x", render_svg=False)
    text = {k.removeprefix("x"): v.decode("utf-8") for k, v in out.items()}
    routes, lanes, deadlines = plan_routes(plan), plan_lanes(plan), plan_deadlines(plan)

    dot = Dot(text[".dot"])
    assert dot.routes() == routes, "DOT routes"
    assert dot.lanes() == _lanes_by_marker(plan), "DOT lanes"
    shown = {d.scope: d for d in plan.deadlines if d.scope != ANYWHERE}
    drawn = dot.deadlines(spec.lang)
    assert set(drawn) == set(shown), "DOT deadlines"
    for scope, d in shown.items():
        assert drawn[scope].startswith("◷ " + format_duration(d.limit, spec.lang)), drawn[scope]

    mermaid_routes, mermaid_lanes = mermaid_reading(text[".mmd"], spec, plan)
    assert mermaid_routes == routes, "Mermaid routes"
    assert mermaid_lanes == _lanes_by_marker(plan), "Mermaid lanes"

    manual = emit_markdown(spec, lang=spec.lang)
    assert manual_reading(spec, plan, manual) == manual_expected(spec, plan), "manual"

    module = import_module(text[".py"], folder)
    t_routes, t_lanes, t_deadlines = tables_reading(module)
    assert t_routes == routes, "PROCESS routes"
    assert t_lanes == lanes, "PROCESS lanes"
    assert t_deadlines == deadlines, "PROCESS deadlines"

    assert ir_reading(text[".ir.json"]) == (routes, lanes, deadlines), "IR plan"

    for seed in range(walks):
        walk(spec, plan, module, seed)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="procdsl_fidelity_") as tmp:
        yield Path(tmp)


@pytest.mark.parametrize("path", IDS)
def test_every_artifact_says_what_the_plan_says(path: str, folder: Path) -> None:
    compare(SPECS[path], folder, WALKS)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          phases=(Phase.explicit, Phase.generate),  # shrinking hostile 80 kB specs takes minutes
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(spec_texts())
def test_random_specs_too(text: str) -> None:
    unit = check_text("random.proc", text.encode("utf-8"))
    assert unit.ok and unit.spec is not None, [str(d) for d in unit.diagnostics]
    with tempfile.TemporaryDirectory(prefix="procdsl_fidelity_") as tmp:
        compare(unit.spec, Path(tmp), 1)
