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

from .. import model as m
from ..flow import parallel_blocks
from ..keywords import WEEKDAYS
from . import header_text

WIDTH = 100
_OPS = {"and": "and", "or": "or"}
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
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


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


def render(node: Call | str, indent: int, tail: str = "") -> list[str]:
    """Return the lines of node at indent, one line when it fits in WIDTH."""
    pad = " " * indent
    if isinstance(node, str):
        return [pad + node + tail]
    lines = [pad + "# " + node.comment] if node.comment else []
    flat = _flat(node)
    if not _commented(node) and _width(pad + flat + tail) <= WIDTH:
        return lines + [pad + flat + tail]
    lines.append(pad + node.prefix + node.func + "(")
    for arg in node.args:
        lines.extend(render(arg, indent + 4, ","))
    lines.append(pad + ")" + tail)
    return lines


def _commented(node: Call) -> bool:
    return any(isinstance(a, Call) and (a.comment or _commented(a)) for a in node.args)


def _flat(node: Call | str) -> str:
    if isinstance(node, str):
        return node
    inner = ", ".join(_flat(a) for a in node.args)
    if not node.func and len(node.args) == 1:
        inner += ","
    return f"{node.prefix}{node.func}({inner})"


# ------------------------------------------------------------------ conditions


class Guards:
    """Compiles conditions into module-level guard functions over ``Data``."""

    def __init__(self, spec: m.Spec, attrs: dict[str, str], source: str) -> None:
        self.spec, self.attrs, self.source = spec, attrs, source
        self.lines: list[str] = []
        self.count = 0

    def add(self, expr: m.Expr, about: str) -> str:
        """Return the name of a new guard function for expr (about: a comment)."""
        self.count += 1
        name = f"_guard_{self.count}"
        body = self.expr(expr, top=True)
        self.lines += ["", "", f"def {name}(d: Data) -> bool:",
                       f"    # {about}, from {self.source}:{expr.span.line}"]
        self.lines += render(Call("return ", [body]) if _width(body) > WIDTH - 12
                             else f"return {body}", 4)
        return name

    def expr(self, e: m.Expr, top: bool = False) -> str:
        """Return Python source for e (parenthesised unless top)."""
        text, needs_bool = self._expr(e)
        if top:
            return f"bool({text})" if needs_bool else _strip(text)
        return text

    def _expr(self, e: m.Expr) -> tuple[str, bool]:
        match e:
            case m.Literal():
                return _literal(e), True
            case m.FieldRef():
                f = self.spec.field(e.name.text)
                is_bool = f is not None and f.type.kind is m.TypeKind.BOOL
                return f"d.{self.attrs[e.name.text]}", not is_bool
            case m.EnumValue():
                return repr(e.name.text), True
            case m.Not():
                return f"(not {self.expr(e.operand)})", False
            case m.BoolOp():
                joined = f" {_OPS[e.op]} ".join(self.expr(x) for x in e.operands)
                return f"({joined})", any(self._expr(x)[1] for x in e.operands)
            case m.Compare():
                return f"({self.expr(e.left)} {e.op} {self.expr(e.right)})", False
            case m.Member():
                items = ", ".join(self.expr(x) for x in e.items)
                items += "," if len(e.items) == 1 else ""
                word = "not in" if e.negated else "in"
                return f"({self.expr(e.operand)} {word} ({items}))", False
            case m.Arith():
                return f"({self.expr(e.left)} {e.op} {self.expr(e.right)})", True
            case m.Negative():
                return f"(-{self.expr(e.operand)})", True
        raise TypeError(f"not a condition: {type(e).__name__}")


def _strip(text: str) -> str:
    return text[1:-1] if text.startswith("(") and text.endswith(")") and _balanced(text) else text


