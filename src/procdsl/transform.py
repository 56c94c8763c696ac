"""Lark parse tree -> model nodes for one top-level block.

Nothing here raises: names stay unresolved (targets UNKNOWN, bare names EnumValue) and
items that do not belong where they are written are kept, so the checks can report
them in plain words.  ``resolve.py`` settles names once every block is known.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lark import Token, Transformer, Tree, v_args
from lark.tree import Meta

from . import model as m
from .diagnostics import Diagnostic, Text, diagnostic
from .source import SourceFile, Span

_UNITS = {
    "MINUTES": m.TimeUnit.MINUTES, "HOURS": m.TimeUnit.HOURS,
    "WORK_HOURS": m.TimeUnit.WORK_HOURS, "DAYS": m.TimeUnit.DAYS,
    "WORKDAYS": m.TimeUnit.WORKDAYS, "WEEKS": m.TimeUnit.WEEKS,
}
_TYPES = {
    "BOOL": m.TypeKind.BOOL, "INT": m.TypeKind.INT, "DECIMAL": m.TypeKind.DECIMAL,
    "MONEY": m.TypeKind.MONEY, "TEXT": m.TypeKind.TEXT, "DATE_TYPE": m.TypeKind.DATE,
}
_OUTCOMES = {"APPROVE": m.APPROVE, "REJECT": m.REJECT, "RETURN": m.RETURN}
_COMPARE = {"=": "==", "≠": "!=", "≤": "<=", "≥": ">=", "等于": "==", "不等于": "!=",
            "大于": ">", "超过": ">", "小于": "<", "低于": "<", "大于等于": ">=",
            "不低于": ">=", "小于等于": "<=", "不超过": "<=", "早于": "<", "晚于": ">",
            "不早于": ">=", "不晚于": "<=", "不大于": "<=", "不小于": ">="}
_ARITH = {"×": "*", "÷": "/"}


@dataclass(frozen=True, slots=True)
class Item:
    """A block line that is not itself a model node (a description, an input list...)."""

    key: str
    value: Any
    span: Span


def unquote(token: str) -> str:
    """Return the text of a quoted string token, with its escapes undone."""
    body = token[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", "\"": "\"", "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _number(text: str) -> Decimal:
    return Decimal(text.replace("_", ""))


@v_args(meta=True)
class ToModel(Transformer[Token, Any]):
    """Build model nodes for one block; ``base`` is the block's offset in the source."""

    def __init__(self, source: SourceFile, base: int) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        self.base = base
        self.diagnostics: list[Diagnostic] = []

    # ---------------------------------------------------------------- helpers
    # The helpers' names start with '_' so that ``v_args`` leaves them alone: Lark wraps
    # every other public method, and rebuilt the wrapper on each call (a tenth of a parse).
    def _span(self, meta: Meta | Token | tuple[int, int] | None) -> Span:
        """Return the source span of a token, a Lark meta or a one-pass (start, end)."""
        if isinstance(meta, tuple):
            start, end = meta
        elif meta is None:  # a one-pass node without positions, like an empty Lark meta
            return self.source.span(self.base, self.base)
        elif isinstance(meta, Token):
            start, end = meta.start_pos or 0, meta.end_pos or 0
        elif getattr(meta, "empty", True):
            return self.source.span(self.base, self.base)
        else:
            start, end = meta.start_pos, meta.end_pos
        # A last line without a newline is parsed with one added, which the source lacks.
        limit = len(self.source.text)
        first = min(self.base + start, limit)
        return self.source.span(first, self._trim(first, min(self.base + end, limit)))

    def _trim(self, start: int, end: int) -> int:
        """Return ``end`` moved back over the newlines, blanks and comments after a node."""
        text = self.source.text
        while True:
            if end > start:
                end = start + len(text[start:end].rstrip(" \n"))
            line_start = max(start, text.rfind("\n", start, end) + 1)
            if line_start > start and text[line_start:end].lstrip(" ").startswith("#"):
                end = line_start
                continue
            hash_at = text.find("#", line_start, end)
            if hash_at != -1 and text.count('"', line_start, hash_at) % 2 == 0:
                end = hash_at
                continue
            return end

    def _name(self, token: Token) -> m.Name:
        return m.Name(str(token), self._span(token))

    def _names(self, children: list[Any]) -> tuple[m.Name, ...]:
        return tuple(self._name(c) for c in children if isinstance(c, Token) and c.type == "NAME")

    def _string(self, children: list[Any]) -> str | None:
        for c in children:
            if isinstance(c, Token) and c.type == "STRING":
                return unquote(c)
        return None

    def _duplicate(self, span: Span, what: str) -> None:
        self.diagnostics.append(diagnostic(
            "PD104", span, Text(f"'{what}' is given twice here", f"“{what}” 重复出现"),
            label=Text("second time", "第二次出现"),
            hint=Text("keep one of them", "只保留其中一个")))

    # ---------------------------------------------------------------- start
    def start(self, meta: Meta, children: list[Any]) -> list[Any]:
        return [c for c in children if not isinstance(c, Token)]

    # ---------------------------------------------------------------- header
    def version(self, meta: Meta, c: list[Any]) -> Item:
        value = c[1]
        text = unquote(value) if value.type == "STRING" else str(value)
        return Item("version", text, self._span(meta))

    def owner(self, meta: Meta, c: list[Any]) -> Item:
        value = c[1]
        return Item("owner", unquote(value) if value.type == "STRING" else str(value),
                    self._span(meta))

    def lang(self, meta: Meta, c: list[Any]) -> Item:
        return Item("lang", self._name(c[1]), self._span(meta))

    def _text_item(key: str) -> Any:  # type: ignore[misc]
        def method(self: ToModel, meta: Meta, c: list[Any]) -> Item:
            return Item(key, self._string(c), self._span(meta))
        return method

    purpose = _text_item("purpose")
    scope = _text_item("scope")
    reference = _text_item("reference")
    description = _text_item("description")

    def calendar_ref(self, meta: Meta, c: list[Any]) -> Item:
        return Item("calendar", self._name(c[1]), self._span(meta))

    def start_ref(self, meta: Meta, c: list[Any]) -> Item:
        return Item("start", self._name(c[1]), self._span(meta))

    def name_list(self, meta: Meta, c: list[Any]) -> tuple[m.Name, ...]:
        return self._names(c)

    def withdraw(self, meta: Meta, c: list[Any]) -> m.Withdraw:
        return m.Withdraw(c[2], c[4], self._span(meta))

    def cancel(self, meta: Meta, c: list[Any]) -> m.Cancel:
        return m.Cancel(c[2], c[4], self._span(meta))

    def action_def(self, meta: Meta, c: list[Any]) -> m.Action:
        assignee = next(x for x in c if isinstance(x, m.Assignee))
        steps = next(x for x in c if isinstance(x, tuple))
        return m.Action(self._name(c[1]), self._string(c), assignee, steps, self._span(meta))

    def process_def(self, meta: Meta, c: list[Any]) -> m.Process:
        values: dict[str, Any] = {}
        references: list[str] = []
        cancels: list[m.Cancel] = []
        actions: list[m.Action] = []
        for item in c[2:]:
            match item:
                case Item(key="reference"):
                    references.append(item.value)
                case Item():
                    if item.key in values:
                        self._duplicate(item.span, item.key)
                    else:
                        values[item.key] = item.value
                case m.Sla():
                    if "sla" in values:
                        self._duplicate(item.span, "sla")
                    else:
                        values["sla"] = item
                case m.Withdraw():
                    if "withdraw" in values:
                        self._duplicate(item.span, "withdraw")
                    else:
                        values["withdraw"] = item
                case m.Cancel():
                    cancels.append(item)
                case m.Action():
                    actions.append(item)
        lang = values.get("lang")
        return m.Process(
            name=self._name(c[1]), title=self._string(c[2:3]), version=values.get("version"),
            owner=values.get("owner"), lang=lang.text if lang else "en",
            purpose=values.get("purpose"), scope=values.get("scope"),
            references=tuple(references), description=values.get("description"),
            sla=values.get("sla"), calendar=values.get("calendar"), start=values.get("start"),
            withdraw=values.get("withdraw"), cancels=tuple(cancels), actions=tuple(actions),
            span=self._span(meta))

    # ---------------------------------------------------------------- calendars
    def day_span(self, meta: Meta, c: list[Any]) -> m.DaySpan:
        return m.DaySpan(self._name(c[0]), self._name(c[1]) if len(c) > 1 else None,
                         self._span(meta))

    def workdays(self, meta: Meta, c: list[Any]) -> Item:
        return Item("workdays", tuple(c[1:]), self._span(meta))

    def time_span(self, meta: Meta, c: list[Any]) -> m.ClockSpan:
        def minutes(token: Token) -> int:
            hours, mins = str(token).split(":")
            if int(mins) > 59:  # hours past 24 are the calendar checks' (PD602)
                self.diagnostics.append(diagnostic(
                    "PD602", self._span(token),
                    Text(f"{token} is not a time of day", f"{token} 不是有效的时刻"),
                    hint=Text("write hours 00-24 and minutes 00-59, e.g. 09:30",
                              "小时为 00-24，分钟为 00-59，例如 09:30")))
            return int(hours) * 60 + int(mins)
        return m.ClockSpan(minutes(c[0]), minutes(c[2]), self._span(meta))

    def open_hours(self, meta: Meta, c: list[Any]) -> Item:
        return Item("hours", tuple(c[1:]), self._span(meta))

    def date_span(self, meta: Meta, c: list[Any]) -> m.DateSpan:
        first = str(c[0])
        return m.DateSpan(first, str(c[1]) if len(c) > 1 else first, self._span(meta))

    def holidays(self, meta: Meta, c: list[Any]) -> Item:
        return Item("holidays", tuple(c[1:]), self._span(meta))

    def makeup(self, meta: Meta, c: list[Any]) -> Item:
        return Item("makeup", tuple(c[1:]), self._span(meta))

    def timezone(self, meta: Meta, c: list[Any]) -> Item:
        token = c[1]
        text = unquote(token) if token.type == "STRING" else str(token)
        return Item("timezone", m.Name(text, self._span(token)), self._span(meta))

    def calendar_def(self, meta: Meta, c: list[Any]) -> m.Calendar:
        lists: dict[str, list[Any]] = {"workdays": [], "hours": [], "holidays": [], "makeup": []}
        single: dict[str, Any] = {}
        for item in c[2:]:
            if not isinstance(item, Item):
                continue
            if item.key in lists:
                lists[item.key].extend(item.value)
            elif item.key in single:
                self._duplicate(item.span, item.key)
            else:
                single[item.key] = item.value
        return m.Calendar(
            self._name(c[1]), self._string(c[2:3]), tuple(lists["workdays"]),
            tuple(lists["hours"]), tuple(lists["holidays"]), tuple(lists["makeup"]),
            single.get("timezone"), single.get("description"), self._span(meta))

    # ---------------------------------------------------------------- roles and data
    def role_decl(self, meta: Meta, c: list[Any]) -> m.Role:
        external = any(isinstance(x, Token) and x.type == "EXTERNAL" for x in c)
        descriptions = [x.value for x in c if isinstance(x, Item)]
        return m.Role(self._name(c[0]), self._string(c[1:2]), external,
                      descriptions[0] if descriptions else None, self._span(meta))

    def roles_def(self, meta: Meta, c: list[Any]) -> list[m.Role]:
        return [x for x in c if isinstance(x, m.Role)]

    def simple_type(self, meta: Meta, c: list[Any]) -> m.DataType:
        return m.DataType(_TYPES[c[0].type], (), None, self._span(meta))

    def enum_type(self, meta: Meta, c: list[Any]) -> m.DataType:
        return m.DataType(m.TypeKind.ENUM, self._names(c[1:]), None, self._span(meta))

    def list_type(self, meta: Meta, c: list[Any]) -> m.DataType:
        return m.DataType(m.TypeKind.LIST, (), c[1], self._span(meta))

    def field_decl(self, meta: Meta, c: list[Any]) -> m.Field:
        type_ = next(x for x in c if isinstance(x, m.DataType))
        return m.Field(self._name(c[0]), type_, self._string(c[1:]), self._span(meta))

    def data_def(self, meta: Meta, c: list[Any]) -> list[m.Field]:
        return [x for x in c if isinstance(x, m.Field)]

    # ---------------------------------------------------------------- assignees
    def _assignee(mode: m.AssigneeMode) -> Any:  # type: ignore[misc]
        def method(self: ToModel, meta: Meta, c: list[Any]) -> m.Assignee:
            count = None
            if mode is m.AssigneeMode.COUNT:
                count = int(str(c[0]).replace("_", ""))
            names = self._names(c)
            rule = None
            if mode is m.AssigneeMode.RULE:
                rule, names = names[0], ()
            return m.Assignee(mode, names, count, rule, self._span(meta))
        return method

    by_one = _assignee(m.AssigneeMode.ONE)
    by_list = _assignee(m.AssigneeMode.LIST)
    by_all = _assignee(m.AssigneeMode.ALL)
    by_any = _assignee(m.AssigneeMode.ANY)
    by_sequence = _assignee(m.AssigneeMode.SEQUENCE)
    by_count = _assignee(m.AssigneeMode.COUNT)
    by_rule = _assignee(m.AssigneeMode.RULE)
    by_requester = _assignee(m.AssigneeMode.REQUESTER)

    def by_line(self, meta: Meta, c: list[Any]) -> m.Assignee:
        return c[1]  # type: ignore[no-any-return]

    def inline_by(self, meta: Meta, c: list[Any]) -> m.Assignee:
        return m.Assignee(m.AssigneeMode.ONE, (self._name(c[1]),), None, None, self._span(meta))

    def not_requester(self, meta: Meta, c: list[Any]) -> m.Exclusion:
        return m.Exclusion(m.ExclusionKind.REQUESTER, None, self._span(meta))

    def not_whoever_did(self, meta: Meta, c: list[Any]) -> m.Exclusion:
        return m.Exclusion(m.ExclusionKind.STEP, self._name(c[3]), self._span(meta))

    def also_by(self, meta: Meta, c: list[Any]) -> m.ExtraApprovers:
        return m.ExtraApprovers(c[1], c[5], self._span(meta))

    # ---------------------------------------------------------------- task items
    def item_list(self, meta: Meta, c: list[Any]) -> tuple[m.Document, ...]:
        return tuple(m.Document(unquote(t) if t.type == "STRING" else str(t), self._span(t))
                     for t in c if isinstance(t, Token))

    def inputs(self, meta: Meta, c: list[Any]) -> Item:
        return Item("inputs", c[1], self._span(meta))

    def outputs(self, meta: Meta, c: list[Any]) -> Item:
        return Item("outputs", c[1], self._span(meta))

    def check_item(self, meta: Meta, c: list[Any]) -> Item:
        return Item("check", self._string(c), self._span(meta))

    def notify(self, meta: Meta, c: list[Any]) -> m.Notify:
        when = m.NotifyWhen.LEAVE
        if any(isinstance(x, Token) and x.type == "ENTER" for x in c):
            when = m.NotifyWhen.ENTER
        return m.Notify(c[1], when, self._span(meta))

    def target(self, meta: Meta, c: list[Any]) -> m.Target:
        explicit = len(c) == 2
        return m.Target(self._name(c[-1]), m.TargetKind.UNKNOWN, explicit, self._span(meta))

    def single_target(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...]]:
        return m.Split.ONE, (c[0],)

    def parallel_targets(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...]]:
        return m.Split.PARALLEL, tuple(x for x in c if isinstance(x, m.Target))

    def interleaved_targets(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...]]:
        return m.Split.INTERLEAVED, tuple(x for x in c if isinstance(x, m.Target))

    def cap(self, meta: Meta, c: list[Any]) -> m.Cap:
        then = next((x for x in c if isinstance(x, m.Target)), None)
        return m.Cap(int(str(c[1]).replace("_", "")), then, self._span(meta))

    def _route(self, meta: Meta, kind: m.RouteKind, action: str, condition: Any,
               c: list[Any], inclusive: bool = False) -> m.Route:
        split, targets = next(x for x in c if isinstance(x, tuple))
        cap = next((x for x in c if isinstance(x, m.Cap)), None)
        return m.Route(kind, action, condition, targets, split, inclusive, cap, self._span(meta))

    def then_line(self, meta: Meta, c: list[Any]) -> m.Route:
        return self._route(meta, m.RouteKind.THEN, m.COMPLETE, None, c)

    def inline_then(self, meta: Meta, c: list[Any]) -> m.Route:
        return m.Route(m.RouteKind.THEN, m.COMPLETE, None, (c[1],), m.Split.ONE, False, None,
                       self._span(meta))

    def when_line(self, meta: Meta, c: list[Any]) -> m.Route:
        inclusive = isinstance(c[0], Token) and c[0].type == "ALSO"
        condition = c[2] if inclusive else c[1]
        return self._route(meta, m.RouteKind.WHEN, m.COMPLETE, condition, c, inclusive)

    def otherwise_line(self, meta: Meta, c: list[Any]) -> m.Route:
        return self._route(meta, m.RouteKind.OTHERWISE, m.COMPLETE, None, c)

    def outcome_line(self, meta: Meta, c: list[Any]) -> m.Route:
        token = c[0]
        action = _OUTCOMES.get(token.type, str(token))
        condition = c[2] if isinstance(c[1], Token) and c[1].type == "WHEN" else None
        return self._route(meta, m.RouteKind.OUTCOME, action, condition, c)

    def wait_line(self, meta: Meta, c: list[Any]) -> m.Join:
        kind = {"ALL": m.JoinKind.ALL, "ANY": m.JoinKind.ANY}.get(c[1].type, m.JoinKind.EACH)
        return m.Join(kind, self._span(meta))

    def until_count(self, meta: Meta, c: list[Any]) -> Item:
        return Item("until_count", int(str(c[1]).replace("_", "")), self._span(meta))

    def until_condition(self, meta: Meta, c: list[Any]) -> Item:
        return Item("until", c[1], self._span(meta))

    def for_each(self, meta: Meta, c: list[Any]) -> m.ForEach:
        sequential = any(isinstance(x, Token) and x.type == "SEQUENTIALLY" for x in c)
        until = next((x for x in c if isinstance(x, Item)), None)
        return m.ForEach(
            self._name(c[1]), self._name(c[3]), sequential,
            until.value if until and until.key == "until_count" else None,
            until.value if until and until.key == "until" else None, self._span(meta))

    def run_line(self, meta: Meta, c: list[Any]) -> Item:
        return Item("run", self._name(c[1]), self._span(meta))

    inline_run = run_line

    def inline_sla(self, meta: Meta, c: list[Any]) -> m.Sla:
        return m.Sla(c[1], (), (), self._span(meta))

    def inline_items(self, meta: Meta, c: list[Any]) -> list[Any]:
        return list(c)

    def task_def(self, meta: Meta, c: list[Any]) -> m.Task:
        kind = m.TaskKind.APPROVAL if c[0].type == "APPROVAL" else m.TaskKind.STEP
        items: list[Any] = []
        for x in c[2:]:
            items.extend(x if isinstance(x, list) else [x])
        single: dict[str, Any] = {}
        lists: dict[str, list[Any]] = {k: [] for k in (
            "exclusions", "extra", "inputs", "outputs", "check", "notify", "routes")}

        def once(key: str, value: Any, span: Span) -> None:
            if key in single:
                self._duplicate(span, key)
            else:
                single[key] = value

        for item in items:
            match item:
                case m.Assignee():
                    once("by", item, item.span)
                case m.Exclusion():
                    lists["exclusions"].append(item)
                case m.ExtraApprovers():
                    lists["extra"].append(item)
                case m.Sla():
                    once("sla", item, item.span)
                case m.Notify():
                    lists["notify"].append(item)
                case m.Route():
                    lists["routes"].append(item)
                case m.Join():
                    once("wait", item, item.span)
                case m.ForEach():
                    once("for each", item, item.span)
                case Item(key="inputs" | "outputs"):
                    lists[item.key].extend(item.value)
                case Item(key="check"):
                    lists["check"].append(item.value)
                case Item():
                    once(item.key, item.value, item.span)
        return m.Task(
            kind=kind, name=self._name(c[1]), title=self._string(c[2:3]),
            description=single.get("description"), assignee=single.get("by"),
            exclusions=tuple(lists["exclusions"]), extra_approvers=tuple(lists["extra"]),
            inputs=tuple(lists["inputs"]), outputs=tuple(lists["outputs"]),
            checklist=tuple(lists["check"]), sla=single.get("sla"),
            notifies=tuple(lists["notify"]), routes=tuple(lists["routes"]),
            join=single.get("wait"), for_each=single.get("for each"), call=single.get("run"),
            span=self._span(meta))

    # ---------------------------------------------------------------- time
    def duration(self, meta: Meta, c: list[Any]) -> m.Duration:
        return m.Duration(_number(str(c[0])), _UNITS[c[1].type], self._span(meta))

    def remind_percent(self, meta: Meta, c: list[Any]) -> m.Reminder:
        return m.Reminder(_number(str(c[-1]).rstrip("%")), None, self._span(meta))

    def remind_before(self, meta: Meta, c: list[Any]) -> m.Reminder:
        return m.Reminder(None, c[1], self._span(meta))

    def breach_notify(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(m.BreachKind.NOTIFY, c[1], None, self._span(meta))

    def breach_escalate(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(m.BreachKind.ESCALATE, (self._name(c[-1]),), None, self._span(meta))

    def breach_auto_approve(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(m.BreachKind.AUTO_APPROVE, (), None, self._span(meta))

    def breach_auto_reject(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(m.BreachKind.AUTO_REJECT, (), None, self._span(meta))

    def breach_goto(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(m.BreachKind.GOTO, (), c[1], self._span(meta))

    def on_breach(self, meta: Meta, c: list[Any]) -> m.Breach:
        return c[1]  # type: ignore[no-any-return]

    def sla(self, meta: Meta, c: list[Any]) -> m.Sla:
        reminders = tuple(x for x in c if isinstance(x, m.Reminder))
        breaches = tuple(x for x in c if isinstance(x, m.Breach))
        return m.Sla(c[1], reminders, breaches, self._span(meta))

    # ---------------------------------------------------------------- rules and ends
    def result_names(self, meta: Meta, c: list[Any]) -> m.RuleResult:
        return m.RuleResult(m.ResultKind.UNKNOWN, self._names(c), None, self._span(meta))

    def result_value(self, meta: Meta, c: list[Any]) -> m.RuleResult:
        return m.RuleResult(m.ResultKind.VALUE, (), c[0], self._span(meta))

    def rule_row(self, meta: Meta, c: list[Any]) -> m.RuleRow:
        return m.RuleRow(c[1], c[3], self._span(meta))

    def rule_otherwise(self, meta: Meta, c: list[Any]) -> m.RuleRow:
        return m.RuleRow(None, c[-1], self._span(meta))

    def rule_def(self, meta: Meta, c: list[Any]) -> m.Rule:
        rows = tuple(x for x in c if isinstance(x, m.RuleRow))
        descriptions = [x.value for x in c if isinstance(x, Item)]
        return m.Rule(self._name(c[1]), self._string(c[2:3]),
                      descriptions[0] if descriptions else None, rows, self._span(meta))

    def end_def(self, meta: Meta, c: list[Any]) -> m.End:
        success = not any(isinstance(x, Token) and x.type == "FAILURE" for x in c)
        descriptions = [x.value for x in c if isinstance(x, Item)]
        return m.End(self._name(c[1]), self._string(c[2:3]), success,
                     descriptions[0] if descriptions else None, self._span(meta))

    # ---------------------------------------------------------------- conditions
    def or_expr(self, meta: Meta, c: list[Any]) -> m.BoolOp:
        return m.BoolOp("or", tuple(x for x in c if not isinstance(x, Token)), self._span(meta))

    def and_expr(self, meta: Meta, c: list[Any]) -> m.BoolOp:
        return m.BoolOp("and", tuple(x for x in c if not isinstance(x, Token)), self._span(meta))

    def negation(self, meta: Meta, c: list[Any]) -> m.Not:
        return m.Not(c[1], self._span(meta))

    def compare(self, meta: Meta, c: list[Any]) -> m.Compare:
        op = str(c[1])
        return m.Compare(_COMPARE.get(op, op), c[0], c[2], self._span(meta))

    def member(self, meta: Meta, c: list[Any]) -> m.Member:
        return m.Member(c[0], tuple(x for x in c[2:] if not isinstance(x, Token)), False,
                        self._span(meta))

    def not_member(self, meta: Meta, c: list[Any]) -> m.Member:
        return m.Member(c[0], tuple(x for x in c[3:] if not isinstance(x, Token)), True,
                        self._span(meta))

    def arith(self, meta: Meta, c: list[Any]) -> m.Arith:
        op = str(c[1])
        return m.Arith(_ARITH.get(op, op), c[0], c[2], self._span(meta))

    def negative(self, meta: Meta, c: list[Any]) -> m.Negative:
        return m.Negative(c[1], self._span(meta))

    def ref(self, meta: Meta, c: list[Any]) -> m.EnumValue:
        return m.EnumValue(self._name(c[0]), self._span(meta))

    name_literal = ref

    def int_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(int(str(c[0]).replace("_", "")), m.LiteralKind.INT, self._span(meta))

    def decimal_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(_number(str(c[0])), m.LiteralKind.DECIMAL, self._span(meta))

    def text_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(unquote(c[0]), m.LiteralKind.TEXT, self._span(meta))

    def date_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        text = str(c[0])
        try:
            value: _dt.date | str = _dt.date.fromisoformat(text)
        except ValueError:
            value = text
            self.diagnostics.append(diagnostic(
                "PD609", self._span(meta),
                Text(f"{text} is not a real date", f"{text} 不是有效日期"),
                hint=Text("write dates as YYYY-MM-DD", "日期格式为 YYYY-MM-DD")))
        return m.Literal(value, m.LiteralKind.DATE, self._span(meta))

    def true_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(True, m.LiteralKind.BOOL, self._span(meta))

    def false_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(False, m.LiteralKind.BOOL, self._span(meta))

    def __default__(self, data: str, children: list[Any], meta: Meta) -> Any:
        return Tree(data, children, meta)


# Each grammar rule's method as a plain function ``f(builder, meta, children)``: the
# one-pass parser (onepass.py) calls these while Lark reduces, without a tree.
RULE_METHODS: dict[str, Any] = {
    name: value.base_func for name, value in vars(ToModel).items()
    if not name.startswith("_") and hasattr(value, "base_func")}
