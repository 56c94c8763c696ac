"""BPMN 2.0 XML (``procdsl bpmn``): a collaboration that Camunda Modeler, bpmn.io, Zeebe
and SpiffWorkflow open, laid out, with the spec's routes, lanes and timing.

Routes, lanes, deadlines and parallel blocks come from the lowered plan
(``procdsl.plan``) and nothing else; the model gives only words (titles, descriptions,
the spec syntax of a condition).  docs/bpmn.md has the element mapping and the
``procdsl`` extension elements.

How a case runs in BPMN: each task is a ``userTask``; the person who does it sets the
task variable ``action`` (``complete``, ``approve``, ``reject``, ``return`` or a custom
outcome) and an exclusive gateway after the task routes on it and on the case data
(Python expressions over the task data, which SpiffWorkflow evaluates).  The
conditions of one gateway exclude each other (a route's condition says that no earlier
route of the same action holds), so the spec's "first route that holds" is kept on any
engine.  ``at most N times`` counts in a process variable (``cap_K``), set to 0 by a
script task after the start and raised by a script task on the route.

Output is deterministic: ids are numbered in plan order, attributes are written in a
fixed order, and every piece of spec text is escaped (characters XML 1.0 cannot carry
are written as U+FFFD), so spec text never changes the document's structure.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from decimal import Decimal

from .. import model as m
from .. import vocabulary as vocab
from ..kinds import Acting, AssigneeMode, BreachKind, JoinKind, Split, TargetKind, TimeUnit, Way
from ..plan import ANYWHERE, REQUESTER_LANE, UNASSIGNED_LANE, Plan, PlanDeadline, PlanRoute, plan_of
from . import header_text, show_bidi

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
PROCDSL_NS = "https://procdsl.dev/schema/bpmn/1"
EXPRESSION_LANGUAGE = "python"  # conditions: Python expressions over the task data
ACTION = "action"  # the task variable the person who does a task sets

# ------------------------------------------------------------------ XML text

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Return text escaped for XML character data (illegal characters as U+FFFD)."""
    text = _ILLEGAL.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    """Return text escaped for a double-quoted XML attribute value."""
    return (xml_text(text).replace('"', "&quot;").replace("\n", "&#10;")
            .replace("\r", "&#13;").replace("\t", "&#9;"))


@dataclass
class El:
    """One XML element: a tag (with its prefix), attributes in order, children or text."""

    tag: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    children: list[El] = field(default_factory=list)
    text: str | None = None

    def add(self, tag: str, *attrs: tuple[str, str | None], text: str | None = None) -> El:
        """Append a child element (attributes whose value is None are left out)."""
        child = El(tag, [(k, v) for k, v in attrs if v is not None], text=text)
        self.children.append(child)
        return child

    def write(self, out: list[str], depth: int) -> None:
        pad = "  " * depth
        attrs = "".join(f' {k}="{xml_attr(v)}"' for k, v in self.attrs)
        if self.text is not None:
            out.append(f"{pad}<{self.tag}{attrs}>{xml_text(self.text)}</{self.tag}>\n")
        elif not self.children:
            out.append(f"{pad}<{self.tag}{attrs} />\n")
        else:
            out.append(f"{pad}<{self.tag}{attrs}>\n")
            for child in self.children:
                child.write(out, depth + 1)
            out.append(f"{pad}</{self.tag}>\n")


# ------------------------------------------------------------------ conditions as Python

_PY_LEVEL = {"or": 1, "and": 2}


def python_name(name: str) -> str:
    """Return a data field's name as a Python name (the task data variable): a Python
    keyword, ``action`` or a ``cap_`` counter name gets a trailing ``_``."""
    if name.isidentifier() and not keyword.iskeyword(name) \
            and name != ACTION and not name.startswith("cap_"):
        return name
    return f"{name}_"


def python_expr(e: m.Expr) -> str:
    """Return a condition as a Python expression over the task data (fully bracketed)."""
    match e:
        case m.Literal():
            v = e.value
            if isinstance(v, bool):
                return "True" if v else "False"
            if isinstance(v, (int, Decimal)):
                return str(v)
            if e.kind is m.LiteralKind.DATE:
                return repr(str(v))  # ISO text: see the date comparison below
            return repr(str(v))
        case m.FieldRef():
            return python_name(e.name.text)
        case m.EnumValue():
            return repr(e.name.text)
        case m.Not():
            return f"not ({python_expr(e.operand)})"
        case m.BoolOp():
            return f" {e.op} ".join(f"({python_expr(x)})" for x in e.operands)
        case m.Compare() if _dated(e.left) or _dated(e.right):
            # ISO dates compare as text, whether the engine keeps a date or its JSON string
            return f"str({python_expr(e.left)}) {e.op} str({python_expr(e.right)})"
        case m.Compare():
            return f"({python_expr(e.left)}) {e.op} ({python_expr(e.right)})"
        case m.Member():
            items = ", ".join(python_expr(x) for x in e.items) + ("," if len(e.items) == 1 else "")
            return f"({python_expr(e.operand)}) {'not in' if e.negated else 'in'} ({items})"
        case m.Arith():
            return f"({python_expr(e.left)}) {e.op} ({python_expr(e.right)})"
        case m.Negative():
            return f"-({python_expr(e.operand)})"
    raise TypeError(f"not a condition: {type(e).__name__}")


_FEEL_OPS = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _feel_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def feel_expr(e: m.Expr) -> str:
    """Return a condition as a FEEL expression over the process variables (Camunda 8)."""
    match e:
        case m.Literal():
            v = e.value
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, (int, Decimal)):
                return str(v)
            if e.kind is m.LiteralKind.DATE:
                return f"date({_feel_text(str(v))})"
            return _feel_text(str(v))
        case m.FieldRef():
            return python_name(e.name.text)
        case m.EnumValue():
            return _feel_text(e.name.text)
        case m.Not():
            return f"not({feel_expr(e.operand)})"
        case m.BoolOp():
            return f" {e.op} ".join(f"({feel_expr(x)})" for x in e.operands)
        case m.Compare() if _dated(e.left) or _dated(e.right):
            return f"date({feel_expr(e.left)}) {_FEEL_OPS[e.op]} date({feel_expr(e.right)})"
        case m.Compare():
            return f"({feel_expr(e.left)}) {_FEEL_OPS[e.op]} ({feel_expr(e.right)})"
        case m.Member():
            items = ", ".join(feel_expr(x) for x in e.items)
            found = f"list contains([{items}], {feel_expr(e.operand)})"
            return f"not({found})" if e.negated else found
        case m.Arith():
            return f"({feel_expr(e.left)}) {e.op} ({feel_expr(e.right)})"
        case m.Negative():
            return f"-({feel_expr(e.operand)})"
    raise TypeError(f"not a condition: {type(e).__name__}")


