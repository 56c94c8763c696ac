"""The Python emitter: one readable, typed module per spec, run by ``procdsl.runtime``.

The module holds enums for steps, actions and ends, a data class for the case fields,
one small guard function per condition (compiled from the model, never from spec text)
and the declarative tables the runtime executes.  User text reaches the code only
through ``repr()``; identifiers come from ``Namer``; every name the generator invents
at module level starts with an underscore or is one of ``Step``, ``Action``, ``End``,
``Data``, ``PROCESS``, ``WORKFLOW``, so it never meets a user name (those live inside
the enums and the data class).
"""

from __future__ import annotations

import datetime as _dt
import keyword
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from .. import model as m
from ..keywords import WEEKDAYS
from ..kinds import Way
from ..plan import ANYWHERE, Plan, PlanDeadline, PlanRoute, plan_of
from . import header_text
from .jinja import packaged_environment

WIDTH = 100
# How tightly each operator binds (Python's order): parentheses only where needed.
_NOT, _COMPARE, _NEGATIVE, _ATOM = 3, 4, 7, 8
_LEVELS = {"or": 1, "and": 2, "+": 5, "-": 5, "*": 6, "/": 6}
_TYPES = {m.TypeKind.BOOL: ("bool", "False"), m.TypeKind.INT: ("int", "0"),
          m.TypeKind.DECIMAL: ("_decimal.Decimal", "_decimal.Decimal(0)"),
          m.TypeKind.MONEY: ("_decimal.Decimal", "_decimal.Decimal(0)"),
          m.TypeKind.TEXT: ("str", "''"), m.TypeKind.DATE: ("_datetime.date", "_datetime.date.min")}
_SHADOWED = frozenset({"bool", "int", "str", "list", "print"})
_ENUM_RESERVED = frozenset({"name", "value", "mro"})


class Namer:
    """Makes Python identifiers from spec names: valid, not keywords, never colliding."""

    def __init__(self, reserved: frozenset[str] = frozenset()) -> None:
        self._taken: set[str] = set(reserved)
        self._made: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        """Return the identifier for name (the same one every time it is asked)."""
        if name in self._made:
            return self._made[name]
        base = name
        if not (name.isidentifier() and _nfkc_stable(name)) or name.startswith("_"):
            base = "n_" + "".join(c if c == "_" or (c.isalnum() and _nfkc_stable(c))
                                  else f"x{ord(c):x}" for c in name)
        if keyword.iskeyword(base) or keyword.issoftkeyword(base) or base in self._taken:
            base += "_"
        ident, n = base, 2
        while ident in self._taken:
            ident, n = f"{base}{n}", n + 1
        self._taken.add(ident)
        self._made[name] = ident
        return ident


def _nfkc_stable(text: str) -> bool:
    return unicodedata.normalize("NFKC", text) == text


# ------------------------------------------------------------------ layout


def _width(text: str) -> int:
    if text.isascii():  # no ASCII character is wide: the common case costs one C call
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fits(text: str, limit: int = WIDTH) -> bool:
    """Return _width(text) <= limit, without measuring text when its length decides."""
    size = len(text)  # each character is 1 or 2 columns: size <= width <= 2 * size
    if size > limit:
        return False
    return 2 * size <= limit or _width(text) <= limit


@dataclass
class Call:
    """A call (or a tuple when ``func`` is empty) laid out on one line or one per line."""

    func: str
    args: list[Call | str] = field(default_factory=list)
    comment: str = ""
    prefix: str = ""


def kw(name: str, node: Call | str) -> Call | str:
    """Return node as the keyword argument name=node."""
    if isinstance(node, str):
        return f"{name}={node}"
    return Call(node.func, node.args, node.comment, f"{name}=")


def tup(items: Sequence[Call | str]) -> Call:
    """Return a tuple node."""
    return Call("", list(items))


def opt(items: Sequence[Call | str]) -> Call | None:
    """Return a tuple node, or None when there are no items (the argument is left out)."""
    return tup(items) if items else None


def call(func: str, *args: Call | str, **options: Call | str | None) -> Call:
    """Return a call node; options that are None are left out."""
    return Call(func, [*args, *(kw(k, v) for k, v in options.items() if v is not None)])


