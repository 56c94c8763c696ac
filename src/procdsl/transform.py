"""Lark parse tree -> model nodes for one top-level block.

No mistake in a spec makes anything here raise: names stay unresolved (targets UNKNOWN,
bare names EnumValue) and items that do not belong where they are written are kept, so
the checks can report them in plain words.  ``resolve.py`` settles names once every
block is known.  A child the grammar guarantees but that is missing raises
``LookupError``: that is a procdsl bug, and the parser reports it as one (PD008).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from lark import Token, Transformer, Tree, v_args
from lark.tree import Meta

from . import model as m
from .diagnostics import Diagnostic, Text, diagnostic
from .source import SourceFile, Span
from .vocabulary import indicator_named

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
_PERMISSIONS = {"TRANSFER": m.Permission.TRANSFER, "ADD_SIGN": m.Permission.ADD_SIGN,
                "DELEGATE": m.Permission.DELEGATE, "URGE": m.Permission.URGE}
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


def _integer(text: str) -> int:
    return int(text.replace("_", ""))


def _token(children: list[Any], *types: str) -> Token:
    """Return the first token among children whose type is one of types."""
    for c in children:
        if isinstance(c, Token) and c.type in types:
            return c
    raise LookupError(f"no {' or '.join(types)} token among {children!r}")


def _has(children: list[Any], token_type: str) -> bool:
    """Return True when a token of token_type is among children (an optional keyword)."""
    return any(isinstance(c, Token) and c.type == token_type for c in children)


_C = TypeVar("_C")


def _maybe(children: list[Any], kind: type[_C] | tuple[type, ...]) -> _C | None:
    """Return the first child that is a kind (a model class, tuple, Item...), if any."""
    for c in children:
        if isinstance(c, kind):
            return c  # type: ignore[return-value]
    return None


def _one(children: list[Any], kind: type[_C]) -> _C:
    """Return the first child that is a kind: one the grammar says is always there."""
    found = _maybe(children, kind)
    if found is None:
        raise LookupError(f"no {kind.__name__} among {children!r}")
    return found


def _nodes(children: list[Any]) -> list[Any]:
    """Return the children that are not tokens: what the rule's sub-rules built."""
    return [c for c in children if not isinstance(c, Token)]


# Every class of m.Expr: a condition is the one child that is one of these.
_EXPRESSIONS = (m.Literal, m.FieldRef, m.EnumValue, m.Not, m.BoolOp, m.Compare, m.Member,
                m.Arith, m.Negative)


def _maybe_condition(children: list[Any]) -> m.Expr | None:
    """Return the condition among children (the only expression node there), if any."""
    return _maybe(children, _EXPRESSIONS)


def _condition(children: list[Any]) -> m.Expr:
    found = _maybe_condition(children)
    if found is None:
        raise LookupError(f"no condition among {children!r}")
    return found