class Dialect:
    """How expressions are written: ``python`` (SpiffWorkflow; the default) or ``zeebe``
    (FEEL, ``=``-prefixed, and the zeebe extension elements Camunda 8 needs)."""

    def __init__(self, name: str) -> None:
        if name not in ("python", "zeebe"):
            raise ValueError(f"unknown BPMN dialect {name!r}: python or zeebe")
        self.name = name
        self.feel = name == "zeebe"

    @property
    def language(self) -> str:
        return "https://www.omg.org/spec/DMN/20191111/FEEL" if self.feel else EXPRESSION_LANGUAGE

    def expr(self, e: m.Expr) -> str:
        return feel_expr(e) if self.feel else python_expr(e)

    def wrap(self, text: str) -> str:
        """Return an expression as an attribute or element holds it (FEEL: ``=...``)."""
        return f"={text}" if self.feel else text

    def action_is(self, action: str) -> str:
        return f"{ACTION} = {_feel_text(action)}" if self.feel else f"{ACTION} == {action!r}"

    def action_is_not(self, action: str) -> str:
        return f"{ACTION} != {_feel_text(action)}" if self.feel else f"{ACTION} != {action!r}"

    def negate(self, text: str) -> str:
        return f"not({text})" if self.feel else f"not ({text})"

    @property
    def true(self) -> str:
        return "true" if self.feel else "True"

    def counter(self, var: str) -> str:
        """Return a cap counter's value (FEEL: a variable not yet set is null, so 0)."""
        return f"(if {var} = null then 0 else {var})" if self.feel else var

    def choose(self, n: str, condition: str, other: str) -> str:
        return f"(if {condition} then {n} else {other})" if self.feel else \
            f"({n} if ({condition}) else {other})"

    def stages_of_list(self, list_name: str) -> str:
        return f"max(1, count({list_name}))" if self.feel else f"max(1, len({list_name}))"


def _dated(e: m.Expr) -> bool:
    return isinstance(e, m.Literal) and e.kind is m.LiteralKind.DATE


def spec_expr(e: m.Expr, lang: str) -> str:
    """Return a condition in the spec's own syntax (what ``import-bpmn`` reads back)."""
    return vocab.expression(e, lang, as_written=True)


# ------------------------------------------------------------------ time

_ISO = {TimeUnit.MINUTES: ("PT", "M"), TimeUnit.HOURS: ("PT", "H"), TimeUnit.WORK_HOURS: ("PT", "H"),
        TimeUnit.DAYS: ("P", "D"), TimeUnit.WORKDAYS: ("P", "D"), TimeUnit.WEEKS: ("P", "W")}


def iso_duration(amount: object, unit: TimeUnit) -> str:
    """Return an ISO 8601 duration (working time counts as elapsed: see docs/bpmn.md)."""
    head, tail = _ISO[unit]
    text = format(Decimal(str(amount)).normalize(), "f")
    return f"{head}{text}{tail}"


# ------------------------------------------------------------------ layout constants

TASK_W, TASK_H = 100, 80
GW = 50
EV = 36
COL_W = 360
SLOT_H = 150
X0 = 400  # the first task column (start event and counters to its left)
LANE_X = 160  # lanes start here (the participant's label band is to the left)
LANE_LABEL = 30


@dataclass
class Node:
    id: str
    tag: str
    name: str | None
    lane: str
    x: float = 0
    y: float = 0
    w: float = TASK_W
    h: float = TASK_H
    el: El | None = None
    attached: str | None = None  # boundary events: the task

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str | None = None
    condition: str | None = None
    ext: list[El] = field(default_factory=list)