def render(node: Call | str, indent: int, tail: str = "") -> list[str]:
    """Return the lines of node at indent, one line when it fits in WIDTH."""
    lines: list[str] = []
    _render(node, indent, tail, None, lines)
    return lines


def _render(node: Call | str, indent: int, tail: str, commented: bool | None,
            lines: list[str]) -> None:
    """Append render(node, indent, tail) to lines; commented is _commented(node) if known."""
    pad = " " * indent
    if isinstance(node, str):
        lines.append(pad + node + tail)
        return
    if node.comment:
        lines.append(pad + "# " + node.comment)
    if commented is None:
        commented = _commented(node)
    if not commented:
        # A line is never narrower than it is long: stop building it past WIDTH.
        flat = _flat_within(node, WIDTH - len(pad) - len(tail))
        if flat is not None and _fits(pad + flat + tail):
            lines.append(pad + flat + tail)
            return
    lines.append(pad + node.prefix + node.func + "(")
    for arg in node.args:  # no comment below node: none below its arguments either
        _render(arg, indent + 4, ",", None if commented else False, lines)
    lines.append(pad + ")" + tail)


def _commented(node: Call) -> bool:
    # A loop, not any() over a generator (twice as slow): this runs for most nodes.
    for arg in node.args:  # noqa: SIM110
        if isinstance(arg, Call) and (arg.comment or _commented(arg)):
            return True
    return False


def _flat(node: Call | str) -> str:
    if isinstance(node, str):
        return node
    inner = ", ".join(_flat(a) for a in node.args)
    if not node.func and len(node.args) == 1:
        inner += ","
    return f"{node.prefix}{node.func}({inner})"


def _flat_within(node: Call | str, room: int) -> str | None:
    """Return _flat(node) when it is at most room characters long, else None (early)."""
    if isinstance(node, str):
        return node if len(node) <= room else None
    left = room - len(node.prefix) - len(node.func) - 2  # what the arguments may take
    parts: list[str] = []
    for arg in node.args:
        part = _flat_within(arg, left)
        if part is None:
            return None
        parts.append(part)
        left -= len(part) + 2  # and the ", " before the next one
    inner = ", ".join(parts)
    if not node.func and len(node.args) == 1:
        inner += ","
    flat = f"{node.prefix}{node.func}({inner})"
    return flat if len(flat) <= room else None


# ------------------------------------------------------------------ conditions