def _balanced(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _literal(lit: m.Literal) -> str:
    value = lit.value
    if lit.kind is m.LiteralKind.DECIMAL:
        return f"_decimal.Decimal({str(value)!r})"
    if isinstance(value, _dt.date):
        return f"_datetime.date.fromisoformat({value.isoformat()!r})"
    return repr(value)


# ------------------------------------------------------------------ the module


class PythonEmitter:
    """Builds the module text for one spec."""

    def __init__(self, spec: m.Spec, lang: str) -> None:
        self.spec, self.lang = spec, lang
        self.source = _comment_safe(PurePath(spec.path).name)
        self.field_names = Namer(_SHADOWED)
        self.attrs = {f.name.text: self.field_names(f.name.text) for f in spec.fields}
        self.guards = Guards(spec, self.attrs, self.source)

    def emit(self) -> str:
        """Return the whole module."""
        tables = self.process_table()
        parts = [self.head(), self.enums(), self.data_class(), "\n".join(self.guards.lines),
                 "", "", *render(tables, 0, ""), "",
                 "WORKFLOW: _rt.Workflow[Data] = _rt.Workflow(PROCESS, Data)"]
        text = "\n".join(parts).rstrip("\n") + "\n"
        return _imports(text)

    def head(self) -> str:
        """Return the notice, docstring and import placeholder."""
        notice = _comment_safe(header_text(self.spec.path))
        proc = self.spec.process
        doc = f"{proc.name.text}: {proc.label}" + (f" (version {proc.version})"
                                                   if proc.version else "")
        notes = [f"# {part}" for part in _split_notice(notice)]
        return "\n".join([*notes, repr(doc), "", "from __future__ import annotations",
                          "", "@IMPORTS@", "", "from procdsl import runtime as _rt"])

    def enums(self) -> str:
        """Return the Step, Action and End enums."""
        spec = self.spec
        actions = [m.COMPLETE, *m.STANDARD_OUTCOMES]
        for task in spec.tasks:
            actions += [a for a in task.actions if a not in actions]
        out: list[str] = []
        for cls, doc, names in (
                ("Step", "The steps and approvals, in spec order.",
                 [t.name.text for t in spec.tasks]),
                ("Action", "What an actor can do on a step.", actions),
                ("End", "The ends of the process.", [e.name.text for e in spec.ends])):
            namer = Namer(_ENUM_RESERVED)
            out += ["", "", f"class {cls}(_enum.Enum):", f'    """{doc}"""', ""]
            for name in dict.fromkeys(names):
                member = name.upper() if cls == "Action" and name in actions[:4] else name
                out += render(f"{namer(member)} = {name!r}", 4)
        return "\n".join(out)

    def data_class(self) -> str:
        """Return the typed data class for the case fields."""
        out = ["", "", "@_dataclasses.dataclass(slots=True)", "class Data:",
               '    """The case fields the conditions read."""', ""]
        if not self.spec.fields:
            out.append("    pass")
        for f in self.spec.fields:
            annotation, default = _field_type(f.type)
            out += render(f"{self.attrs[f.name.text]}: {annotation} = {default}", 4)
        return "\n".join(out)

    def process_table(self) -> Call:
        """Return the ``PROCESS = ProcessDef(...)`` node."""
        spec, proc = self.spec, self.spec.process
        start = spec.start_task
        args: list[Call | str] = [
            f"name={proc.name.text!r}", f"version={proc.version or ''!r}",
            f"start={start.name.text if start else ''!r}",
            kw("tasks", tup([self.task(t) for t in spec.tasks])),
            kw("ends", tup([f"_rt.EndDef({e.name.text!r}, {e.success})"
                                for e in spec.ends]))]
        if spec.fields:
            args.append(kw("fields", tup([self.field_def(f) for f in spec.fields])))
        if spec.rules:
            args.append(kw("rules", tup([self.rule(r) for r in spec.rules])))
        calendar = spec.process_calendar
        if calendar is not None:
            args.append(kw("calendar", _calendar(calendar)))
        if proc.sla is not None:
            args.append(kw("sla", _sla(proc.sla)))
        blocks = self.blocks()
        if blocks:
            args.append(kw("blocks", tup(blocks)))
        args += self.controls(proc)
        return Call("PROCESS = _rt.ProcessDef", args)

    def controls(self, proc: m.Process) -> list[Call | str]:
        """Return the withdraw, cancel and milestone arguments."""
        out: list[Call | str] = []
        if proc.withdraw is not None:
            w = proc.withdraw
            out.append(Call("withdraw=_rt.Withdraw", [_names(w.steps), _go(w.target)]))
        if proc.cancels:
            out.append(kw("cancels", tup([
                Call("_rt.CancelDef", [_names(c.roles), _go(c.target)]) for c in proc.cancels])))
        if proc.actions:
            out.append(kw("milestones", tup([
                Call("_rt.Milestone", [repr(a.name.text), _approvers(a.assignee),
                                       _names(a.steps)]) for a in proc.actions])))
        return out

    def task(self, task: m.Task) -> Call:
        """Return the TaskDef node of a task."""
        kind = "_rt.APPROVAL" if task.kind is m.TaskKind.APPROVAL else "_rt.STEP"
        args: list[Call | str] = [repr(task.name.text), kind,
                                  kw("routes", tup([self.route(task, r)
                                                        for r in task.routes]))]
        if task.assignee is not None:
            args.append(kw("assignee", _approvers(task.assignee)))
        if task.exclusions:
            args.append(kw("exclusions", tup([
                f"_rt.Exclusion({x.step.text if x.step else None!r})"
                for x in task.exclusions])))
        if task.extra_approvers:
            args.append(kw("extras", tup([
                Call("_rt.Extra", [self.guards.add(x.condition, f"{task.name.text} also by"),
                                   _names(x.roles)]) for x in task.extra_approvers])))
        if task.sla is not None:
            args.append(kw("sla", _sla(task.sla)))
        for when in m.NotifyWhen:
            roles = tuple(r for n in task.notifies if n.when is when for r in n.roles)
            if roles:
                args.append(kw(f"notify_{when.value}", _names(roles)))
        if task.join is not None:
            args.append(f"join={task.join.kind.value!r}")
        if task.for_each is not None:
            args.append(kw("for_each", self.for_each(task, task.for_each)))
        if task.call is not None:
            args.append(f"call={task.call.text!r}")
        return Call("_rt.TaskDef", args)

    def route(self, task: m.Task, route: m.Route) -> Call:
        """Return the RouteDef node of a route, with its source line."""
        args: list[Call | str] = [repr(route.action), tup([_go(t) for t in route.targets])]
        if route.condition is not None:
            args.append(f"guard={self.guards.add(route.condition, task.name.text)}")
        if route.kind is m.RouteKind.OTHERWISE:
            args.append("otherwise=True")
        if route.split is not m.Split.ONE:
            args.append(f"split={route.split.value!r}")
        if route.inclusive:
            args.append("inclusive=True")
        if route.cap is not None:
            args.append(f"cap_times={route.cap.times}")
            if route.cap.then is not None:
                args.append(kw("cap_then", _go(route.cap.then)))
        args.append(f"line={route.span.line}")
        return Call("_rt.RouteDef", args, f"from {self.source}:{route.span.line}")

    def for_each(self, task: m.Task, each: m.ForEach) -> Call:
        """Return the ForEachDef node."""
        args: list[Call | str] = [repr(each.list_field.text)]
        if each.sequential:
            args.append("sequential=True")
        if each.until_count is not None:
            args.append(f"until_count={each.until_count}")
        if each.until is not None:
            args.append(f"until={self.guards.add(each.until, task.name.text + ' until')}")
        return Call("_rt.ForEachDef", args)

    def rule(self, rule: m.Rule) -> Call:
        """Return the RuleDef node (approver chains; other results choose nobody)."""
        rows: list[Call | str] = []
        for row in rule.rows:
            guard = "None" if row.condition is None else self.guards.add(
                row.condition, f"rule {rule.name.text}")
            roles = row.result.names if row.result.kind is m.ResultKind.ROLES else ()
            rows.append(tup([guard, _names(roles)]))
        return Call("_rt.RuleDef", [repr(rule.name.text), tup(rows)])

    def field_def(self, f: m.Field) -> Call:
        """Return the FieldDef node of a data field."""
        t = f.type
        item = t.item.kind.value if t.item is not None else None
        values = t.values or (t.item.values if t.item is not None else ())
        args: list[Call | str] = [repr(f.name.text), repr(self.attrs[f.name.text]),
                                  repr(t.kind.value)]
        if item is not None:
            args.append(f"item={item!r}")
        if values:
            args.append(kw("values", _names(values)))
        return Call("_rt.FieldDef", args)

    def blocks(self) -> list[Call | str]:
        """Return the BlockDef nodes of the parallel and multi-choice blocks."""
        out: list[Call | str] = []
        for block in parallel_blocks(self.spec):
            task = self.spec.task(block.split)
            index = None
            if block.kind != "inclusive" and task is not None:
                index = next(i for i, r in enumerate(task.routes) if r is block.route)
            out.append(Call("_rt.BlockDef", [repr(block.split), repr(index), repr(block.join),
                                             Call("frozenset", [tup(
                                                 [repr(n) for n in sorted(block.members)])])]))
        return out


def _split_notice(notice: str) -> list[str]:
    head, _, rest = notice.partition("; ")
    parts = [f"{head};", rest] if rest and _width(notice) > WIDTH - 2 else [notice]
    return [p + ("  # noqa: E501" if _width(p) > WIDTH - 2 else "") for p in parts]


def _comment_safe(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def _names(names: tuple[m.Name, ...] | tuple[str, ...]) -> Call:
    return tup([repr(n if isinstance(n, str) else n.text) for n in names])


def _go(target: m.Target) -> str:
    kind = "end" if target.kind is m.TargetKind.END else "step"
    return f"_rt.{kind}({target.name.text!r})"


def _approvers(who: m.Assignee) -> Call:
    args: list[Call | str] = [repr(who.mode.value), _names(who.roles)]
    if who.count is not None:
        args.append(f"count={who.count}")
    if who.rule is not None:
        args.append(f"rule={who.rule.text!r}")
    return Call("_rt.Approvers", args)


def _span(d: m.Duration) -> str:
    return f"_rt.Span(_decimal.Decimal({str(d.amount)!r}), {d.unit.value!r})"


def _sla(sla: m.Sla) -> Call:
    args: list[Call | str] = [_span(sla.duration)]
    reminders: list[Call | str] = []
    for r in sla.reminders:
        if r.percent is not None:
            reminders.append(f"_rt.Reminder(percent=_decimal.Decimal({str(r.percent)!r}))")
        elif r.before is not None:
            reminders.append(f"_rt.Reminder(before={_span(r.before)})")
    if reminders:
        args.append(kw("reminders", tup(reminders)))
    if sla.breaches:
        args.append(kw("breaches", tup([_breach(b) for b in sla.breaches])))
    return Call("_rt.SlaDef", args)


def _breach(b: m.Breach) -> Call:
    args: list[Call | str] = [repr(b.kind.value)]
    if b.roles:
        args.append(_names(b.roles))
    if b.target is not None:
        args.append(f"target={_go(b.target)}")
    return Call("_rt.BreachDef", args)


def _calendar(c: m.Calendar) -> Call:
    days: list[int] = []
    for span in c.workdays:
        first = WEEKDAYS.get(span.first.text.lower(), 0)
        last = WEEKDAYS.get(span.last.text.lower(), 0) if span.last else first
        day = first
        while first and last:
            if day not in days:
                days.append(day)
            if day == last:
                break
            day = day % 7 + 1
    holidays = [repr(d.isoformat()) for s in c.holidays for d in s.dates()]
    makeup = [repr(d.isoformat()) for s in c.makeup_days for d in s.dates()]
    args: list[Call | str] = [kw("workdays", tup([str(d) for d in sorted(days)]))]
    if c.hours:
        args.append(kw("hours", tup([f"({h.start}, {h.end})" for h in c.hours])))
    if holidays:
        args.append(kw("holidays", tup(holidays)))
    if makeup:
        args.append(kw("makeup_days", tup(makeup)))
    if c.timezone is not None:
        args.append(f"timezone={c.timezone.text!r}")
    return Call("_rt.CalendarDef", args)


def _field_type(t: m.DataType) -> tuple[str, str]:
    if t.kind is m.TypeKind.ENUM:
        values = ", ".join(repr(v.text) for v in t.values)
        return f"_typing.Literal[{values}]", repr(t.values[0].text) if t.values else "''"
    if t.kind is m.TypeKind.LIST:
        inner = _field_type(t.item)[0] if t.item is not None else "str"
        return f"list[{inner}]", "_dataclasses.field(default_factory=list)"
    return _TYPES[t.kind]


def _imports(text: str) -> str:
    wanted = [f"import {mod} as _{mod}" for mod in ("dataclasses", "datetime", "decimal",
                                                    "enum", "typing") if f"_{mod}." in text]
    return text.replace("@IMPORTS@", "\n".join(wanted), 1)


def emit_python(spec: m.Spec, *, lang: str) -> str:
    """Return the Python module for spec: enums, data class, guards and tables."""
    return PythonEmitter(spec, lang).emit()
