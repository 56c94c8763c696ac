"""Plain sentences for the manual: conditions and routes in Chinese or English.

Every function returns plain text (no Markdown); the manual's templates escape it.
Each route sentence names its targets the same way (``第 4 步「复核」`` / ``step 4,
“Review”``), so a reader can follow them and a test can read them back.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from decimal import Decimal

from .. import model as m
from .words import action_word, format_number

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9\-]")

# comparison words: (zh, en), with date wording for dates
_COMPARE = {
    "==": ("为", "is"), "!=": ("不为", "is not"),
    "<": ("小于", "is less than"), "<=": ("不超过", "is at most"),
    ">": ("大于", "is greater than"), ">=": ("不低于", "is at least"),
}
_COMPARE_NUMERIC_ZH = {"==": "等于", "!=": "不等于"}
_COMPARE_DATE = {
    "<": ("早于", "is before"), "<=": ("不晚于", "is on or before"),
    ">": ("晚于", "is after"), ">=": ("不早于", "is on or after"),
}
_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_ARITH = {"+": ("加", "plus"), "-": ("减", "minus"), "*": ("乘以", "times"),
          "/": ("除以", "divided by")}
_ARITH_PREC = {"+": 5, "-": 5, "*": 6, "/": 6}

_ACTION_CLAUSES = {
    m.COMPLETE: ("完成后", "When done"),
    m.APPROVE: ("通过后", "If approved"),
    m.REJECT: ("驳回后", "If rejected"),
    m.RETURN: ("退回后", "If sent back"),
    "timeout": ("超时后", "If overdue"),
}


def join_zh(parts: list[str]) -> str:
    """Return parts joined the Chinese way: a space only between CJK and Latin text."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out and _needs_space(out[-1], part[0]):
            out += " "
        out += part
    return out


def _needs_space(left: str, right: str) -> bool:
    return bool((_CJK.match(left) and _ASCII_WORD.match(right))
                or (_ASCII_WORD.match(left) and _CJK.match(right))
                or (_ASCII_WORD.match(left) and _ASCII_WORD.match(right)))


def list_words(items: list[str], lang: str, conj: str = "and") -> str:
    """Return 'A、B' / 'A and B' / 'A, B and C' (conj 'or' for alternatives)."""
    if lang == "zh":
        if conj == "or" and len(items) > 1:
            return "、".join(items[:-1]) + "或" + items[-1]
        return "、".join(items)
    if len(items) <= 2:
        return f" {conj} ".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def quote(text: str, lang: str) -> str:
    """Return text in the quotation marks of the language (「」 or “”)."""
    return f"「{text}」" if lang == "zh" else f"“{text}”"


# ------------------------------------------------------------------ values


def _number_en(value: int | Decimal) -> str:
    text = format_number(value)
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    grouped = f"{int(digits):,}" if digits.isdigit() else digits
    return f"{sign}{grouped}{dot}{frac}"


def literal_text(lit: m.Literal, lang: str) -> str:
    """Return a literal as a reader writes it (是/否, yes/no, 50,000, “text”)."""
    value = lit.value
    if lit.kind is m.LiteralKind.BOOL:
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if lit.kind is m.LiteralKind.TEXT:
        return f"“{value}”"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, Decimal)):
        return format_number(value) if lang == "zh" else _number_en(value)
    return str(value)


def _is_kind(expr: m.Expr, spec: m.Spec, kinds: tuple[m.TypeKind, ...],
             literal: m.LiteralKind) -> bool:
    if isinstance(expr, m.Literal):
        return expr.kind is literal
    if isinstance(expr, m.FieldRef):
        field = spec.field(expr.name.text)
        return field is not None and field.type.kind in kinds
    return isinstance(expr, (m.Arith, m.Negative)) and literal is m.LiteralKind.INT


def _numeric(expr: m.Expr, spec: m.Spec) -> bool:
    kinds = (m.TypeKind.INT, m.TypeKind.DECIMAL, m.TypeKind.MONEY)
    return (_is_kind(expr, spec, kinds, m.LiteralKind.INT)
            or _is_kind(expr, spec, kinds, m.LiteralKind.DECIMAL))


def _dated(expr: m.Expr, spec: m.Spec) -> bool:
    return _is_kind(expr, spec, (m.TypeKind.DATE,), m.LiteralKind.DATE)


# ------------------------------------------------------------------ conditions