class Guards:
    """Compiles conditions into module-level guard functions over ``Data``."""

    def __init__(self, spec: m.Spec, attrs: dict[str, str], source: str) -> None:
        self.spec, self.attrs, self.source = spec, attrs, source
        self.functions: list[dict[str, Any]] = []
        self.constants: dict[str, str] = {}  # Decimal source -> module constant, first use first
        self.constant_names: set[str] = set()
        self.count = 0

    def number(self, value: object) -> str:
        """Return the module constant holding ``Decimal(str(value))``, made once at import
        (building a Decimal in the guard cost each call ~100 ns; comparing a Decimal field
        with an int ~20 ns more than with a Decimal)."""
        text = str(value)
        source = f"_decimal.Decimal({text!r})"
        name = self.constants.get(source)
        if name is None:
            name = "_D" + text.replace("-", "M").replace(".", "_").replace("+", "")
            if not name.isidentifier() or not name.isascii() or name in self.constant_names:
                name = f"_D_{len(self.constants) + 1}"
            self.constants[source] = name
            self.constant_names.add(name)
        return name

    def add(self, expr: m.Expr, about: str) -> str:
        """Return the name of a new guard function for expr (about: a comment)."""
        self.count += 1
        name = f"_guard_{self.count}"
        body = self.expr(expr, top=True)
        lines = render(Call("return ", [body]) if not _fits(body, WIDTH - 12)
                       else f"return {body}", 4)
        self.functions.append({"name": name, "body": lines,
                               "comment": f"{about}, from {self.source}:{expr.span.line}"})
        return name

    def expr(self, e: m.Expr, top: bool = False, outer: int = 0, right: bool = False) -> str:
        """Return Python source for e, parenthesised only where the operator inside binds
        less tightly than ``outer`` (or as tightly, on the right or in a comparison)."""
        text, needs_bool, level = self._expr(e)
        if top:
            return f"bool({text})" if needs_bool else text
        if level < outer or (level == outer and (right or level == _COMPARE)):
            return f"({text})"
        return text

    def _expr(self, e: m.Expr) -> tuple[str, bool, int]:
        """Return (source, whether bool() must wrap it at the top, its binding level)."""
        match e:
            case m.Literal() if e.kind is m.LiteralKind.DECIMAL:
                return self.number(e.value), True, _ATOM
            case m.Literal():
                return _literal(e), True, _ATOM
            case m.FieldRef():
                f = self.spec.field(e.name.text)
                is_bool = f is not None and f.type.kind is m.TypeKind.BOOL
                return f"d.{self.attrs[e.name.text]}", not is_bool, _ATOM
            case m.EnumValue():
                return repr(e.name.text), True, _ATOM
            case m.Not():
                return f"not {self.expr(e.operand, outer=_NOT)}", False, _NOT
            case m.BoolOp():
                level = _LEVELS[e.op]
                joined = f" {e.op} ".join(self.expr(x, outer=level) for x in e.operands)
                return joined, any(self._expr(x)[1] for x in e.operands), level
            case m.Compare():
                left, right = self._operand(e.left, e.right), self._operand(e.right, e.left)
                return f"{left} {e.op} {right}", False, _COMPARE
            case m.Member():
                items = ", ".join(self.expr(x) for x in e.items)
                items += "," if len(e.items) == 1 else ""
                word = "not in" if e.negated else "in"
                operand = self.expr(e.operand, outer=_COMPARE)
                return f"{operand} {word} ({items})", False, _COMPARE
            case m.Arith():
                level = _LEVELS[e.op]
                left = self.expr(e.left, outer=level)
                return f"{left} {e.op} {self.expr(e.right, outer=level, right=True)}", True, level
            case m.Negative():
                return f"-{self.expr(e.operand, outer=_NEGATIVE)}", True, _NEGATIVE
        raise TypeError(f"not a condition: {type(e).__name__}")

    def _operand(self, e: m.Expr, other: m.Expr) -> str:
        """Return one side of a comparison; a whole number compared with a decimal or money
        field becomes a Decimal constant (same result, half the cost of a mixed compare)."""
        if (isinstance(e, m.Literal) and e.kind is m.LiteralKind.INT
                and isinstance(other, m.FieldRef)
                and (f := self.spec.field(other.name.text)) is not None
                and f.type.kind in (m.TypeKind.DECIMAL, m.TypeKind.MONEY)):
            return self.number(e.value)
        return self.expr(e, outer=_COMPARE)


def _literal(lit: m.Literal) -> str:
    value = lit.value
    if isinstance(value, _dt.date):
        return f"_datetime.date.fromisoformat({value.isoformat()!r})"
    return repr(value)


# ------------------------------------------------------------------ the module