@v_args(meta=True)
class ToModel(Transformer[Token, Any]):
    """Build model nodes for one block; ``base`` is the block's offset in the source.

    Each method gets a rule's meta and children; it picks its children by what they are
    (a token type, a model class), never by position, so an optional part of a rule
    cannot shift another onto the wrong field.
    """

    def __init__(self, source: SourceFile, base: int) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        self.base = base
        self.diagnostics: list[Diagnostic] = []

    # ---------------------------------------------------------------- helpers
    # The helpers' names start with '_': ``v_args`` wraps every public method as a rule.
    def _span(self, meta: Meta | Token) -> Span:
        """Return the source span of a token or of a rule's Lark meta."""
        if isinstance(meta, Token):
            start, end = meta.start_pos or 0, meta.end_pos or 0
        elif meta.empty:
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
        return m.Name(text=str(token), span=self._span(token))

    def _names(self, children: list[Any]) -> tuple[m.Name, ...]:
        return tuple(self._name(c) for c in children if isinstance(c, Token) and c.type == "NAME")

    def _first_name(self, children: list[Any]) -> m.Name:
        """Return the first NAME token among children as a Name (the one a rule declares)."""
        return self._name(_token(children, "NAME"))

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
        return _nodes(children)

    # ---------------------------------------------------------------- header
    def version(self, meta: Meta, c: list[Any]) -> Item:
        value = _token(c, "VERSION_TEXT", "STRING")
        text = unquote(value) if value.type == "STRING" else str(value)
        return Item("version", text, self._span(meta))

    def owner(self, meta: Meta, c: list[Any]) -> Item:
        value = _token(c, "NAME", "STRING")
        return Item("owner", unquote(value) if value.type == "STRING" else str(value),
                    self._span(meta))

    def lang(self, meta: Meta, c: list[Any]) -> Item:
        return Item("lang", self._first_name(c), self._span(meta))

    def _text_item(key: str) -> Any:  # type: ignore[misc]
        def method(self: ToModel, meta: Meta, c: list[Any]) -> Item:
            return Item(key, self._string(c), self._span(meta))
        return method

    purpose = _text_item("purpose")
    scope = _text_item("scope")
    reference = _text_item("reference")
    description = _text_item("description")

    def calendar_ref(self, meta: Meta, c: list[Any]) -> Item:
        return Item("calendar", self._first_name(c), self._span(meta))

    def start_ref(self, meta: Meta, c: list[Any]) -> Item:
        return Item("start", self._first_name(c), self._span(meta))

    def name_list(self, meta: Meta, c: list[Any]) -> tuple[m.Name, ...]:
        return self._names(c)

    def withdraw(self, meta: Meta, c: list[Any]) -> m.Withdraw:
        return m.Withdraw(steps=_one(c, tuple), target=_one(c, m.Target), span=self._span(meta),
                          provenance=_maybe(c, m.Provenance))

    def cancel(self, meta: Meta, c: list[Any]) -> m.Cancel:
        return m.Cancel(roles=_one(c, tuple), target=_one(c, m.Target), span=self._span(meta),
                        provenance=_maybe(c, m.Provenance))

    def provenance(self, meta: Meta, c: list[Any]) -> m.Provenance:
        kind = m.ProvenanceKind.SOURCE if _has(c, "SOURCE") else m.ProvenanceKind.ADDED
        return m.Provenance(kind=kind, text=self._string(c) or "", span=self._span(meta))

    def target_def(self, meta: Meta, c: list[Any]) -> m.KpiTarget:
        name = self._first_name(c)
        share = next((t for t in c if isinstance(t, Token) and t.type == "PERCENT"), None)
        return m.KpiTarget(name=name, indicator=indicator_named(name.text),
                        percent=_number(str(share).rstrip("%")) if share is not None else None,
                        duration=_maybe(c, m.Duration), span=self._span(meta),
                        provenance=_maybe(c, m.Provenance))

    def term_def(self, meta: Meta, c: list[Any]) -> m.Term:
        tokens = [t for t in c if isinstance(t, Token) and t.type in ("NAME", "STRING")]
        name = unquote(tokens[0]) if tokens[0].type == "STRING" else str(tokens[0])
        return m.Term(name=name, definition=unquote(tokens[-1]), span=self._span(meta),
                      provenance=_maybe(c, m.Provenance))

    def change_def(self, meta: Meta, c: list[Any]) -> m.Change:
        tokens = [t for t in c if isinstance(t, Token)]
        version = _token(c, "VERSION_TEXT", "STRING")
        words: dict[str, str] = {}
        for i, tok in enumerate(tokens):
            if tok.type in ("BY", "APPROVER") and i + 1 < len(tokens):
                nxt = tokens[i + 1]
                words[tok.type] = unquote(nxt) if nxt.type == "STRING" else str(nxt)
        text = [t for t in tokens if t.type == "STRING" and t is not version]
        return m.Change(version=unquote(version) if version.type == "STRING" else str(version),
                        date=str(_token(c, "DATE")), text=unquote(text[0]) if text else "",
                        author=words.get("BY"), approver=words.get("APPROVER"),
                        span=self._span(meta))

    def action_def(self, meta: Meta, c: list[Any]) -> m.Action:
        return m.Action(name=self._first_name(c), title=self._string(c),
                        assignee=_one(c, m.Assignee), steps=_one(c, tuple),
                        span=self._span(meta))

    def process_def(self, meta: Meta, c: list[Any]) -> m.Process:
        values: dict[str, Any] = {}
        references: list[str] = []
        cancels: list[m.Cancel] = []
        actions: list[m.Action] = []
        terms: list[m.Term] = []
        changes: list[m.Change] = []
        targets: list[m.KpiTarget] = []
        for item in _nodes(c):
            match item:
                case m.KpiTarget():
                    targets.append(item)
                case m.Term():
                    terms.append(item)
                case m.Change():
                    changes.append(item)
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
            name=self._first_name(c), title=self._string(c), version=values.get("version"),
            owner=values.get("owner"), lang=lang.text if lang else "en",
            purpose=values.get("purpose"), scope=values.get("scope"),
            references=tuple(references), description=values.get("description"),
            sla=values.get("sla"), calendar=values.get("calendar"), start=values.get("start"),
            withdraw=values.get("withdraw"), cancels=tuple(cancels), actions=tuple(actions),
            span=self._span(meta), return_cap=values.get("return_cap"), terms=tuple(terms),
            changes=tuple(changes), targets=tuple(targets))

    # ---------------------------------------------------------------- calendars
    def day_span(self, meta: Meta, c: list[Any]) -> m.DaySpan:
        days = self._names(c)  # NAME or NAME .. NAME
        return m.DaySpan(first=days[0], last=days[1] if len(days) > 1 else None,
                         span=self._span(meta))

    def workdays(self, meta: Meta, c: list[Any]) -> Item:
        return Item("workdays", tuple(x for x in c if isinstance(x, m.DaySpan)),
                    self._span(meta))

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
        first, last = (t for t in c if isinstance(t, Token) and t.type == "CLOCK")
        start = minutes(first)
        return m.ClockSpan(start=start, end=minutes(last), span=self._span(meta))

    def open_hours(self, meta: Meta, c: list[Any]) -> Item:
        return Item("hours", tuple(x for x in c if isinstance(x, m.ClockSpan)), self._span(meta))

    def date_span(self, meta: Meta, c: list[Any]) -> m.DateSpan:
        dates = [str(t) for t in c if isinstance(t, Token) and t.type == "DATE"]
        return m.DateSpan(first=dates[0], last=dates[-1], span=self._span(meta))

    def holidays(self, meta: Meta, c: list[Any]) -> Item:
        return Item("holidays", tuple(x for x in c if isinstance(x, m.DateSpan)),
                    self._span(meta))

    def makeup(self, meta: Meta, c: list[Any]) -> Item:
        return Item("makeup", tuple(x for x in c if isinstance(x, m.DateSpan)), self._span(meta))

    def timezone(self, meta: Meta, c: list[Any]) -> Item:
        token = _token(c, "ZONE", "STRING")
        text = unquote(token) if token.type == "STRING" else str(token)
        return Item("timezone", m.Name(text=text, span=self._span(token)), self._span(meta))

    def based_on(self, meta: Meta, c: list[Any]) -> Item:
        return Item("base", self._first_name(c), self._span(meta))

    def year_span(self, meta: Meta, c: list[Any]) -> m.YearSpan:
        years = [int(str(t).replace("_", "")) for t in c
                 if isinstance(t, Token) and t.type == "INT_NUMBER"]
        return m.YearSpan(first=years[0], last=years[-1], span=self._span(meta))

    def public_holidays(self, meta: Meta, c: list[Any]) -> Item:
        source = m.PublicHolidays(region=self._first_name(c),
                                  years=tuple(x for x in c if isinstance(x, m.YearSpan)),
                                  span=self._span(meta))
        return Item("public", (source,), self._span(meta))

    def calendar_def(self, meta: Meta, c: list[Any]) -> m.Calendar:
        lists: dict[str, list[Any]] = {"workdays": [], "hours": [], "holidays": [], "makeup": [],
                                       "public": []}
        single: dict[str, Any] = {}
        for item in c:
            if not isinstance(item, Item):
                continue
            if item.key in lists:
                lists[item.key].extend(item.value)
            elif item.key in single:
                self._duplicate(item.span, item.key)
            else:
                single[item.key] = item.value
        return m.Calendar(
            name=self._first_name(c), title=self._string(c), workdays=tuple(lists["workdays"]),
            hours=tuple(lists["hours"]), holidays=tuple(lists["holidays"]),
            makeup_days=tuple(lists["makeup"]), timezone=single.get("timezone"),
            description=single.get("description"), span=self._span(meta),
            base=single.get("base"), public=tuple(lists["public"]))

    # ---------------------------------------------------------------- roles and data
    def role_decl(self, meta: Meta, c: list[Any]) -> m.Role:
        descriptions = [x.value for x in c if isinstance(x, Item)]
        return m.Role(name=self._first_name(c), title=self._string(c),
                      external=_has(c, "EXTERNAL"),
                      description=descriptions[0] if descriptions else None,
                      span=self._span(meta))

    def roles_def(self, meta: Meta, c: list[Any]) -> list[m.Role]:
        return [x for x in c if isinstance(x, m.Role)]

    def simple_type(self, meta: Meta, c: list[Any]) -> m.DataType:
        return m.DataType(kind=_TYPES[_token(c, *_TYPES).type], values=(), item=None,
                          span=self._span(meta))

    def enum_type(self, meta: Meta, c: list[Any]) -> m.DataType:
        return m.DataType(kind=m.TypeKind.ENUM, values=self._names(c), item=None,
                          span=self._span(meta))

    def list_type(self, meta: Meta, c: list[Any]) -> m.DataType:
        return m.DataType(kind=m.TypeKind.LIST, values=(), item=_one(c, m.DataType),
                          span=self._span(meta))

    def field_decl(self, meta: Meta, c: list[Any]) -> m.Field:
        bounds = next((x for x in c if isinstance(x, tuple)), (None, None))
        return m.Field(name=self._first_name(c), type=_one(c, m.DataType),
                       description=self._string(c), span=self._span(meta),
                       required=any(x == "required" for x in c if isinstance(x, str)
                                    and not isinstance(x, Token)),
                       low=bounds[0], high=bounds[1])

    def field_required(self, meta: Meta, c: list[Any]) -> str:
        return "required"

    def field_range(self, meta: Meta, c: list[Any]) -> tuple[m.Bound, m.Bound]:
        low, high = (x for x in c if isinstance(x, m.Bound))
        return low, high

    def bound(self, meta: Meta, c: list[Any]) -> m.Bound:
        token = c[-1]
        span = self._span(meta)
        if token.type == "DATE":
            literal = self.date_literal(meta, [token])
            return m.Bound(value=literal.value, kind=m.LiteralKind.DATE, span=span)
        sign = -1 if _has(c, "MINUS") else 1
        if token.type == "INT_NUMBER":
            return m.Bound(value=sign * _integer(str(token)), kind=m.LiteralKind.INT, span=span)
        return m.Bound(value=sign * _number(str(token)), kind=m.LiteralKind.DECIMAL, span=span)

    def data_def(self, meta: Meta, c: list[Any]) -> list[m.Field]:
        return [x for x in c if isinstance(x, m.Field)]

    # ---------------------------------------------------------------- assignees
    def _assignee(mode: m.AssigneeMode) -> Any:  # type: ignore[misc]
        def method(self: ToModel, meta: Meta, c: list[Any]) -> m.Assignee:
            count = None
            if mode is m.AssigneeMode.COUNT:
                count = _integer(str(_token(c, "INT_NUMBER")))
            names = self._names(c)
            rule = None
            if mode is m.AssigneeMode.RULE:
                rule, names = names[0], ()
            return m.Assignee(mode=mode, roles=names, count=count, rule=rule,
                              span=self._span(meta))
        return method

    by_one = _assignee(m.AssigneeMode.ONE)
    by_list = _assignee(m.AssigneeMode.LIST)
    by_all = _assignee(m.AssigneeMode.ALL)
    by_any = _assignee(m.AssigneeMode.ANY)
    by_sequence = _assignee(m.AssigneeMode.SEQUENCE)
    by_count = _assignee(m.AssigneeMode.COUNT)
    by_rule = _assignee(m.AssigneeMode.RULE)
    by_requester = _assignee(m.AssigneeMode.REQUESTER)

    def _org(self, meta: Meta, mode: m.AssigneeMode, c: list[Any], *, roles: bool = True,
             field: m.Name | None = None) -> m.Assignee:
        level = _integer(str(_token(c, "INT_NUMBER"))) if _has(c, "INT_NUMBER") else None
        return m.Assignee(mode=mode, roles=self._names(c) if roles else (), count=None,
                          rule=None, level=level, field=field, span=self._span(meta))

    def by_manager(self, meta: Meta, c: list[Any]) -> m.Assignee:
        found = self._org(meta, m.AssigneeMode.MANAGER, c)
        return found if found.level is not None else self._with_level(found, 1)

    def _with_level(self, a: m.Assignee, level: int) -> m.Assignee:
        return m.Assignee(mode=a.mode, roles=a.roles, count=None, rule=None, level=level,
                          field=a.field, span=a.span)

    def by_manager_chain(self, meta: Meta, c: list[Any]) -> m.Assignee:
        return self._org(meta, m.AssigneeMode.MANAGER_CHAIN, c)

    def by_department_head(self, meta: Meta, c: list[Any]) -> m.Assignee:
        return self._org(meta, m.AssigneeMode.DEPARTMENT_HEAD, c)

    def by_field_person(self, meta: Meta, c: list[Any]) -> m.Assignee:
        return self._org(meta, m.AssigneeMode.FIELD, c, roles=False,
                         field=self._first_name(c))

    def by_pick(self, meta: Meta, c: list[Any]) -> m.Assignee:
        return self._org(meta, m.AssigneeMode.PICK, c)

    def on_empty(self, meta: Meta, c: list[Any]) -> m.EmptyApprover:
        if _has(c, "TRANSFER"):
            return m.EmptyApprover(kind=m.EmptyKind.TRANSFER, role=self._first_name(c),
                                   span=self._span(meta))
        kind = m.EmptyKind.REJECT if _has(c, "REJECT") else m.EmptyKind.AUTO_APPROVE
        return m.EmptyApprover(kind=kind, role=None, span=self._span(meta))

    def dedupe_line(self, meta: Meta, c: list[Any]) -> Item:
        return Item("dedupe", True, self._span(meta))

    def permission(self, meta: Meta, c: list[Any]) -> m.Permission:
        return _PERMISSIONS[c[0].type]

    def allow_line(self, meta: Meta, c: list[Any]) -> m.Allow:
        names = _maybe(c, tuple)
        return m.Allow(permissions=tuple(x for x in c if isinstance(x, m.Permission)),
                       roles=names or (), span=self._span(meta))

    def resubmit_line(self, meta: Meta, c: list[Any]) -> Item:
        return Item("resubmission", _has(c, "TO_RETURNER"), self._span(meta))

    def return_cap(self, meta: Meta, c: list[Any]) -> Item:
        return Item("return_cap", _integer(str(_token(c, "INT_NUMBER"))), self._span(meta))

    def by_line(self, meta: Meta, c: list[Any]) -> m.Assignee:
        found = _maybe(c, m.Provenance)
        who = _one(c, m.Assignee)
        return who if found is None else replace(who, provenance=found)

    def inline_by(self, meta: Meta, c: list[Any]) -> m.Assignee:
        return m.Assignee(mode=m.AssigneeMode.ONE, roles=(self._first_name(c),), count=None,
                          rule=None, span=self._span(meta))

    def not_requester(self, meta: Meta, c: list[Any]) -> m.Exclusion:
        return m.Exclusion(kind=m.ExclusionKind.REQUESTER, step=None, span=self._span(meta),
                           provenance=_maybe(c, m.Provenance))

    def not_whoever_did(self, meta: Meta, c: list[Any]) -> m.Exclusion:
        return m.Exclusion(kind=m.ExclusionKind.STEP, step=self._first_name(c),
                           span=self._span(meta), provenance=_maybe(c, m.Provenance))

    def also_by(self, meta: Meta, c: list[Any]) -> m.ExtraApprovers:
        return m.ExtraApprovers(condition=_condition(c), roles=_one(c, tuple),
                                span=self._span(meta), provenance=_maybe(c, m.Provenance))

    def sets_line(self, meta: Meta, c: list[Any]) -> m.Setting:
        return m.Setting(field=self._first_name(c), criteria=self._string(c),
                         span=self._span(meta), provenance=_maybe(c, m.Provenance))

    # ---------------------------------------------------------------- task items
    def item_list(self, meta: Meta, c: list[Any]) -> tuple[m.Document, ...]:
        return tuple(m.Document(name=unquote(t) if t.type == "STRING" else str(t),
                                span=self._span(t))
                     for t in c if isinstance(t, Token))

    def inputs(self, meta: Meta, c: list[Any]) -> Item:
        return Item("inputs", _one(c, tuple), self._span(meta))

    def outputs(self, meta: Meta, c: list[Any]) -> Item:
        return Item("outputs", _one(c, tuple), self._span(meta))

    def check_item(self, meta: Meta, c: list[Any]) -> Item:
        return Item("check", self._string(c), self._span(meta))

    def notify(self, meta: Meta, c: list[Any]) -> m.Notify:
        when = m.NotifyWhen.ENTER if _has(c, "ENTER") else m.NotifyWhen.LEAVE
        return m.Notify(roles=_one(c, tuple), when=when, span=self._span(meta))

    def target(self, meta: Meta, c: list[Any]) -> m.Target:
        return m.Target(name=self._first_name(c), kind=m.TargetKind.UNKNOWN,
                        explicit_end=_has(c, "END"), span=self._span(meta))

    def single_target(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...]]:
        return m.Split.ONE, (_one(c, m.Target),)

    def parallel_targets(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...]]:
        return m.Split.PARALLEL, tuple(x for x in c if isinstance(x, m.Target))

    def interleaved_targets(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...]]:
        return m.Split.INTERLEAVED, tuple(x for x in c if isinstance(x, m.Target))

    def choice_targets(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...]]:
        return m.Split.CHOICE, tuple(x for x in c if isinstance(x, m.Target))

    def rule_targets(self, meta: Meta, c: list[Any]) -> tuple[m.Split, tuple[m.Target, ...],
                                                                 m.Name]:
        # no targets yet: resolve.py fills in the tasks the rule's rows give
        return m.Split.RULE, (), self._first_name(c)

    def cap(self, meta: Meta, c: list[Any]) -> m.Cap:
        return m.Cap(times=_integer(str(_token(c, "INT_NUMBER"))), then=_maybe(c, m.Target),
                     span=self._span(meta))

    def _route(self, meta: Meta, kind: m.RouteKind, action: str, condition: m.Expr | None,
               c: list[Any], inclusive: bool = False) -> m.Route:
        given = _one(c, tuple)  # what the targets rule gives: split, targets[, rule]
        split, targets = given[0], given[1]
        return m.Route(kind=kind, action=action, condition=condition, targets=targets,
                       split=split, inclusive=inclusive, cap=_maybe(c, m.Cap),
                       span=self._span(meta), provenance=_maybe(c, m.Provenance),
                       rule=given[2] if len(given) > 2 else None)

    def then_line(self, meta: Meta, c: list[Any]) -> m.Route:
        return self._route(meta, m.RouteKind.THEN, m.COMPLETE, None, c)

    def inline_then(self, meta: Meta, c: list[Any]) -> m.Route:
        return m.Route(kind=m.RouteKind.THEN, action=m.COMPLETE, condition=None,
                       targets=(_one(c, m.Target),), split=m.Split.ONE, inclusive=False,
                       cap=None, span=self._span(meta))

    def when_line(self, meta: Meta, c: list[Any]) -> m.Route:
        return self._route(meta, m.RouteKind.WHEN, m.COMPLETE, _condition(c), c,
                           inclusive=_has(c, "ALSO"))

    def otherwise_line(self, meta: Meta, c: list[Any]) -> m.Route:
        return self._route(meta, m.RouteKind.OTHERWISE, m.COMPLETE, None, c)

    def outcome_line(self, meta: Meta, c: list[Any]) -> m.Route:
        token = c[0]  # the outcome: APPROVE, REJECT, RETURN or a custom NAME, always first
        action = _OUTCOMES.get(token.type, str(token))
        return self._route(meta, m.RouteKind.OUTCOME, action, _maybe_condition(c), c)

    def wait_line(self, meta: Meta, c: list[Any]) -> m.Join:
        kind = m.JoinKind.ALL if _has(c, "ALL") else (
            m.JoinKind.ANY if _has(c, "ANY") else m.JoinKind.EACH)
        return m.Join(kind=kind, span=self._span(meta))

    def until_count(self, meta: Meta, c: list[Any]) -> Item:
        return Item("until_count", _integer(str(_token(c, "INT_NUMBER"))), self._span(meta))

    def until_condition(self, meta: Meta, c: list[Any]) -> Item:
        return Item("until", _condition(c), self._span(meta))

    def for_each(self, meta: Meta, c: list[Any]) -> m.ForEach:
        item, list_field = self._names(c)[:2]  # for each ITEM in LIST
        until = _maybe(c, Item)
        return m.ForEach(
            item=item, list_field=list_field, sequential=_has(c, "SEQUENTIALLY"),
            until_count=until.value if until and until.key == "until_count" else None,
            until=until.value if until and until.key == "until" else None,
            span=self._span(meta))

    def run_line(self, meta: Meta, c: list[Any]) -> Item:
        return Item("run", self._first_name(c), self._span(meta))

    inline_run = run_line

    def inline_sla(self, meta: Meta, c: list[Any]) -> m.Sla:
        return m.Sla(duration=_one(c, m.Duration), reminders=(), breaches=(),
                     span=self._span(meta))

    def inline_items(self, meta: Meta, c: list[Any]) -> list[Any]:
        return _nodes(c)

    def task_def(self, meta: Meta, c: list[Any]) -> m.Task:
        kind = m.TaskKind.APPROVAL if _has(c, "APPROVAL") else m.TaskKind.STEP
        items: list[Any] = []
        for x in _nodes(c):
            items.extend(x if isinstance(x, list) else [x])
        single: dict[str, Any] = {}
        lists: dict[str, list[Any]] = {k: [] for k in (
            "exclusions", "extra", "inputs", "outputs", "check", "notify", "routes",
            "allows", "sets", "description")}

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
                case m.EmptyApprover():
                    once("when no approver", item, item.span)
                case m.Allow():
                    lists["allows"].append(item)
                case m.Setting():
                    lists["sets"].append(item)
                case Item(key="description"):  # several lines: one paragraph each
                    lists["description"].append(item.value)
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
            kind=kind, name=self._first_name(c), title=self._string(c),
            description="\n\n".join(lists["description"]) or None, assignee=single.get("by"),
            exclusions=tuple(lists["exclusions"]), extra_approvers=tuple(lists["extra"]),
            inputs=tuple(lists["inputs"]), outputs=tuple(lists["outputs"]),
            checklist=tuple(lists["check"]), sla=single.get("sla"),
            notifies=tuple(lists["notify"]), routes=tuple(lists["routes"]),
            join=single.get("wait"), for_each=single.get("for each"), call=single.get("run"),
            span=self._span(meta), on_empty=single.get("when no approver"),
            dedupe=bool(single.get("dedupe")), allows=tuple(lists["allows"]),
            sets=tuple(lists["sets"]), to_returner=bool(single.get("resubmission")))

    # ---------------------------------------------------------------- time
    def duration(self, meta: Meta, c: list[Any]) -> m.Duration:
        amount = _token(c, "INT_NUMBER", "DECIMAL_NUMBER")
        return m.Duration(amount=_number(str(amount)), unit=_UNITS[_token(c, *_UNITS).type],
                          span=self._span(meta))

    def remind_percent(self, meta: Meta, c: list[Any]) -> m.Reminder:
        share = str(_token(c, "PERCENT")).rstrip("%")
        return m.Reminder(percent=_number(share), before=None, span=self._span(meta))

    def remind_before(self, meta: Meta, c: list[Any]) -> m.Reminder:
        return m.Reminder(percent=None, before=_one(c, m.Duration), span=self._span(meta))

    def breach_notify(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(kind=m.BreachKind.NOTIFY, roles=_one(c, tuple), target=None,
                        span=self._span(meta))

    def breach_escalate(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(kind=m.BreachKind.ESCALATE, roles=(self._first_name(c),), target=None,
                        span=self._span(meta))

    def breach_auto_approve(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(kind=m.BreachKind.AUTO_APPROVE, roles=(), target=None,
                        span=self._span(meta))

    def breach_auto_reject(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(kind=m.BreachKind.AUTO_REJECT, roles=(), target=None,
                        span=self._span(meta))

    def breach_goto(self, meta: Meta, c: list[Any]) -> m.Breach:
        return m.Breach(kind=m.BreachKind.GOTO, roles=(), target=_one(c, m.Target),
                        span=self._span(meta))

    def on_breach(self, meta: Meta, c: list[Any]) -> m.Breach:
        found = _maybe(c, m.Provenance)
        breach = _one(c, m.Breach)
        return breach if found is None else replace(breach, provenance=found)

    def sla(self, meta: Meta, c: list[Any]) -> m.Sla:
        return m.Sla(duration=_one(c, m.Duration),
                     reminders=tuple(x for x in c if isinstance(x, m.Reminder)),
                     breaches=tuple(x for x in c if isinstance(x, m.Breach)),
                     span=self._span(meta), provenance=_maybe(c, m.Provenance))

    # ---------------------------------------------------------------- rules and ends
    def result_names(self, meta: Meta, c: list[Any]) -> m.RuleResult:
        return m.RuleResult(kind=m.ResultKind.UNKNOWN, names=self._names(c), value=None,
                            span=self._span(meta))

    def result_value(self, meta: Meta, c: list[Any]) -> m.RuleResult:
        return m.RuleResult(kind=m.ResultKind.VALUE, names=(), value=_one(c, m.Literal),
                            span=self._span(meta))

    def rule_row(self, meta: Meta, c: list[Any]) -> m.RuleRow:
        return m.RuleRow(condition=_condition(c), result=_one(c, m.RuleResult),
                         span=self._span(meta), provenance=_maybe(c, m.Provenance))

    def rule_otherwise(self, meta: Meta, c: list[Any]) -> m.RuleRow:
        return m.RuleRow(condition=None, result=_one(c, m.RuleResult), span=self._span(meta),
                         provenance=_maybe(c, m.Provenance))

    def rule_def(self, meta: Meta, c: list[Any]) -> m.Rule:
        descriptions = [x.value for x in c if isinstance(x, Item)]
        return m.Rule(name=self._first_name(c), title=self._string(c),
                      description=descriptions[0] if descriptions else None,
                      rows=tuple(x for x in c if isinstance(x, m.RuleRow)),
                      span=self._span(meta))

    def end_def(self, meta: Meta, c: list[Any]) -> m.End:
        descriptions = [x.value for x in c if isinstance(x, Item)]
        return m.End(name=self._first_name(c), title=self._string(c),
                     success=not _has(c, "FAILURE"),
                     description=descriptions[0] if descriptions else None,
                     span=self._span(meta))

    # ---------------------------------------------------------------- conditions
    def or_expr(self, meta: Meta, c: list[Any]) -> m.BoolOp:
        return m.BoolOp(op="or", operands=tuple(_nodes(c)), span=self._span(meta))

    def and_expr(self, meta: Meta, c: list[Any]) -> m.BoolOp:
        return m.BoolOp(op="and", operands=tuple(_nodes(c)), span=self._span(meta))

    def negation(self, meta: Meta, c: list[Any]) -> m.Not:
        return m.Not(operand=_condition(c), span=self._span(meta))

    def compare(self, meta: Meta, c: list[Any]) -> m.Compare:
        op = str(_token(c, "COMPARE"))
        left, right = _nodes(c)
        return m.Compare(op=_COMPARE.get(op, op), left=left, right=right, span=self._span(meta))

    def member(self, meta: Meta, c: list[Any]) -> m.Member:
        operand, *items = _nodes(c)
        return m.Member(operand=operand, items=tuple(items), negated=False,
                        span=self._span(meta))

    def not_member(self, meta: Meta, c: list[Any]) -> m.Member:
        operand, *items = _nodes(c)
        return m.Member(operand=operand, items=tuple(items), negated=True,
                        span=self._span(meta))

    def arith(self, meta: Meta, c: list[Any]) -> m.Arith:
        op = str(_token(c, "PLUS", "MINUS", "MUL_OP"))
        left, right = _nodes(c)
        return m.Arith(op=_ARITH.get(op, op), left=left, right=right, span=self._span(meta))

    def negative(self, meta: Meta, c: list[Any]) -> m.Negative:
        return m.Negative(operand=_condition(c), span=self._span(meta))

    def ref(self, meta: Meta, c: list[Any]) -> m.EnumValue:
        return m.EnumValue(name=self._first_name(c), span=self._span(meta))

    name_literal = ref

    def int_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(value=_integer(str(c[0])), kind=m.LiteralKind.INT,
                         span=self._span(meta))

    def decimal_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(value=_number(str(c[0])), kind=m.LiteralKind.DECIMAL,
                         span=self._span(meta))

    def text_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(value=unquote(c[0]), kind=m.LiteralKind.TEXT, span=self._span(meta))

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
        return m.Literal(value=value, kind=m.LiteralKind.DATE, span=self._span(meta))

    def true_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(value=True, kind=m.LiteralKind.BOOL, span=self._span(meta))

    def false_literal(self, meta: Meta, c: list[Any]) -> m.Literal:
        return m.Literal(value=False, kind=m.LiteralKind.BOOL, span=self._span(meta))

    def __default__(self, data: str, children: list[Any], meta: Meta) -> Any:
        return Tree(data, children, meta)