class _Phrases:
    """Turns condition expressions into phrases for one spec and language."""

    def __init__(self, spec: m.Spec, lang: str) -> None:
        self.spec = spec
        self.zh = lang == "zh"
        self.lang = lang

    def join(self, parts: list[str]) -> str:
        return join_zh(parts) if self.zh else " ".join(p for p in parts if p)

    def join_op(self, word: str, parts: list[str]) -> str:
        if not self.zh:
            return f" {word} ".join(parts)
        out = [parts[0]]
        for part in parts[1:]:
            out += [word, part]
        return join_zh(out)

    def value(self, e: m.Expr, parent: int = 0) -> str:
        match e:
            case m.Literal():
                return literal_text(e, self.lang)
            case m.FieldRef() | m.EnumValue():
                return e.name.text
            case m.Negative():
                return "-" + self.value(e.operand, 7)
            case m.Arith():
                prec = _ARITH_PREC[e.op]
                word = _ARITH[e.op][0 if self.zh else 1]
                text = self.join([self.value(e.left, prec), word, self.value(e.right, prec + 1)])
                if prec < parent:
                    return f"（{text}）" if self.zh else f"({text})"
                return text
        return self.clause(e, parent)

    def clause(self, e: m.Expr, parent: int = 0) -> str:
        match e:
            case m.BoolOp():
                prec = 1 if e.op == "or" else 2
                word = {"and": "且", "or": "或"}[e.op] if self.zh else e.op
                parts = [self.clause(x, prec + 1) for x in e.operands]
                text = self.join_op(word, parts)
                if prec < parent:
                    return f"（{text}）" if self.zh else f"({text})"
                return text
            case m.Not():
                return self.negated(e.operand)
            case m.Compare():
                return self.compare(e.op, e.left, e.right)
            case m.Member():
                return self.member(e)
            case m.FieldRef():
                return e.name.text if self.zh else f"{e.name.text} is yes"
        return self.value(e, parent)

    def negated(self, e: m.Expr) -> str:
        match e:
            case m.Compare():
                return self.compare(_NEGATE[e.op], e.left, e.right)
            case m.Member():
                return self.member(m.Member(e.operand, e.items, not e.negated, e.span))
            case m.FieldRef():
                return self.join([e.name.text, "为否" if self.zh else "is no"])
            case m.Not():
                return self.clause(e.operand)
        inner = self.clause(e)
        return f"并非（{inner}）" if self.zh else f"it is not the case that ({inner})"

    def compare(self, op: str, left: m.Expr, right: m.Expr) -> str:
        zh, en = _COMPARE[op]
        if op in _COMPARE_DATE and (_dated(left, self.spec) or _dated(right, self.spec)):
            zh, en = _COMPARE_DATE[op]
        elif self.zh and op in _COMPARE_NUMERIC_ZH and (
                _numeric(left, self.spec) or _numeric(right, self.spec)):
            zh = _COMPARE_NUMERIC_ZH[op]
        return self.join([self.value(left, 4), zh if self.zh else en, self.value(right, 4)])

    def member(self, e: m.Member) -> str:
        items = [self.value(x, 4) for x in e.items]
        subject = self.value(e.operand, 4)
        if self.zh:
            if len(items) == 1:
                tail = ("不为" if e.negated else "为") + items[0]
            elif e.negated and len(items) == 2:
                tail = f"既不是{items[0]}也不是{items[1]}"
            elif e.negated:
                tail = "不为" + "、".join(items) + "中的任何一个"
            else:
                tail = "为" + list_words(items, "zh", "or") + ("之一" if len(items) > 2 else "")
            return join_zh([subject, tail])
        if len(items) == 1:
            tail = ("is not " if e.negated else "is ") + items[0]
        elif len(items) == 2:
            tail = (f"is neither {items[0]} nor {items[1]}" if e.negated
                    else f"is {items[0]} or {items[1]}")
        else:
            tail = ("is none of " if e.negated else "is one of ") + ", ".join(items)
        return f"{subject} {tail}"


def condition_sentence(expr: m.Expr, spec: m.Spec, lang: str) -> str:
    """Return a condition as words ('金额大于 50000 且类别为设备')."""
    return _Phrases(spec, lang).clause(expr)


# ------------------------------------------------------------------ routes


def action_clause(action: str, lang: str) -> str:
    """Return how a route sentence opens for an action ('通过后' / 'If approved')."""
    pair = _ACTION_CLAUSES.get(action)
    if pair is None:
        return f"选择{quote(action, 'zh')}后" if lang == "zh" else f"If the outcome is “{action}”"
    return pair[0] if lang == "zh" else pair[1]


def target_ref(target: m.Target, spec: m.Spec, numbers: Mapping[str, int], lang: str) -> str:
    """Return how a sentence names a target: '第 4 步「复核」' or 'end “Done”'."""
    name = target.name.text
    if target.kind is m.TargetKind.STEP and spec.task(name) is not None:
        return task_ref(name, spec, numbers, lang)
    end = spec.end(name) if target.kind is m.TargetKind.END else None
    label = end.label if end is not None else name
    return f"结束{quote(label, lang)}" if lang == "zh" else f"end {quote(label, lang)}"