class PythonEmitter:
    """Builds the module text for one spec."""

    def __init__(self, spec: m.Spec, lang: str) -> None:
        self.spec, self.lang = spec, lang
        self.plan: Plan = plan_of(spec)  # routes, blocks and deadlines come from here
        self.source = _comment_safe(PurePath(spec.path).name)
        self.field_names = Namer(_SHADOWED)
        self.attrs = {f.name.text: self.field_names(f.name.text) for f in spec.fields}
        self.guards = Guards(spec, self.attrs, self.source)

    def emit(self) -> str:
        """Return the whole module."""
        tables = render(self.process_table(), 0)
        fields = [line for f in self.spec.fields for line in render(self.field_line(f), 4)]
        enums = self.enums()
        constants = [f"{name} = {source}" for source, name in self.guards.constants.items()]
        used = "\n".join([*tables, *fields, *constants])
        proc = self.spec.process
        doc = f"{proc.name.text}: {proc.label}" + (f" (version {proc.version})"
                                                   if proc.version else "")
        env = packaged_environment("python")
        text = env.get_template("module.py.j2").render(
            lang="zh" if self.lang == "zh" else "en", doc=repr(doc),
            notice=_split_notice(_comment_safe(header_text(self.spec.path))),
            imports=[mod for mod in ("dataclasses", "datetime", "decimal", "enum", "typing")
                     if mod in ("dataclasses", "enum") or f"_{mod}." in used],
            enums=enums, fields=fields, constants=constants, guards=self.guards.functions,
            tables=tables)
        return "".join([_fit(line) for line in text.splitlines(keepends=True)])

    def enums(self) -> list[dict[str, Any]]:
        """Return the Step, Action and End enums: class name and member lines."""
        spec = self.spec
        actions = [m.COMPLETE, *m.STANDARD_OUTCOMES]
        for task in spec.tasks:
            actions += [a for a in task.actions if a not in actions]
        out = []
        for cls, names in (("Step", [t.name.text for t in spec.tasks]), ("Action", actions),
                           ("End", [e.name.text for e in spec.ends])):
            namer = Namer(_ENUM_RESERVED)
            lines = []
            for name in dict.fromkeys(names):
                member = name.upper() if cls == "Action" and name in actions[:4] else name
                lines += render(f"{namer(member)} = {name!r}", 4)
            out.append({"cls": cls, "lines": lines})
        return out

    def field_line(self, f: m.Field) -> str:
        """Return the data class line of a field."""
        annotation, default = _field_type(f.type)
        return f"{self.attrs[f.name.text]}: {annotation} = {default}"

    def process_table(self) -> Call:
        """Return the ``PROCESS = ProcessDef(...)`` node."""
        spec, proc = self.spec, self.spec.process
        start = spec.start_task
        calendar = spec.process_calendar
        withdraws = [r for r in self.plan.routes if r.kind is Way.WITHDRAW and r.to]
        cancels = [r for r in self.plan.routes if r.kind is Way.CANCEL and r.to]
        case_deadline = self.plan.deadline(ANYWHERE)
        return call(
            "PROCESS = _rt.ProcessDef", name=repr(proc.name.text), version=repr(proc.version or ""),
            start=repr(start.name.text if start else ""),
            tasks=tup([self.task(t) for t in spec.tasks]),
            ends=tup([f"_rt.EndDef({e.name.text!r}, {e.success})" for e in spec.ends]),
            fields=opt([self.field_def(f) for f in spec.fields]),
            rules=opt([self.rule(r) for r in spec.rules]),
            calendar=_calendar(calendar) if calendar else None,
            sla=_sla(case_deadline) if case_deadline else None, blocks=opt(self.blocks()),
            withdraw=call("_rt.Withdraw", _names(tuple(r.source for r in withdraws)),
                          _go(withdraws[0].to)) if withdraws and withdraws[0].to else None,
            cancels=opt([call("_rt.CancelDef", _names(r.roles), _go(r.to))
                         for r in cancels if r.to is not None]),
            milestones=opt([call("_rt.Milestone", repr(a.name.text), _approvers(a.assignee),
                                 _names(a.steps)) for a in proc.actions]),
            return_cap=None if proc.return_cap is None else str(proc.return_cap),
            lang=repr("zh") if self.lang == "zh" else None)

    def task(self, task: m.Task) -> Call:
        """Return the TaskDef node of a task."""
        kind = "_rt.APPROVAL" if task.kind is m.TaskKind.APPROVAL else "_rt.STEP"
        notify = {when: tuple(r for n in task.notifies if n.when is when for r in n.roles)
                  for when in m.NotifyWhen}
        return call(
            "_rt.TaskDef", repr(task.name.text), kind,
            routes=tup([self.route(task, group) for group in self.written(task).values()]),
            assignee=_approvers(task.assignee) if task.assignee else None,
            exclusions=opt([f"_rt.Exclusion({x.step.text if x.step else None!r})"
                            for x in task.exclusions]),
            extras=opt([call("_rt.Extra", self.guards.add(x.condition, f"{task.name.text} also by"),
                             _names(x.roles)) for x in task.extra_approvers]),
            sla=_sla(deadline) if (deadline := self.plan.deadline(task.name.text)) else None,
            notify_enter=_names(notify[m.NotifyWhen.ENTER]) if notify[m.NotifyWhen.ENTER] else None,
            notify_leave=_names(notify[m.NotifyWhen.LEAVE]) if notify[m.NotifyWhen.LEAVE] else None,
            join=f"_rt.JoinKind.{task.join.kind.name}" if task.join else None,
            for_each=self.for_each(task, task.for_each) if task.for_each else None,
            call=repr(task.call.text) if task.call else None,
            on_empty=_on_empty(task.on_empty) if task.on_empty else None,
            dedupe="True" if task.dedupe else None,
            to_returner="True" if task.to_returner else None,
            allows=opt([_allow(a) for a in task.allows]))

    def written(self, task: m.Task) -> dict[int, list[PlanRoute]]:
        """Return the plan's routes from task by the written route they come from."""
        groups: dict[int, list[PlanRoute]] = {}
        for r in self.plan.routes_from(task.name.text):
            if r.index >= 0:
                groups.setdefault(r.index, []).append(r)
        return groups

    def route(self, task: m.Task, group: list[PlanRoute]) -> Call:
        """Return the RouteDef node of one written route (its plan routes), with its line."""
        first = group[0]
        targets = [r for r in group if r.kind is not Way.CAP and r.to is not None]
        then = next((r.to for r in group if r.kind is Way.CAP), None)
        cap, cond = first.cap, first.condition
        line = first.route.span.line if first.route is not None else 0
        otherwise = first.kind is Way.OTHERWISE or (first.kind is Way.ALSO and cond is None)
        node = call(
            "_rt.RouteDef", repr(first.action),
            tup([_go(r.to) for r in targets if r.to is not None]),
            guard=self.guards.add(cond, task.name.text) if cond is not None else None,
            otherwise="True" if otherwise else None,
            split=f"_rt.Split.{first.split.name}" if first.split is not m.Split.ONE else None,
            inclusive="True" if first.kind is Way.ALSO and cond is not None else None,
            cap_times=str(cap.times) if cap else None,
            cap_then=_go(then) if then is not None else None, line=str(line),
            rule=repr(first.route.rule.text) if first.route is not None and
            first.route.rule is not None else None)
        node.comment = f"from {self.source}:{line}"
        return node

    def for_each(self, task: m.Task, each: m.ForEach) -> Call:
        """Return the ForEachDef node."""
        until = self.guards.add(each.until, f"{task.name.text} until") if each.until else None
        return call("_rt.ForEachDef", repr(each.list_field.text),
                    sequential="True" if each.sequential else None,
                    until_count=None if each.until_count is None else str(each.until_count),
                    until=until)

    def rule(self, rule: m.Rule) -> Call:
        """Return the RuleDef node (approver chains, or the task a routing rule names;
        values choose nobody)."""
        rows: list[Call | str] = []
        for row in rule.rows:
            guard = "None" if row.condition is None else self.guards.add(
                row.condition, f"rule {rule.name.text}")
            roles = row.result.names if row.result.kind in (m.ResultKind.ROLES,
                                                           m.ResultKind.STEP) else ()
            rows.append(tup([guard, _names(roles)]))
        return call("_rt.RuleDef", repr(rule.name.text), tup(rows))

    def field_def(self, f: m.Field) -> Call:
        """Return the FieldDef node of a data field."""
        t = f.type
        values = t.values or (t.item.values if t.item is not None else ())
        return call("_rt.FieldDef", repr(f.name.text), repr(self.attrs[f.name.text]),
                    repr(t.kind.value), item=repr(t.item.kind.value) if t.item else None,
                    values=_names(values) if values else None,
                    required="True" if f.required else None,
                    low=_bound(f.low, t.kind), high=_bound(f.high, t.kind))

    def blocks(self) -> list[Call | str]:
        """Return the BlockDef nodes of the plan's parallel and multi-choice blocks."""
        out: list[Call | str] = []
        for block in self.plan.blocks:
            members = call("frozenset", tup([repr(n) for n in sorted(block.members)]))
            out.append(call("_rt.BlockDef", repr(block.split), repr(block.index),
                            repr(block.join), members))
        return out