def _words(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


class BpmnEmitter:
    """Builds the BPMN document of one spec from its plan."""

    def __init__(self, spec: m.Spec, lang: str, source_text: str | None = None,
                 dialect: str = "python") -> None:
        self.spec, self.lang = spec, lang
        self.d = Dialect(dialect)
        self.plan: Plan = plan_of(spec)  # routes, lanes, deadlines and blocks: from here only
        self.source_text = source_text
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.task_ids: dict[str, str] = {}
        self.end_ids: dict[str, str] = {}
        self.caps: list[str] = []
        self.annotations: list[tuple[str, str, str]] = []  # (id, text, of node)
        self.cols: dict[str, int] = {}
        self.slot: dict[str, int] = {}
        self.signals: list[tuple[str, str]] = []
        self.subprocesses: list[El] = []
        self.joins: set[str] = set()

    # ---------------------------------------------------------------- ids and names

    def _flow(self, source: str, target: str, name: str | None = None,
              condition: str | None = None, ext: list[El] | None = None) -> Flow:
        f = Flow(f"Flow_{len(self.flows) + 1}", source, target, name, condition, ext or [])
        self.flows.append(f)
        return f

    def _node(self, node: Node) -> Node:
        self.nodes[node.id] = node
        return node

    def _label(self, text: str) -> str:
        return show_bidi(text)

    def role_title(self, lane_key: str) -> str:
        if lane_key == REQUESTER_LANE:
            return _words(self.lang, "发起人", "Requester")
        if lane_key == UNASSIGNED_LANE:
            return _words(self.lang, "任何人", "Anyone")
        lane = self.plan.lane(lane_key)
        if lane is not None and lane.approver is not None:  # org-relative: who, in words
            return vocab.approver_lane(lane.approver, self.lang)
        name = lane_key.removeprefix("role:")
        role = self.spec.role(name)
        return role.title if role is not None and role.title else name

    # ---------------------------------------------------------------- the graph

    def build(self) -> str:
        spec, plan = self.spec, self.plan
        for i, task in enumerate(plan.order, 1):
            self.task_ids[task.name.text] = f"Task_{i}"
        for i, end in enumerate(spec.ends, 1):
            self.end_ids[end.name.text] = f"End_{i}"
        self._columns()
        self.joins = {t.name.text for t in plan.order if self._join_kind(t) is not None}
        start_task = spec.start_task
        first_lane = plan.home.get(start_task.name.text, "") if start_task is not None else ""
        if not first_lane and plan.lanes:
            first_lane = plan.lanes[0].key
        start = self._node(Node("StartEvent_1", "startEvent", None, first_lane, w=EV, h=EV))
        cap_routes = [r for r in plan.routes if r.cap is not None and r.kind is not Way.CAP]
        entry = start.id
        if cap_routes and not self.d.feel:  # FEEL reads a counter not yet set as null: 0
            init = self._node(Node("Init_1", "scriptTask", _words(self.lang, "计数归零", "Reset counters"),
                                   first_lane, w=80, h=60))
            self._flow(start.id, init.id)
            entry = init.id
        for task in plan.order:
            self._task(task)
        if start_task is not None:
            self._flow(entry, self._entry(start_task.name.text))
        for end in spec.ends:
            self._end(end)
        self._withdraw_cancel()
        return self._document()

    def _columns(self) -> None:
        """Give each task a column: its distance from the start along the plan's routes."""
        plan = self.plan
        graph: dict[str, list[str]] = {t.name.text: [] for t in plan.order}
        for r in plan.routes:
            if r.source in graph and r.target in graph and r.target != r.source:
                graph[r.source].append(r.target)
        start = self.spec.start_task
        queue = [start.name.text] if start is not None else []
        if queue:
            self.cols[queue[0]] = 0
        i = 0
        while i < len(queue):
            name = queue[i]
            i += 1
            for nxt in graph[name]:
                if nxt not in self.cols:
                    self.cols[nxt] = self.cols[name] + 1
                    queue.append(nxt)
        last = max(self.cols.values(), default=-1)
        for t in plan.order:
            if t.name.text not in self.cols:
                last += 1
                self.cols[t.name.text] = last
        used: dict[tuple[str, int], int] = {}
        for t in plan.order:
            key = (plan.home.get(t.name.text, ""), self.cols[t.name.text])
            self.slot[t.name.text] = used.get(key, 0)
            used[key] = used.get(key, 0) + 1

    def _entry(self, task: str) -> str:
        """Return the node a route to task enters (its join gateway, if it has one)."""
        return f"Join_{self.task_ids[task][5:]}" if task in self.joins else self.task_ids[task]

    def _target(self, kind: TargetKind, name: str) -> str:
        if kind is TargetKind.END:
            return self.end_ids[name]
        return self._entry(name) if name in self.task_ids else self.end_ids.get(name, name)

    def _stages(self, task: m.Task) -> tuple[str | None, bool]:
        """Return (cardinality expression, sequential) of an approval's stages, or
        (None, False) for one decision."""
        a = task.assignee
        extra = " + ".join(self.d.choose(str(len(x.roles)), self.d.expr(x.condition), "0")
                           for x in task.extra_approvers)
        base: str | None = None
        sequential = False
        if task.kind is m.TaskKind.APPROVAL and a is not None:
            if a.mode is AssigneeMode.ALL and len(a.roles) > 1:
                base = str(len(a.roles))
            elif a.mode is AssigneeMode.SEQUENCE and len(a.roles) > 1:
                base, sequential = str(len(a.roles)), True
            elif a.mode is AssigneeMode.COUNT and (a.count or 1) > 1:
                base = str(a.count)
            elif a.mode is AssigneeMode.RULE and a.rule is not None:
                base, sequential = self._rule_stages(a.rule.text), True
        if extra:
            return f"{base or '1'} + {extra}", True
        return base, sequential

    def _rule_stages(self, rule_name: str) -> str | None:
        rule = self.spec.rule(rule_name)
        if rule is None:
            return None
        text = "0"
        for row in reversed(rule.rows):
            n = len(row.result.names) if row.result.kind is m.ResultKind.ROLES else 0
            text = str(n) if row.condition is None else self.d.choose(str(n), self.d.expr(row.condition), text)
        return None if text == "1" else text

    def _task(self, task: m.Task) -> None:
        name = task.name.text
        tid = self.task_ids[name]
        num = tid[5:]
        lane = self.plan.home.get(name, "")
        tag = "callActivity" if task.call is not None else "userTask"
        el = El(f"bpmn:{tag}", [("id", tid), ("name", self._label(task.label))])
        node = self._node(Node(tid, tag, task.label, lane, el=el))
        if task.call is not None:
            el.attrs.append(("calledElement", task.call.text))
        roles = self._candidates(name)
        if roles and tag == "userTask":
            el.attrs.append(("camunda:candidateGroups", ",".join(roles)))
        if task.description:
            el.add("bpmn:documentation", text=task.description)
            self.annotations.append((f"Annotation_{num}", task.description, tid))
        ext = el.add("bpmn:extensionElements")
        if self.d.feel and tag == "userTask":
            ext.add("zeebe:userTask")
        if roles and tag == "userTask":
            ext.add("zeebe:assignmentDefinition", ("candidateGroups", ",".join(roles)))
        if self.d.feel and tag == "callActivity" and task.call is not None:
            ext.add("zeebe:calledElement", ("processId", task.call.text),
                    ("propagateAllChildVariables", "true"))
        self._task_ext(ext, task, roles)
        stages, sequential = self._stages(task)
        if task.for_each is not None:
            fe = task.for_each
            mi = El("bpmn:multiInstanceLoopCharacteristics",
                    [("isSequential", "true" if fe.sequential else "false")])
            self._loop(mi, self.d.stages_of_list(python_name(fe.list_field.text)))
            if fe.until is not None:
                mi.add("bpmn:completionCondition", ("xsi:type", "bpmn:tFormalExpression"),
                       text=self.d.wrap(self.d.expr(fe.until)))
            el.children.append(mi)
        elif stages is not None:
            mi = El("bpmn:multiInstanceLoopCharacteristics",
                    [("isSequential", "true" if sequential else "false")])
            self._loop(mi, stages)
            mi.add("bpmn:completionCondition", ("xsi:type", "bpmn:tFormalExpression"),
                   text=self.d.wrap(self.d.action_is_not("approve")))
            el.children.append(mi)
        gtag = self._join_kind(task)
        if gtag is not None and task.join is not None:
            jid = f"Join_{num}"
            jel = El(f"bpmn:{gtag}", [("id", jid)])
            jext = jel.add("bpmn:extensionElements")
            jext.add("procdsl:join", ("wait", task.join.kind.value))
            self._node(Node(jid, gtag, None, lane, w=GW, h=GW, el=jel))
            self._flow(jid, tid)
        self._routes(task, node)
        self._timers(task, node)

    def _script(self, sid: str, name: str, var: str, value: str) -> El:
        """Return a script task setting var to value (Python text, or a zeebe:script)."""
        if self.d.feel:
            el = El("bpmn:scriptTask", [("id", sid), ("name", name)])
            el.add("bpmn:extensionElements").add("zeebe:script", ("expression", f"={value}"),
                                                 ("resultVariable", var))
            return el
        el = El("bpmn:scriptTask", [("id", sid), ("name", name), ("scriptFormat", EXPRESSION_LANGUAGE)])
        el.children.append(El("bpmn:script", text=f"{var} = {value}"))
        return el

    def _loop(self, mi: El, count: str) -> None:
        """Give a multi-instance marker its number of instances (Zeebe: a collection)."""
        if self.d.feel:
            mi.add("bpmn:extensionElements").add(
                "zeebe:loopCharacteristics", ("inputCollection", f"=for i in 1..({count}) return i"),
                ("inputElement", "stage"))
        else:
            mi.add("bpmn:loopCardinality", ("xsi:type", "bpmn:tFormalExpression"), text=count)

    def _join_kind(self, task: m.Task) -> str | None:
        """Return the gateway that closes a block in front of task (None: no join)."""
        if task.join is None or task.join.kind is JoinKind.EACH:
            return None
        # ``wait for all`` waits for every branch that was started (a synchronising merge):
        # BPMN's inclusive join, also after ``then all of`` (a branch may reach the join
        # by two routes, or leave the block)
        if task.join.kind is JoinKind.ALL:
            return "inclusiveGateway"
        return "exclusiveGateway"

    def _candidates(self, task: str) -> list[str]:
        found: list[tuple[int, str]] = []
        for lane in self.plan.lanes:
            for a in lane.actors:
                if a.task == task and a.how is not Acting.TAKES_OVER:
                    found.append((a.index, lane.name))
        return [n for _, n in sorted(found)]

    def _task_ext(self, ext: El, task: m.Task, roles: list[str]) -> None:
        t = ext.add("procdsl:task", ("name", task.name.text), ("kind", task.kind.value),
                    ("title", task.title), ("at", str(self.spec.tasks.index(task))),
                    ("wait", task.join.kind.value if task.join is not None else None))
        a = task.assignee
        if a is not None:
            t.attrs += [("mode", a.mode.value)]
            if a.roles:
                t.attrs.append(("roles", ",".join(r.text for r in a.roles)))
            if a.count is not None:
                t.attrs.append(("count", str(a.count)))
            if a.rule is not None:
                t.attrs.append(("rule", a.rule.text))
            if a.level is not None:
                t.attrs.append(("level", str(a.level)))
            if a.field is not None:
                t.attrs.append(("field", a.field.text))
        if task.call is not None:
            t.attrs.append(("run", task.call.text))
        for x in task.exclusions:
            ext.add("procdsl:notBy", ("requester", "true" if x.kind is m.ExclusionKind.REQUESTER else None),
                    ("whoeverDid", x.step.text if x.step is not None else None))
        for extra in task.extra_approvers:
            ext.add("procdsl:alsoBy", ("when", spec_expr(extra.condition, self.lang)),
                    ("roles", ",".join(r.text for r in extra.roles)))
        for d in task.inputs:
            ext.add("procdsl:input", ("name", d.name))
        for d in task.outputs:
            ext.add("procdsl:output", ("name", d.name))
        for item in task.checklist:
            ext.add("procdsl:check", text=item)
        for n in task.notifies:
            ext.add("procdsl:notify", ("roles", ",".join(r.text for r in n.roles)), ("on", n.when.value))
        if task.for_each is not None:
            fe = task.for_each
            ext.add("procdsl:forEach", ("item", fe.item.text), ("list", fe.list_field.text),
                    ("sequential", "true" if fe.sequential else None),
                    ("untilCount", str(fe.until_count) if fe.until_count is not None else None),
                    ("until", spec_expr(fe.until, self.lang) if fe.until is not None else None))

    # ---------------------------------------------------------------- routes

    def _routes(self, task: m.Task, node: Node) -> None:
        name = task.name.text
        num = node.id[5:]
        routes = [r for r in self.plan.routes_from(name)
                  if r.kind in (Way.THEN, Way.WHEN, Way.OTHERWISE, Way.ALSO, Way.CAP)]
        deadline = self.plan.deadline(name)
        auto = deadline is not None and any(
            b.kind in (BreachKind.AUTO_APPROVE, BreachKind.AUTO_REJECT) for b in deadline.breaches)
        simple = (len(routes) == 1 and routes[0].kind is Way.THEN and routes[0].split is Split.ONE
                  and routes[0].cap is None and not auto and task.kind is m.TaskKind.STEP)
        if simple:
            r = routes[0]
            self._flow(node.id, self._target(r.target_kind, r.target), ext=[self._route_ext(r)])
            return
        if not routes:
            return
        if (not auto and task.kind is m.TaskKind.STEP and all(r.kind is Way.THEN and r.cap is None
                                                              and r.index == routes[0].index
                                                              for r in routes)):
            self._targets(node.id, num, routes[0].index, node.lane, routes, None, None)
            return
        gid = f"Decide_{num}"
        gel = El("bpmn:exclusiveGateway", [("id", gid)])
        self._node(Node(gid, "exclusiveGateway", None, node.lane, w=GW, h=GW, el=gel))
        self._flow(node.id, gid)
        # group the written routes by (index): each written route is one flow from the gateway
        by_index: dict[int, list[PlanRoute]] = {}
        for r in routes:
            by_index.setdefault(r.index, []).append(r)
        inclusive = [r for r in routes if r.kind is Way.ALSO]
        earlier: dict[str, list[str]] = {}  # action -> conditions of earlier routes
        done_inclusive: set[str] = set()
        for index in sorted(by_index):
            group = by_index[index]
            first = group[0]
            action = first.action
            act = self.d.action_is(action)
            if first.kind is Way.ALSO:
                if action in done_inclusive:
                    continue
                done_inclusive.add(action)
                self._inclusive(gid, num, node.lane, action,
                                [r for r in inclusive if r.action == action], earlier)
                continue
            cond = self.d.expr(first.condition) if first.condition is not None else None
            prior = earlier.setdefault(action, [])
            parts = [act] + [self.d.negate(c) for c in prior] + ([f"({cond})"] if cond else [])
            if first.kind is Way.OTHERWISE or cond is None:
                prior.append(self.d.true)
            else:
                prior.append(cond)
            condition = " and ".join(parts)
            label = self._route_label(first)
            written = [r for r in group if r.kind is not Way.CAP]
            capped = next((r for r in group if r.kind is Way.CAP), None)
            if first.cap is not None:
                cap_var = f"cap_{len(self.caps) + 1}"
                self.caps.append(cap_var)
                cid = f"Cap_{num}_{index + 1}"
                cel = El("bpmn:exclusiveGateway", [("id", cid)])
                self._node(Node(cid, "exclusiveGateway", None, node.lane, w=GW, h=GW, el=cel))
                self._flow(gid, cid, label, condition, ext=[self._route_ext(first)])
                count_id = f"Count_{num}_{index + 1}"
                sel = self._script(count_id, f"{cap_var} + 1", cap_var,
                                   f"{self.d.counter(cap_var)} + 1")
                self._node(Node(count_id, "scriptTask", f"{cap_var} + 1", node.lane, w=80, h=60,
                                el=sel))
                self._flow(cid, count_id, None, f"{self.d.counter(cap_var)} < {first.cap.times}")
                self._targets(count_id, num, index, node.lane, written, None, None)
                if capped is not None:
                    then = vocab.cap_after(first.cap.times, self.lang)
                    self._flow(cid, self._target(capped.target_kind, capped.target), then,
                               f"{self.d.counter(cap_var)} >= {first.cap.times}",
                               ext=[self._route_ext(capped)])
                continue
            self._targets(gid, num, index, node.lane, written, label, condition)

    def _inclusive(self, gid: str, num: str, lane: str, action: str,
                   group: list[PlanRoute], earlier: dict[str, list[str]]) -> None:
        iid = f"Choice_{num}"
        iel = El("bpmn:inclusiveGateway", [("id", iid)])
        self._node(Node(iid, "inclusiveGateway", None, lane, w=GW, h=GW, el=iel))
        prior = earlier.setdefault(action, [])
        parts = [self.d.action_is(action)] + [self.d.negate(c) for c in prior]
        self._flow(gid, iid, vocab.action_word(action, self.lang) if action != "complete" else None,
                   " and ".join(parts))
        prior.append(self.d.true)
        conds = [self.d.expr(r.condition) for r in group if r.condition is not None]
        for r in group:
            if r.condition is not None:
                cond = self.d.expr(r.condition)
                label = spec_expr(r.condition, self.lang)
            else:
                cond = " and ".join(self.d.negate(c) for c in conds) or self.d.true
                label = _words(self.lang, "否则", "otherwise")
            self._flow(iid, self._target(r.target_kind, r.target), self._label(label), cond,
                       ext=[self._route_ext(r)])

    def _targets(self, source: str, num: str, index: int, lane: str, written: list[PlanRoute],
                 label: str | None, condition: str | None) -> None:
        if not written:
            return
        first = written[0]
        if first.split is Split.ONE or len(written) == 1:
            self._flow(source, self._target(first.target_kind, first.target), label, condition,
                       ext=[self._route_ext(first)])
            return
        if first.split.picks_one:  # the approver or a rule names one: an exclusive gateway
            cid = f"Choice_{num}_{index + 1}"
            self._node(Node(cid, "exclusiveGateway", None, lane, w=GW, h=GW,
                            el=El("bpmn:exclusiveGateway", [("id", cid)])))
            self._flow(source, cid, label, condition)
            for r in written:
                self._flow(cid, self._target(r.target_kind, r.target), self._label(r.target),
                           ext=[self._route_ext(r)])
            return
        pid = f"Split_{num}_{index + 1}"
        pel = El("bpmn:parallelGateway", [("id", pid)])
        if first.split is Split.INTERLEAVED:
            pext = pel.add("bpmn:extensionElements")
            pext.add("procdsl:split", ("kind", Split.INTERLEAVED.value))
        self._node(Node(pid, "parallelGateway", None, lane, w=GW, h=GW, el=pel))
        self._flow(source, pid, label, condition, ext=[self._route_ext(first)])
        for r in written:
            self._flow(pid, self._target(r.target_kind, r.target))

    def _route_label(self, r: PlanRoute) -> str | None:
        parts = []
        if r.action != "complete":
            parts.append(vocab.action_word(r.action, self.lang))
        if r.kind is Way.OTHERWISE:
            parts.append(_words(self.lang, "否则", "otherwise"))
        elif r.condition is not None:
            parts.append(spec_expr(r.condition, self.lang))
        if r.cap is not None and r.kind is not Way.CAP:
            parts.append(vocab.cap_limit(r.cap.times, self.lang))
        return self._label(" ".join(parts)) if parts else None

    def _route_ext(self, r: PlanRoute) -> El:
        el = El("procdsl:route", [("action", r.action), ("way", r.kind.value)])
        if r.condition is not None:
            el.attrs.append(("when", spec_expr(r.condition, self.lang)))
        if r.split is not Split.ONE:
            el.attrs.append(("split", r.split.value))
        if r.cap is not None:
            el.attrs.append(("atMost", str(r.cap.times)))
        if r.index >= 0:
            el.attrs.append(("route", str(r.index)))
        return el

    # ---------------------------------------------------------------- timers

    def _deadline_ext(self, ext: El, d: PlanDeadline) -> None:
        el = ext.add("procdsl:deadline", ("amount", format(Decimal(str(d.amount)), "f")),
                     ("unit", d.unit.value), ("calendar", d.calendar))
        for rem in d.reminders:
            if rem.percent is not None:
                el.add("procdsl:remind", ("atPercent", format(rem.percent, "f")))
            elif rem.before is not None:
                el.add("procdsl:remind", ("before", iso_duration(rem.before.amount, rem.before.unit)),
                       ("amount", format(rem.before.amount, "f")), ("unit", rem.before.unit.value))
        for b in d.breaches:
            el.add("procdsl:onBreach", ("kind", b.kind.value),
                   ("roles", ",".join(b.roles) if b.roles else None), ("target", b.target))

    def _timers(self, task: m.Task, node: Node) -> None:
        d = self.plan.deadline(task.name.text)
        if d is None:
            return
        num = node.id[5:]
        breaking = [b for b in d.breaches if b.kind in (BreachKind.GOTO, BreachKind.AUTO_APPROVE,
                                                       BreachKind.AUTO_REJECT)]
        tid = f"Timer_{num}"
        interrupting = bool(breaking)
        el = El("bpmn:boundaryEvent", [("id", tid), ("name", self._label(vocab.amount(
            d.amount if isinstance(d.amount, (int, Decimal)) else Decimal(str(d.amount)),
            d.unit, self.lang))), ("attachedToRef", node.id),
            ("cancelActivity", "true" if interrupting else "false")])
        ext = el.add("bpmn:extensionElements")
        self._deadline_ext(ext, d)
        self._node(Node(tid, "boundaryEvent", None, node.lane, w=EV, h=EV, el=el, attached=node.id))
        timer = El("bpmn:timerEventDefinition", [("id", f"TimerDef_{num}")])
        timer.add("bpmn:timeDuration", ("xsi:type", "bpmn:tFormalExpression"),
                  text=iso_duration(d.amount, d.unit))
        el.children.append(timer)
        for b in breaking:
            if b.kind is BreachKind.GOTO and b.target is not None and b.target_kind is not None:
                self._flow(tid, self._target(b.target_kind, b.target),
                           self._label(vocab.breach_label(b.breach, self.lang)))
            elif b.kind in (BreachKind.AUTO_APPROVE, BreachKind.AUTO_REJECT):
                action = "approve" if b.kind is BreachKind.AUTO_APPROVE else "reject"
                aid = f"Auto_{num}"
                sel = self._script(aid, self._label(vocab.breach_name(b.kind, self.lang)), ACTION,
                                   _feel_text(action) if self.d.feel else repr(action))
                self._node(Node(aid, "scriptTask", None, node.lane, w=80, h=60, el=sel))
                self._flow(tid, aid)
                self._flow(aid, f"Decide_{num}")
            break  # one interrupting breach decides

    # ---------------------------------------------------------------- ends, withdraw, cancel

    def _end_lane(self, end: str) -> str:
        for r in self.plan.routes:
            if r.target == end and r.target_kind is TargetKind.END and r.source in self.plan.home:
                return self.plan.home[r.source]
        return self.plan.lanes[-1].key if self.plan.lanes else ""

    def _end_el(self, eid: str, end: m.End) -> El:
        el = El("bpmn:endEvent", [("id", eid), ("name", self._label(end.label))])
        if end.description:
            el.add("bpmn:documentation", text=end.description)
        ext = el.add("bpmn:extensionElements")
        ext.add("procdsl:end", ("name", end.name.text), ("title", end.title),
                ("kind", "success" if end.success else "failure"),
                ("at", str(self.spec.ends.index(end))))
        if not end.success:
            el.add("bpmn:terminateEventDefinition", ("id", f"{eid}_terminate"))
        return el

    def _end(self, end: m.End) -> None:
        eid = self.end_ids[end.name.text]
        self._node(Node(eid, "endEvent", end.label, self._end_lane(end.name.text), w=EV, h=EV,
                        el=self._end_el(eid, end)))

    def _withdraw_cancel(self) -> None:
        for r in self.plan.routes:
            if r.kind is Way.WITHDRAW and r.source in self.task_ids:
                if not any(s[0] == "Signal_withdraw" for s in self.signals):
                    self.signals.append(("Signal_withdraw", "withdraw"))
                src = self.task_ids[r.source]
                bid = f"Withdraw_{src[5:]}"
                el = El("bpmn:boundaryEvent", [("id", bid), ("name", _words(self.lang, "撤回", "Withdraw")),
                                                ("attachedToRef", src), ("cancelActivity", "true")])
                el.add("bpmn:extensionElements").add("procdsl:withdraw", ("by", "requester"))
                el.add("bpmn:signalEventDefinition", ("id", f"{bid}_signal"),
                       ("signalRef", "Signal_withdraw"))
                self._node(Node(bid, "boundaryEvent", None, self.nodes[src].lane, w=EV, h=EV, el=el,
                                attached=src))
                self._flow(bid, self._target(r.target_kind, r.target),
                           _words(self.lang, "撤回", "withdraw"))
        cancels = [r for r in self.plan.routes if r.kind is Way.CANCEL]
        for i, r in enumerate(cancels, 1):
            sig = f"Signal_cancel_{i}"
            self.signals.append((sig, f"cancel_{i}" if len(cancels) > 1 else "cancel"))
            sub = El("bpmn:subProcess", [("id", f"Cancel_{i}"),
                                         ("name", _words(self.lang, "取消", "Cancel")),
                                         ("triggeredByEvent", "true")])
            sub.add("bpmn:extensionElements").add("procdsl:cancel", ("roles", ",".join(r.roles)))
            st = sub.add("bpmn:startEvent", ("id", f"Cancel_{i}_start"), ("isInterrupting", "true"))
            st.add("bpmn:signalEventDefinition", ("id", f"Cancel_{i}_signal"), ("signalRef", sig))
            end = self.spec.end(r.target)
            if end is not None:
                sub.children.append(self._end_el(f"Cancel_{i}_end", end))
            else:
                sub.add("bpmn:endEvent", ("id", f"Cancel_{i}_end"))
            sub.add("bpmn:sequenceFlow", ("id", f"Cancel_{i}_flow"), ("sourceRef", f"Cancel_{i}_start"),
                    ("targetRef", f"Cancel_{i}_end"))
            self.subprocesses.append(sub)
        self._case_deadline()

    def _case_deadline(self) -> None:
        """The case's own SLA: an event subprocess started by a timer (interrupting when
        a breach goes to an end; what notify and escalate do is in procdsl:deadline)."""
        d = self.plan.deadline(ANYWHERE)
        if d is None:
            return
        goto = next((b for b in d.breaches if b.kind is BreachKind.GOTO and b.target is not None
                     and b.target_kind is TargetKind.END), None)
        sid = "Deadline_1"
        name = vocab.amount(Decimal(str(d.amount)), d.unit, self.lang)
        sub = El("bpmn:subProcess", [("id", sid), ("name", self._label(
            _words(self.lang, f"流程时限 {name}", f"Case deadline {name}"))), ("triggeredByEvent", "true")])
        st = sub.add("bpmn:startEvent", ("id", f"{sid}_start"),
                     ("isInterrupting", "true" if goto is not None else "false"))
        timer = st.add("bpmn:timerEventDefinition", ("id", f"{sid}_timer"))
        timer.add("bpmn:timeDuration", ("xsi:type", "bpmn:tFormalExpression"),
                  text=iso_duration(d.amount, d.unit))
        end = self.spec.end(goto.target) if goto is not None and goto.target is not None else None
        if end is not None:
            sub.children.append(self._end_el(f"{sid}_end", end))
        else:
            sub.add("bpmn:endEvent", ("id", f"{sid}_end"))
        sub.add("bpmn:sequenceFlow", ("id", f"{sid}_flow"), ("sourceRef", f"{sid}_start"),
                ("targetRef", f"{sid}_end"))
        self.subprocesses.append(sub)

    # ---------------------------------------------------------------- layout

    def _layout(self) -> tuple[list[tuple[str, float, float, float]], float]:
        """Place every node; return the lanes' bands (key, y, height) and the width."""
        plan = self.plan
        rows: dict[str, int] = {lane.key: 1 for lane in plan.lanes}
        for t in plan.order:
            key = plan.home.get(t.name.text, "")
            rows[key] = max(rows.get(key, 1), self.slot[t.name.text] + 1)
        extra_row = bool(self.subprocesses)
        bands: list[tuple[str, float, float, float]] = []
        y = 80.0
        tops: dict[str, float] = {}
        for lane in plan.lanes:
            h = rows[lane.key] * SLOT_H + (SLOT_H if extra_row and lane is plan.lanes[-1] else 0)
            tops[lane.key] = y
            bands.append((lane.key, y, h, 0))
            y += h
        last_col = max(self.cols.values(), default=0)
        name_of = {v: k for k, v in self.task_ids.items()}
        for n in self.nodes.values():
            if n.tag in ("userTask", "callActivity"):
                name = name_of[n.id]
                n.x = X0 + self.cols[name] * COL_W
                n.y = tops.get(n.lane, 80) + 35 + self.slot[name] * SLOT_H
        for n in self.nodes.values():
            top = tops.get(n.lane, 80)
            if n.id == "StartEvent_1":
                n.x, n.y = LANE_X + LANE_LABEL + 30, top + 35 + TASK_H / 2 - EV / 2
            elif n.id == "Init_1":
                n.x, n.y = LANE_X + LANE_LABEL + 100, top + 35 + TASK_H / 2 - n.h / 2
            elif n.tag not in ("userTask", "callActivity"):
                self._place_helper(n, last_col, top)
        width = X0 + (last_col + 2) * COL_W
        return bands, width

    def _place_helper(self, n: Node, last_col: int, top: float) -> None:
        num = n.id.split("_", 1)[1] if "_" in n.id else ""
        owner = self.nodes.get(f"Task_{num.split('_')[0]}")
        if n.tag == "endEvent":
            n.x, n.y = X0 + (last_col + 1) * COL_W + 60, top + 35 + TASK_H / 2 - EV / 2
            same = [o for o in self.nodes.values() if o.tag == "endEvent" and o.lane == n.lane
                    and o is not n and o.y and abs(o.x - n.x) < 1]
            n.y += len(same) * 60
            return
        if owner is None:
            return
        cx, cy = owner.x, owner.cy
        if n.attached is not None:
            siblings = [o for o in self.nodes.values() if o.attached == n.attached]
            k = siblings.index(n)
            n.x, n.y = owner.x + 14 + k * 44, owner.y + owner.h - EV / 2
        elif n.id.startswith("Join_"):
            n.x, n.y = cx - 85, cy - GW / 2
        elif n.id.startswith("Decide_") or any(f.source == owner.id and f.target == n.id
                                                for f in self.flows):
            n.x, n.y = cx + 135, cy - GW / 2
        elif n.id.startswith("Choice_"):
            n.x, n.y = cx + 135, cy + GW
        elif n.id.startswith("Auto_"):
            n.x, n.y = cx + 110, owner.y + owner.h + 10
        else:  # Cap_, Count_, Split_: one row per written route, fanned out
            k = int(n.id.rsplit("_", 1)[1])
            dy = (k - 1) * 34 - 40
            if n.id.startswith("Count_"):
                n.x, n.y = cx + 262, cy + dy - n.h / 2
            else:
                n.x, n.y = cx + 205, cy + dy - GW / 2

    def _waypoints(self, f: Flow) -> list[tuple[float, float]]:
        s, t = self.nodes.get(f.source), self.nodes.get(f.target)
        if s is None or t is None:
            return [(0, 0), (0, 0)]
        if s.attached is not None:
            sx, sy = s.cx, s.y + s.h
            return [(sx, sy), (sx, sy + 20), (t.cx, sy + 20), (t.cx, t.y + (t.h if t.y < sy else 0))]
        sx, sy = s.x + s.w, s.cy
        tx, ty = t.x, t.cy
        if tx > sx + 10:
            mid = sx + min(25.0, (tx - sx) / 2)
            if abs(ty - sy) < 1:
                return [(sx, sy), (tx, ty)]
            return [(sx, sy), (mid, sy), (mid, ty), (tx, ty)]
        low = max(s.y + s.h, t.y + t.h) + 12
        return [(sx, sy), (sx + 12, sy), (sx + 12, low), (t.cx, low), (t.cx, t.y + t.h)]

    # ---------------------------------------------------------------- the document

    def _document(self) -> str:
        spec, plan = self.spec, self.plan
        p = spec.process
        pid = "Process_1"
        defs = El("bpmn:definitions", [
            ("xmlns:bpmn", BPMN_NS), ("xmlns:bpmndi", BPMNDI_NS), ("xmlns:dc", DC_NS),
            ("xmlns:di", DI_NS), ("xmlns:xsi", XSI_NS), ("xmlns:camunda", CAMUNDA_NS),
            ("xmlns:zeebe", ZEEBE_NS), ("xmlns:procdsl", PROCDSL_NS),
            ("id", "Definitions_1"), ("targetNamespace", PROCDSL_NS + "/" + "process"),
            ("expressionLanguage", self.d.language), ("exporter", "procdsl"),
            ("exporterVersion", "0.1.0")])
        collab = defs.add("bpmn:collaboration", ("id", "Collaboration_1"))
        collab.add("bpmn:participant", ("id", "Participant_1"), ("name", self._label(p.label)),
                   ("processRef", pid))
        proc = defs.add("bpmn:process", ("id", pid), ("name", self._label(p.label)),
                        ("isExecutable", "true"))
        notice = header_text(spec.path)
        proc.add("bpmn:documentation", text=notice)
        pext = proc.add("bpmn:extensionElements")
        self._process_ext(pext)
        lane_set = proc.add("bpmn:laneSet", ("id", "LaneSet_1"))
        lane_ids: dict[str, str] = {}
        for i, lane in enumerate(plan.lanes, 1):
            lid = f"Lane_{i}"
            lane_ids[lane.key] = lid
            lel = lane_set.add("bpmn:lane", ("id", lid), ("name", self._label(self.role_title(lane.key))))
            lext = lel.add("bpmn:extensionElements")
            role = spec.role(lane.role) if lane.role is not None else None
            lext.add("procdsl:lane", ("key", lane.key), ("role", lane.role),
                     ("title", role.title if role is not None else None),
                     ("external", "true" if lane.external else None),
                     ("declared", "true" if lane.declared else None))
            for n in self.nodes.values():
                if n.lane == lane.key:
                    lel.add("bpmn:flowNodeRef", text=n.id)
        incoming: dict[str, list[str]] = {}
        outgoing: dict[str, list[str]] = {}
        for f in self.flows:
            outgoing.setdefault(f.source, []).append(f.id)
            incoming.setdefault(f.target, []).append(f.id)
        for n in self.nodes.values():
            el = n.el or El(f"bpmn:{n.tag}", [("id", n.id)] + ([("name", self._label(n.name))] if n.name else []))
            if n.tag == "scriptTask" and not any(c.tag == "bpmn:script" for c in el.children) \
                    and n.id == "Init_1":
                el.attrs.append(("scriptFormat", EXPRESSION_LANGUAGE))
                el.children.append(El("bpmn:script", text="\n".join(f"{c} = 0" for c in self.caps)))
            self._insert_flow_refs(el, incoming.get(n.id, []), outgoing.get(n.id, []))
            proc.children.append(el)
        for f in self.flows:
            fel = proc.add("bpmn:sequenceFlow", ("id", f.id), ("name", f.name),
                           ("sourceRef", f.source), ("targetRef", f.target))
            if f.ext:
                fext = fel.add("bpmn:extensionElements")
                fext.children.extend(f.ext)
            if f.condition is not None:
                fel.add("bpmn:conditionExpression", ("xsi:type", "bpmn:tFormalExpression"),
                        text=self.d.wrap(f.condition))
        proc.children.extend(self.subprocesses)
        for aid, text, of in self.annotations:
            ta = proc.add("bpmn:textAnnotation", ("id", aid))
            ta.add("bpmn:text", text=text)
            proc.add("bpmn:association", ("id", f"{aid}_link"), ("sourceRef", of), ("targetRef", aid))
        provenance = proc.add("bpmn:textAnnotation", ("id", "Annotation_source"))
        provenance.add("bpmn:text", text=notice)
        for sid, sname in self.signals:
            defs.add("bpmn:signal", ("id", sid), ("name", sname))
        self._diagram(defs, lane_ids)
        mark = xml_text(notice).replace("--", "- -").rstrip("-")
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f"<!-- {mark} -->\n"]
        defs.write(out, 0)
        return "".join(out)

    @staticmethod
    def _insert_flow_refs(el: El, incoming: list[str], outgoing: list[str]) -> None:
        refs = [El("bpmn:incoming", text=i) for i in incoming] + \
               [El("bpmn:outgoing", text=o) for o in outgoing]
        at = 0
        for i, child in enumerate(el.children):
            if child.tag in ("bpmn:documentation", "bpmn:extensionElements"):
                at = i + 1
        el.children[at:at] = refs

    def _process_ext(self, ext: El) -> None:
        p = self.spec.process
        ext.add("procdsl:process", ("name", p.name.text), ("title", p.title), ("version", p.version),
                ("owner", p.owner), ("lang", p.lang), ("purpose", p.purpose), ("scope", p.scope),
                ("calendar", p.calendar.text if p.calendar is not None else None),
                ("start", p.start.text if p.start is not None else None))
        head = ext.children[-1]
        for ref in p.references:
            head.add("procdsl:reference", text=ref)
        if p.description:
            head.attrs.append(("description", p.description))
        d = self.plan.deadline(ANYWHERE)
        if d is not None:
            self._deadline_ext(ext, d)
        for cal in self.spec.calendars:
            self._calendar_ext(ext, cal)
        for role in self.spec.roles:
            ext.add("procdsl:role", ("name", role.name.text), ("title", role.title),
                    ("external", "true" if role.external else None),
                    ("description", role.description))
        for f in self.spec.fields:
            ext.add("procdsl:field", ("name", f.name.text), ("type", self._type(f.type)),
                    ("required", "true" if f.required else None),
                    ("range", f"{f.low.value}..{f.high.value}"
                     if f.low is not None and f.high is not None else None),
                    ("title", f.description))
        for rule in self.spec.rules:
            rel = ext.add("procdsl:rule", ("name", rule.name.text), ("title", rule.title),
                          ("description", rule.description))
            for row in rule.rows:
                rel.add("procdsl:row", ("when", spec_expr(row.condition, self.lang)
                                        if row.condition is not None else None),
                        ("result", self._result(row.result)))
        w = p.withdraw
        if w is not None:
            ext.add("procdsl:withdraw", ("while", ",".join(s.text for s in w.steps)),
                    ("target", w.target.name.text))
        for c in p.cancels:
            ext.add("procdsl:cancel", ("roles", ",".join(r.text for r in c.roles)),
                    ("target", c.target.name.text))
        for a in p.actions:
            ext.add("procdsl:milestone", ("name", a.name.text), ("title", a.title),
                    ("mode", a.assignee.mode.value),
                    ("roles", ",".join(r.text for r in a.assignee.roles) or None),
                    ("while", ",".join(s.text for s in a.steps)))
        if self.source_text is not None:
            ext.add("procdsl:source", ("path", self.spec.path), text=self.source_text)

    def _word(self, terminal: str) -> str:
        from ..keywords import BY_TERMINAL

        k = BY_TERMINAL[terminal]
        return k.zh if self.lang == "zh" else k.en

    def _type(self, t: m.DataType) -> str:
        """Return a data type in the spec's syntax (``enum(a, b)``, ``list of text``)."""
        if t.kind is m.TypeKind.ENUM:
            return f"{self._word('ENUM')}({', '.join(v.text for v in t.values)})"
        if t.kind is m.TypeKind.LIST and t.item is not None:
            return f"{self._word('LIST')} {self._type(t.item)}"
        terminal = {m.TypeKind.BOOL: "BOOL", m.TypeKind.INT: "INT", m.TypeKind.DECIMAL: "DECIMAL",
                    m.TypeKind.MONEY: "MONEY", m.TypeKind.TEXT: "TEXT",
                    m.TypeKind.DATE: "DATE_TYPE"}[t.kind]
        return self._word(terminal)

    def _result(self, r: m.RuleResult) -> str:
        if r.kind is m.ResultKind.VALUE and r.value is not None:
            return vocab.literal(r.value, self.lang, as_written=True)
        return f" {self._word('THEN')} ".join(n.text for n in r.names)

    def _calendar_ext(self, ext: El, cal: m.Calendar) -> None:
        el = ext.add("procdsl:calendar", ("name", cal.name.text), ("title", cal.title),
                     ("timezone", cal.timezone.text if cal.timezone is not None else None),
                     ("description", cal.description))
        if cal.workdays:
            el.add("procdsl:workdays", text=", ".join(
                d.first.text + (f"..{d.last.text}" if d.last is not None else "") for d in cal.workdays))
        if cal.hours:
            el.add("procdsl:hours", text=", ".join(
                f"{h.start // 60:02d}:{h.start % 60:02d}-{h.end // 60:02d}:{h.end % 60:02d}"
                for h in cal.hours))
        for tag, spans in (("holidays", cal.holidays), ("makeup", cal.makeup_days)):
            if spans:
                el.add(f"procdsl:{tag}", text=", ".join(
                    d.first + (f"..{d.last}" if d.last != d.first else "") for d in spans))

    def _diagram(self, defs: El, lane_ids: dict[str, str]) -> None:
        bands, width = self._layout()
        di = defs.add("bpmndi:BPMNDiagram", ("id", "Diagram_1"))
        plane = di.add("bpmndi:BPMNPlane", ("id", "Plane_1"), ("bpmnElement", "Collaboration_1"))
        total = sum(h for _, _, h, _ in bands) or SLOT_H
        self._shape(plane, "Participant_1", LANE_X - LANE_LABEL, 80, width - LANE_X + LANE_LABEL, total,
                    horizontal=True)
        for key, y, h, _ in bands:
            self._shape(plane, lane_ids[key], LANE_X, y, width - LANE_X, h, horizontal=True)
        for n in self.nodes.values():
            self._shape(plane, n.id, n.x, n.y, n.w, n.h)
        for f in self.flows:
            edge = plane.add("bpmndi:BPMNEdge", ("id", f"{f.id}_di"), ("bpmnElement", f.id))
            for x, y in self._waypoints(f):
                edge.add("di:waypoint", ("x", _num(x)), ("y", _num(y)))
        if self.subprocesses:
            key, y, h, _ = bands[-1]
            for i, sub in enumerate(self.subprocesses, 1):
                sid = dict(sub.attrs)["id"]
                sx, sy = X0 + (i - 1) * 260, y + h - SLOT_H + 20
                self._shape(plane, sid, sx, sy, 220, 110, expanded=True)
                self._shape(plane, f"{sid}_start", sx + 30, sy + 37, EV, EV)
                self._shape(plane, f"{sid}_end", sx + 160, sy + 37, EV, EV)
                edge = plane.add("bpmndi:BPMNEdge", ("id", f"{sid}_flow_di"),
                                 ("bpmnElement", f"{sid}_flow"))
                edge.add("di:waypoint", ("x", _num(sx + 30 + EV)), ("y", _num(sy + 55)))
                edge.add("di:waypoint", ("x", _num(sx + 160)), ("y", _num(sy + 55)))
        for aid, _text, of in self.annotations:
            owner = self.nodes[of]
            self._shape(plane, aid, owner.x + 20, owner.y - 30, 160, 26)
            edge = plane.add("bpmndi:BPMNEdge", ("id", f"{aid}_link_di"), ("bpmnElement", f"{aid}_link"))
            edge.add("di:waypoint", ("x", _num(owner.cx)), ("y", _num(owner.y)))
            edge.add("di:waypoint", ("x", _num(owner.x + 40)), ("y", _num(owner.y - 4)))
        self._shape(plane, "Annotation_source", LANE_X - LANE_LABEL, 20, 420, 40)

    @staticmethod
    def _shape(plane: El, element: str, x: float, y: float, w: float, h: float,
               horizontal: bool = False, expanded: bool = False) -> None:
        shape = plane.add("bpmndi:BPMNShape", ("id", f"{element}_di"), ("bpmnElement", element),
                          ("isHorizontal", "true" if horizontal else None),
                          ("isExpanded", "true" if expanded else None))
        shape.add("dc:Bounds", ("x", _num(x)), ("y", _num(y)), ("width", _num(w)), ("height", _num(h)))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def emit_bpmn(spec: m.Spec, lang: str | None = None, source_text: str | None = None,
              dialect: str = "python") -> str:
    """Return the spec's BPMN 2.0 XML; ``source_text`` (the spec as written) is carried in
    ``procdsl:source`` so that ``import-bpmn`` gives back the spec exactly.  ``dialect``:
    ``python`` (conditions and scripts in Python: SpiffWorkflow) or ``zeebe`` (FEEL and the
    zeebe elements: Camunda 8)."""
    return BpmnEmitter(spec, lang or spec.lang, source_text, dialect).build()