def go_clause(targets: tuple[m.Target, ...], split: m.Split, action: str, spec: m.Spec,
        numbers: Mapping[str, int], lang: str) -> str:
    refs = [target_ref(t, spec, numbers, lang) for t in targets]
    zh = lang == "zh"
    if split is m.Split.PARALLEL:
        return (f"同时开始{'、'.join(refs)}（并行办理）" if zh
                else f"start {list_words(refs, lang)} at the same time")
    if split is m.Split.INTERLEAVED:
        return (f"按任意顺序逐一办理{'、'.join(refs)}（同一时间只办理一项）" if zh
                else f"do {list_words(refs, lang)} in any order, one at a time")
    ref = refs[0]
    end = spec.end(targets[0].name.text) if targets[0].kind is m.TargetKind.END else None
    if end is not None:
        return (f"流程结束，结果为{quote(end.label, lang)}" if zh
                else f"the process ends with {quote(end.label, lang)}")
    if action == m.RETURN:
        return f"回到{ref}重新办理" if zh else f"it goes back to {ref} for rework"
    return f"转至{ref}" if zh else f"go to {ref}"


def _times(n: int, lang: str) -> str:
    if lang == "zh":
        return f"最多 {n} 次"
    return "at most once" if n == 1 else f"at most {n} times"


def route_sentence(route: m.Route, spec: m.Spec, numbers: Mapping[str, int], lang: str,
                   fallback: bool = False) -> str:
    """Return one route as a sentence ('完成后，金额大于 50000 时，转至第 5 步「总经理审批」。').

    ``fallback`` marks an unconditional route that follows conditional ones for the
    same action, so the sentence says 'otherwise'.
    """
    zh = lang == "zh"
    opening = action_clause(route.action, lang)
    go = go_clause(route.targets, route.split, route.action, spec, numbers, lang)
    if route.condition is not None:
        cond = condition_sentence(route.condition, spec, lang)
        if zh:
            text = f"{opening}，{join_zh([cond, '时'])}，{go}"
        elif route.action == m.COMPLETE:
            text = f"{opening}, if {cond}, {go}"
        else:
            text = f"{opening} and {cond}, {go}"
    elif zh and (fallback or route.kind is m.RouteKind.OTHERWISE):
        text = f"{opening}，其他情况下{go}"
    elif fallback or route.kind is m.RouteKind.OTHERWISE:
        joint = ", otherwise" if route.action == m.COMPLETE else " in any other case,"
        text = f"{opening}{joint} {go}"
    else:
        text = f"{opening}，{go}" if zh else f"{opening}, {go}"
    if route.cap is not None:
        times = _times(route.cap.times, lang)
        text += f"（{times}）" if zh else f", {times}"
    return text + ("。" if zh else ".")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def cap_sentence(route: m.Route, spec: m.Spec, numbers: Mapping[str, int], lang: str) -> str:
    """Return where a capped route goes once the cap is used up ('第 4 次退回时，……')."""
    assert route.cap is not None and route.cap.then is not None
    go = go_clause((route.cap.then,), m.Split.ONE, "", spec, numbers, lang)
    nth = route.cap.times + 1
    if lang == "zh":
        word = action_word(route.action, lang)
        return f"第 {nth} 次{word}时，改为{go}。"
    return f"{action_clause(route.action, lang)} for the {_ordinal(nth)} time, {go} instead."


def breach_sentence(target: m.Target, spec: m.Spec, numbers: Mapping[str, int],
                    lang: str) -> str:
    """Return where a task goes when its deadline passes ('超时后，转至第 6 步「X」。')."""
    go = go_clause((target,), m.Split.ONE, "timeout", spec, numbers, lang)
    return f"{action_clause('timeout', lang)}，{go}。" if lang == "zh" else (
        f"{action_clause('timeout', lang)}, {go}.")


def task_route_sentences(task: m.Task, spec: m.Spec, numbers: Mapping[str, int],
                         lang: str) -> tuple[str, ...]:
    """Return every way onward from a task as sentences, in route order, breaches last."""
    out: list[str] = []
    conditional: set[str] = set()
    for route in task.routes:
        fallback = route.condition is None and route.action in conditional
        out.append(route_sentence(route, spec, numbers, lang, fallback))
        if route.condition is not None:
            conditional.add(route.action)
        if route.cap is not None and route.cap.then is not None:
            out.append(cap_sentence(route, spec, numbers, lang))
    if task.sla is not None:
        for breach in task.sla.breaches:
            if breach.target is not None:
                out.append(breach_sentence(breach.target, spec, numbers, lang))
    return tuple(out)

def task_ref(name: str, spec: m.Spec, numbers: Mapping[str, int], lang: str) -> str:
    """Return how the manual names a task by its name ('第 4 步「复核」')."""
    task = spec.task(name)
    if task is None or name not in numbers:
        return quote(name, lang)
    if lang == "zh":
        return f"第 {numbers[name]} 步{quote(task.label, lang)}"
    return f"{quote(task.label, lang)} (step {numbers[name]})"