def _split_notice(notice: str) -> list[str]:
    head, _, rest = notice.partition("; ")
    return [f"{head};", rest] if rest and not _fits(notice, WIDTH - 2) else [notice]


def _fit(line: str) -> str:
    """Return line, marked for the linter when a long name or text cannot be wrapped."""
    if 2 * len(line) <= WIDTH:  # most lines: short enough whatever their characters
        return line
    body = line.rstrip("\n")
    if _fits(body):
        return line
    return body + "  # noqa: E501" + line[len(body):]


def _comment_safe(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def _names(names: tuple[m.Name, ...] | tuple[str, ...]) -> Call:
    return tup([repr(n if isinstance(n, str) else n.text) for n in names])


def _go(target: m.Target) -> str:
    kind = "end" if target.kind is m.TargetKind.END else "step"
    return f"_rt.{kind}({target.name.text!r})"


def _approvers(who: m.Assignee) -> Call:
    return call("_rt.Approvers", f"_rt.AssigneeMode.{who.mode.name}", _names(who.roles),
                count=None if who.count is None else str(who.count),
                rule=repr(who.rule.text) if who.rule else None,
                level=None if who.level is None else str(who.level),
                field=repr(who.field.text) if who.field else None)


def _on_empty(e: m.EmptyApprover) -> str:
    role = f", {e.role.text!r}" if e.role is not None else ""
    return f"_rt.EmptyDef(_rt.EmptyKind.{e.kind.name}{role})"


def _allow(a: m.Allow) -> Call:
    return call("_rt.AllowDef", tup([f"_rt.Permission.{p.name}" for p in a.permissions]),
                *([_names(a.roles)] if a.roles else []))


def _span(d: m.Duration) -> str:
    return f"_rt.Span(_decimal.Decimal({str(d.amount)!r}), _rt.TimeUnit.{d.unit.name})"


def _sla(deadline: PlanDeadline) -> Call:
    reminders: list[Call | str] = [_reminder(r) for r in deadline.reminders]
    breaches: list[Call | str] = [
        call("_rt.BreachDef", f"_rt.BreachKind.{b.kind.name}", *([_names(b.roles)] if b.roles else []),
             target=_go(b.breach.target) if b.breach.target else None)
        for b in deadline.breaches]
    return call("_rt.SlaDef", _span(deadline.limit), reminders=opt(reminders),
                breaches=opt(breaches))


def _reminder(r: m.Reminder) -> str:
    if r.before is not None:
        return f"_rt.Reminder(before={_span(r.before)})"
    return f"_rt.Reminder(percent=_decimal.Decimal({str(r.percent or 0)!r}))"


def _calendar(c: m.Calendar) -> Call:
    days: list[int] = []
    for span in c.workdays:
        first = WEEKDAYS.get(span.first.text.lower(), 0)
        last = WEEKDAYS.get(span.last.text.lower(), 0) if span.last else first
        day = first
        while first and last and day not in days:
            days.append(day)
            day = day % 7 + 1 if day != last else day
    return call(
        "_rt.CalendarDef", workdays=tup([str(d) for d in sorted(days)]),
        hours=opt([f"({h.start}, {h.end})" for h in c.hours]),
        holidays=opt([repr(d.isoformat()) for s in c.holidays for d in s.dates()]),
        makeup_days=opt([repr(d.isoformat()) for s in c.makeup_days for d in s.dates()]),
        timezone=repr(c.timezone.text) if c.timezone else None)


def _bound(b: m.Bound | None, kind: m.TypeKind) -> str | None:
    """Return a range bound as the field's values are: int, Decimal or date."""
    if b is None:
        return None
    if isinstance(b.value, _dt.date):
        return f"_datetime.date({b.value.year}, {b.value.month}, {b.value.day})"
    if kind in (m.TypeKind.DECIMAL, m.TypeKind.MONEY):
        return f"_decimal.Decimal({str(b.value)!r})"
    return repr(b.value)


def _field_type(t: m.DataType) -> tuple[str, str]:
    if t.kind is m.TypeKind.ENUM:
        values = ", ".join(repr(v.text) for v in t.values)
        return f"_typing.Literal[{values}]", repr(t.values[0].text) if t.values else "''"
    if t.kind is m.TypeKind.LIST:
        inner = _field_type(t.item)[0] if t.item is not None else "str"
        return f"list[{inner}]", "_dataclasses.field(default_factory=list)"
    return _TYPES[t.kind]


def emit_python(spec: m.Spec, *, lang: str) -> str:
    """Return the Python module for spec: enums, data class, guards and tables."""
    return PythonEmitter(spec, lang).emit()
