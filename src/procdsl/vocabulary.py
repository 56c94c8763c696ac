"""The vocabulary: every word procdsl shows a reader, in Chinese and English, once.

Diagnostics (``checks``), diagram labels and the manual (``emitters``) all word kinds,
conditions, literals, numbers, units and durations through this module, so they cannot
drift apart.  It sits below both: it reads the model (and the kinds it is made of) and
nothing else.  Every function returns whole plain text for one language, ``"zh"`` or
anything else for English; callers that need both languages call it twice.

Chinese words follow the office's own vocabulary (shared/design/GLOSSARY.md): 通过 /
驳回 / 退回, 会签 / 或签 / 依次审批, 工作日 ...

Numbers come in two forms.  *As written* is the spec's own notation (``50000``,
``1000.5``): diagnostics quote the spec, so the reader can find the text.  *As a reader
writes them* is the default: English groups thousands (``1,000,000``); Chinese writes a
round number of 万 or 亿 with that unit (``100 万``, ``3 亿``; the language has no ``万``
in numbers, so this is the one Chinese spelling the spec cannot choose) and groups the
others like English (``12,500``).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import Decimal

from . import model as m
from .kinds import (
    Acting,
    AssigneeMode,
    BreachKind,
    EmptyKind,
    EndKind,
    Indicator,
    JoinKind,
    LiteralKind,
    Permission,
    Split,
    TimeUnit,
    TypeKind,
)

# ------------------------------------------------------------------ text


class _Widths(dict[str, int]):
    """Each character's width in columns, looked up in ``unicodedata`` once."""

    def __missing__(self, c: str) -> int:
        self[c] = width = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        return width


_WIDTHS = _Widths()


def display_width(text: str) -> int:
    """Return how many terminal or label columns text takes (wide CJK characters count two)."""
    if text.isascii():  # no ASCII character is wide
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))


_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9\-]")


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


def ordinal(n: int) -> str:
    """Return an English ordinal ('1st', '2nd', '3rd', '11th')."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ------------------------------------------------------------------ numbers and values


def number_as_written(value: int | Decimal) -> str:
    """Return a number in the spec's notation: no exponent, no trailing zeros after '.'."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    return str(value)


def _grouped(text: str) -> str:
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    grouped = f"{int(digits):,}" if digits.isdigit() else digits
    return f"{sign}{grouped}{dot}{frac}"


_ZH_UNITS = ((100_000_000, "亿"), (10_000, "万"))


def number(value: int | Decimal, lang: str, *, as_written: bool = False) -> str:
    """Return a number as a reader writes it ('1,000,000'; '100 万' in Chinese).

    ``as_written`` gives the spec's own notation instead (for diagnostics).
    """
    text = number_as_written(value)
    if as_written:
        return text
    if lang == "zh" and value == int(value) and value != 0:
        whole = int(value)
        for size, word in _ZH_UNITS:
            if whole % size == 0:
                return f"{_grouped(str(whole // size))} {word}"
    return _grouped(text)


def boolean(value: bool, lang: str, *, prose: bool = False) -> str:
    """Return a yes/no value: 是/否; in English yes/no in prose, true/false in a condition."""
    if lang == "zh":
        return "是" if value else "否"
    if prose:
        return "yes" if value else "no"
    return "true" if value else "false"


def literal(lit: m.Literal, lang: str, *, prose: bool = False, as_written: bool = False) -> str:
    """Return a literal: in prose (是/否, yes/no, “text”) or in a compact condition
    (是/否, true/false, "text"); numbers as a reader writes them unless ``as_written``."""
    value = lit.value
    if isinstance(value, bool):
        return boolean(value, lang, prose=prose)
    if lit.kind is LiteralKind.TEXT:
        return f"“{value}”" if prose else f"\"{value}\""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, Decimal)):
        return number(value, lang, as_written=as_written)
    return str(value)


# ------------------------------------------------------------------ conditions, compact

_OPS_ZH = {"and": "且", "or": "或"}


def expression(expr: m.Expr, lang: str, *, as_written: bool = False) -> str:
    """Return a condition in the spec's symbols ('金额 >= 5 万 且 类别 == 设备').

    Diagram labels show it with numbers as a reader writes them; diagnostics pass
    ``as_written`` to quote the spec.
    """
    def fmt(e: m.Expr, parent: int) -> str:
        match e:
            case m.Literal():
                return literal(e, lang, as_written=as_written)
            case m.FieldRef() | m.EnumValue():
                return e.name.text
            case m.Not():
                inner = fmt(e.operand, 3)
                return f"非 {inner}" if lang == "zh" else f"not {inner}"
            case m.BoolOp():
                prec = 1 if e.op == "or" else 2
                word = _OPS_ZH[e.op] if lang == "zh" else e.op
                text = f" {word} ".join(fmt(x, prec) for x in e.operands)
                return f"({text})" if prec < parent else text
            case m.Compare():
                return f"{fmt(e.left, 4)} {e.op} {fmt(e.right, 4)}"
            case m.Member():
                items = ", ".join(fmt(x, 0) for x in e.items)
                word = ("不属于" if e.negated else "属于") if lang == "zh" else (
                    "not in" if e.negated else "in")
                return f"{fmt(e.operand, 4)} {word} ({items})"
            case m.Arith():
                prec = 5 if e.op in "+-" else 6
                text = f"{fmt(e.left, prec)} {e.op} {fmt(e.right, prec + 1)}"
                return f"({text})" if prec < parent else text
            case m.Negative():
                return f"-{fmt(e.operand, 7)}"
        return "?"
    return fmt(expr, 0)


# ------------------------------------------------------------------ conditions, in words

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
_MONEY = {"<": ("不足 {}", "less than {}"), "<=": ("{}（含）以下", "{} or less"),
          ">": ("超过 {}", "more than {}"), ">=": ("{}（含）以上", "{} or more")}
_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_ARITH = {"+": ("加", "plus"), "-": ("减", "minus"), "*": ("乘以", "times"),
          "/": ("除以", "divided by")}
_ARITH_PREC = {"+": 5, "-": 5, "*": 6, "/": 6}


def _is_kind(expr: m.Expr, spec: m.Spec, kinds: tuple[TypeKind, ...],
             lit: LiteralKind) -> bool:
    if isinstance(expr, m.Literal):
        return expr.kind is lit
    if isinstance(expr, m.FieldRef):
        field = spec.field(expr.name.text)
        return field is not None and field.type.kind in kinds
    return isinstance(expr, (m.Arith, m.Negative)) and lit is LiteralKind.INT


def _numeric(expr: m.Expr, spec: m.Spec) -> bool:
    kinds = (TypeKind.INT, TypeKind.DECIMAL, TypeKind.MONEY)
    return (_is_kind(expr, spec, kinds, LiteralKind.INT)
            or _is_kind(expr, spec, kinds, LiteralKind.DECIMAL))


def _dated(expr: m.Expr, spec: m.Spec) -> bool:
    return _is_kind(expr, spec, (TypeKind.DATE,), LiteralKind.DATE)


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
                return literal(e, self.lang, prose=True)
            case m.FieldRef() | m.EnumValue():
                return e.name.text if self.zh else spoken(e.name.text)
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
                word = _OPS_ZH[e.op] if self.zh else e.op
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
                return self.member(e.operand, e.items, e.negated)
            case m.FieldRef():
                return e.name.text if self.zh else f"{spoken(e.name.text)} is yes"
        return self.value(e, parent)

    def negated(self, e: m.Expr) -> str:
        match e:
            case m.Compare():
                return self.compare(_NEGATE[e.op], e.left, e.right)
            case m.Member():
                return self.member(e.operand, e.items, not e.negated)
            case m.FieldRef():
                return self.join([self.value(e), "为否" if self.zh else "is no"])
            case m.Not():
                return self.clause(e.operand)
        inner = self.clause(e)
        return f"并非（{inner}）" if self.zh else f"it is not the case that ({inner})"

    def money(self, op: str, left: m.Expr, right: m.Expr) -> str | None:
        """Return a money comparison with its currency ('金额 50 万元（含）以上',
        'amount is CNY 500,000 or more'), or None when it is not one.  An amount in a
        Chinese spec is in 元 (CNY); an English spec names no currency of its own."""
        if not (isinstance(left, m.FieldRef) and isinstance(right, m.Literal)
                and _is_kind(left, self.spec, (TypeKind.MONEY,), LiteralKind.INT)
                and isinstance(right.value, (int, Decimal)) and not isinstance(right.value, bool)
                and op in _MONEY):
            return None
        subject = self.value(left, 4)
        amount = number(right.value, self.lang)
        if self.zh:
            return join_zh([subject, _MONEY[op][0].format(f"{amount} 元" if amount[-1].isdigit()
                                                           else f"{amount}元")])
        cny = f"CNY {amount}" if self.spec.lang == "zh" else amount
        return f"{subject} is {_MONEY[op][1].format(cny)}"

    def compare(self, op: str, left: m.Expr, right: m.Expr) -> str:
        found = self.money(op, left, right)
        if found is not None:
            return found
        zh, en = _COMPARE[op]
        if op in _COMPARE_DATE and (_dated(left, self.spec) or _dated(right, self.spec)):
            zh, en = _COMPARE_DATE[op]
        elif self.zh and op in _COMPARE_NUMERIC_ZH and (
                _numeric(left, self.spec) or _numeric(right, self.spec)):
            zh = _COMPARE_NUMERIC_ZH[op]
        return self.join([self.value(left, 4), zh if self.zh else en, self.value(right, 4)])

    def member(self, operand: m.Expr, options: tuple[m.Expr, ...], negated: bool) -> str:
        items = [self.value(x, 4) for x in options]
        subject = self.value(operand, 4)
        if self.zh:
            if len(items) == 1:
                tail = ("不为" if negated else "为") + items[0]
            elif negated and len(items) == 2:
                tail = f"既不是{items[0]}也不是{items[1]}"
            elif negated:
                tail = "不为" + "、".join(items) + "中的任何一个"
            else:
                tail = "为" + list_words(items, "zh", "or") + ("之一" if len(items) > 2 else "")
            return join_zh([subject, tail])
        if len(items) == 1:
            tail = ("is not " if negated else "is ") + items[0]
        elif len(items) == 2:
            tail = (f"is neither {items[0]} nor {items[1]}" if negated
                    else f"is {items[0]} or {items[1]}")
        else:
            tail = ("is none of " if negated else "is one of ") + ", ".join(items)
        return f"{subject} {tail}"


def condition(expr: m.Expr, spec: m.Spec, lang: str) -> str:
    """Return a condition as words ('金额大于 5 万且类别为设备')."""
    return _Phrases(spec, lang).clause(expr)


# ------------------------------------------------------------------ actions

# action: (word, how a route sentence opens), each (zh, en)
_ACTIONS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    m.COMPLETE: (("完成", "done"), ("完成后", "When done")),
    m.APPROVE: (("通过", "approve"), ("通过后", "If approved")),
    m.REJECT: (("驳回", "reject"), ("驳回后", "If rejected")),
    m.RETURN: (("退回", "return"), ("退回后", "If sent back")),
    "otherwise": (("否则", "otherwise"), ("其他情况下", "Otherwise")),
    "timeout": (("超时", "overdue"), ("超时后", "If overdue")),
}


def action_word(action: str, lang: str) -> str:
    """Return the word for an action (通过 / approve); custom outcomes keep their name."""
    found = _ACTIONS.get(action)
    if found is None:
        return action
    return found[0][0] if lang == "zh" else found[0][1]


def action_clause(action: str, lang: str) -> str:
    """Return how a route sentence opens for an action ('通过后' / 'If approved')."""
    found = _ACTIONS.get(action) if action != "otherwise" else None
    if found is None:
        return f"选择{quote(action, 'zh')}后" if lang == "zh" else f"If the outcome is “{action}”"
    return found[1][0] if lang == "zh" else found[1][1]


def cap_limit(times: int, lang: str) -> str:
    """Return a cap as a limit ('最多 2 次' / 'at most 2 times')."""
    if lang == "zh":
        return f"最多 {times} 次"
    return "at most once" if times == 1 else f"at most {times} times"


def cap_after(times: int, lang: str) -> str:
    """Return what a cap's exhausted route is taken after ('超过 2 次' / 'after 2 times')."""
    if lang == "zh":
        return f"超过 {times} 次"
    return "after 1 time" if times == 1 else f"after {times} times"


# ------------------------------------------------------------------ time

# unit: (English singular, English plural, Chinese)
_UNITS: dict[TimeUnit, tuple[str, str, str]] = {
    TimeUnit.MINUTES: ("minute", "minutes", "分钟"),
    TimeUnit.HOURS: ("hour", "hours", "小时"),
    TimeUnit.WORK_HOURS: ("work hour", "work hours", "工作小时"),
    TimeUnit.DAYS: ("day", "days", "天"),
    TimeUnit.WORKDAYS: ("workday", "workdays", "工作日"),
    TimeUnit.WEEKS: ("week", "weeks", "周"),
}


def unit_word(unit: TimeUnit, amount: int | Decimal, lang: str) -> str:
    """Return a time unit's word for an amount ('工作日'; 'workday' or 'workdays')."""
    one, many, zh = _UNITS[unit]
    if lang == "zh":
        return zh
    return one if amount == 1 else many


def amount(value: int | Decimal, unit: TimeUnit, lang: str) -> str:
    """Return an amount of a unit ('2 工作日' / '2 workdays' / '1 hour')."""
    return f"{number(value, lang)} {unit_word(unit, value, lang)}"


def duration(d: m.Duration, lang: str) -> str:
    """Return a duration ('2 工作日' / '2 workdays')."""
    return amount(d.amount, d.unit, lang)


def percent(value: int | Decimal, lang: str) -> str:
    """Return a share ('75%')."""
    return f"{number(value, lang)}%"


# ------------------------------------------------------------------ approval modes

# mode: (zh name, zh meaning, en name, en meaning); {n} is the count
_MODES: dict[AssigneeMode, tuple[str, str, str, str]] = {
    AssigneeMode.ONE: ("单人审批", "", "one approver", ""),
    AssigneeMode.LIST: ("或签", "任一人决定", "any of", "the first decision counts"),
    AssigneeMode.ANY: ("或签", "任一人决定", "any of", "the first decision counts"),
    AssigneeMode.ALL: ("会签", "须全部同意", "all of (countersign)", "each must approve"),
    AssigneeMode.SEQUENCE: ("依次审批", "按顺序逐一审批", "in order", "one after another"),
    AssigneeMode.COUNT: ("{n} 人审批", "须为不同人员", "{n} of", "each a different person"),
    AssigneeMode.RULE: ("按审批权限表", "", "by rule", ""),
    AssigneeMode.REQUESTER: ("发起人审批", "", "the requester", ""),
    AssigneeMode.MANAGER: ("主管审批", "", "manager approval", ""),
    AssigneeMode.MANAGER_CHAIN: ("逐级审批", "各级主管依次审批", "managers in turn",
                                 "each level in order"),
    AssigneeMode.DEPARTMENT_HEAD: ("部门负责人审批", "", "department head", ""),
    AssigneeMode.FIELD: ("指定人审批", "", "named person", ""),
    AssigneeMode.PICK: ("发起人自选", "发起人指定审批人", "requester's choice",
                        "the requester names the approvers"),
}


def approver_words(a: m.Assignee, lang: str, roles: list[str] | None = None) -> str:
    """Return who an org-relative assignee is, the way an office says it ('发起人的直属主管',
    '发起人的第 2 级主管', 'the requester's manager'); ``roles`` words the role names
    (titles in English prose), the names themselves when None."""
    zh = lang == "zh"
    named = roles if roles is not None else [r.text for r in a.roles]
    level = a.level or 1
    match a.mode:
        case AssigneeMode.MANAGER if level == 1:
            return "发起人的直属主管" if zh else "the requester's manager"
        case AssigneeMode.MANAGER:
            return (f"发起人的第 {level} 级主管" if zh
                    else f"the requester's {ordinal(level)}-level manager")
        case AssigneeMode.MANAGER_CHAIN if named:
            return (f"发起人的各级主管（逐级审批，至{named[0]}为止）" if zh
                    else f"each of the requester's managers in turn, up to {named[0]}")
        case AssigneeMode.MANAGER_CHAIN:
            return (f"发起人的各级主管（逐级审批，共 {level} 级）" if zh
                    else f"each of the requester's managers in turn, {level} levels up")
        case AssigneeMode.DEPARTMENT_HEAD:
            return "发起人所在部门的负责人" if zh else "the head of the requester's department"
        case AssigneeMode.FIELD:
            name = a.field.text if a.field is not None else ""
            return f"{quote(name, lang)}中指定的人" if zh else f"the person named in {quote(name, lang)}"
        case AssigneeMode.PICK:
            role = named[0] if named else ""
            return (join_zh(["发起人自选的", role]) if zh
                    else f"the {role} the requester chooses")
    return list_words(named, lang)


def approver_lane(a: m.Assignee, lang: str) -> str:
    """Return a lane label for org-relative approvers ('发起人的直属主管', '连续多级主管（至 总监）')."""
    zh = lang == "zh"
    if a.mode is AssigneeMode.MANAGER_CHAIN:
        upto = a.roles[0].text if a.roles else (f"{a.level or 1} 级" if zh else
                                                 f"{a.level or 1} levels")
        return f"连续多级主管（至 {upto}）" if zh else f"Managers up to {upto}"
    text = approver_words(a, lang)
    return text[:1].upper() + text[1:] if not zh else text


def empty_text(kind: EmptyKind, role: str | None, lang: str) -> str:
    """Return what an approval does when no approver is found ('审批人为空时自动通过')."""
    zh = lang == "zh"
    match kind:
        case EmptyKind.AUTO_APPROVE:
            return "审批人为空时自动通过" if zh else "when no approver is found, it is approved"
        case EmptyKind.REJECT:
            return "审批人为空时自动拒绝" if zh else "when no approver is found, it is rejected"
    return (join_zh(["审批人为空时转交", role or ""]) if zh
            else f"when no approver is found, it goes to {role}")


DEDUPE_TEXT = ("已审批过的人自动跳过（去重）", "anyone who already approved in this case is skipped")
TO_RETURNER_TEXT = ("重新提交后直达退回人",
                    "after resubmission it goes straight back to whoever returned it")

_PERMISSIONS = {
    Permission.TRANSFER: ("可转交", "may be transferred"),
    Permission.ADD_SIGN: ("可加签", "may add signers"),
    Permission.DELEGATE: ("可由代理人审批", "a delegate may act for an absent approver"),
    Permission.URGE: ("发起人可催办", "the requester may urge"),
}


def permissions_text(permissions: tuple[Permission, ...], lang: str,
                     roles: list[str] | None = None) -> str:
    """Return what approvers may do at run time ('可转交、可加签'); ``roles``: whom they
    may bring in."""
    zh = lang == "zh"
    words = [_PERMISSIONS[p][0 if zh else 1] for p in permissions]
    text = "、".join(words) if zh else list_words(words, lang)
    if roles:
        text += (f"（限{'、'.join(roles)}）" if zh else f" (to {list_words(roles, lang, 'or')})")
    return text


def return_cap_text(times: int, lang: str) -> str:
    """Return a case-wide cap on returns ('全程最多退回 2 次')."""
    if lang == "zh":
        return f"全程最多退回 {times} 次"
    return f"the case may be returned {cap_limit(times, lang)} in all"


def mode_name(a: m.Assignee, lang: str, spec: m.Spec | None = None) -> str:
    """Return an approval mode's name (会签 / all of (countersign), 2 人审批 / 2 of); a
    rule approval names its rule (按审批权限表「X」, by its title when ``spec`` is given)."""
    zh, _, en, _ = _MODES[a.mode]
    word = (zh if lang == "zh" else en).format(n=a.count or "")
    if a.mode is AssigneeMode.RULE and a.rule is not None:
        rule = rule_word(spec, a.rule.text) if spec is not None else a.rule.text
        return f"{word}{quote(rule, lang)}" if lang == "zh" else f"{word} {quote(rule, lang)}"
    return word


def mode_text(a: m.Assignee, lang: str) -> str:
    """Return an approval mode with what it means ('会签（须全部同意）'); a rule approval
    is the bare '按审批权限表' / 'by rule' (the manual names the rule beside it)."""
    zh_name, zh, en_name, en = _MODES[a.mode]
    name = (zh_name if lang == "zh" else en_name).format(n=a.count or "")
    meaning = (zh if lang == "zh" else en).format(n=a.count or "")
    if not meaning:
        return name
    return f"{name}（{meaning}）" if lang == "zh" else f"{name}: {meaning}"


# ------------------------------------------------------------------ names the spec titles


# The words a spec may name an indicator with (目标 超时率 3%), and how the manual names it.
INDICATOR_WORDS: dict[Indicator, tuple[tuple[str, ...], str, str]] = {
    Indicator.LATE_RATE: (("超时率", "late_rate", "late"), "超时率", "late rate"),
    Indicator.FIRST_PASS: (("一次通过率", "first_pass_rate", "first_pass"), "一次通过率",
                           "first-pass rate"),
    Indicator.CYCLE_TIME: (("平均周期", "cycle_time", "周期"), "平均周期", "average cycle time"),
}


def indicator_named(name: str) -> Indicator | None:
    """Return the indicator a spec's word names ('超时率', 'late_rate'), or None."""
    for kind, (spellings, _, _) in INDICATOR_WORDS.items():
        if name.lower() in spellings:
            return kind
    return None


def spoken(name: str) -> str:
    """Return an identifier as English prose says it ('department_head' -> 'department head')."""
    return name.replace("_", " ").strip() or name


def role_word(spec: m.Spec, name: str, lang: str) -> str:
    """Return how prose names a role: its title in English (an English spec names roles
    with identifiers like ``department_head`` and titles them), its name in Chinese
    (the name is the office's own word; a Chinese title is often a whole description)."""
    if lang == "zh":
        return name
    role = spec.role(name)
    return role.title if role is not None and role.title else spoken(name)


def role_words(spec: m.Spec, names: tuple[m.Name, ...] | list[m.Name], lang: str) -> list[str]:
    """Return role_word of each name."""
    return [role_word(spec, n.text, lang) for n in names]


def rule_word(spec: m.Spec, name: str) -> str:
    """Return how prose names a rule: its title, else its name."""
    rule = spec.rule(name)
    return rule.title if rule is not None and rule.title else name


# ------------------------------------------------------------------ other kinds


def breach_name(kind: BreachKind, lang: str) -> str:
    """Return a breach action's short name ('自动通过' / 'auto approve')."""
    return _BREACHES[kind][0 if lang == "zh" else 1]


_BREACHES = {
    BreachKind.NOTIFY: ("通知", "notify"),
    BreachKind.ESCALATE: ("升级至", "escalate to"),
    BreachKind.AUTO_APPROVE: ("自动通过", "auto approve"),
    BreachKind.AUTO_REJECT: ("自动驳回", "auto reject"),
    BreachKind.GOTO: ("转到", "go to"),
}


def breach_label(b: m.Breach, lang: str) -> str:
    """Return a breach action for a diagram label ('升级至 主管', 'auto approve')."""
    word = breach_name(b.kind, lang)
    if b.kind in (BreachKind.NOTIFY, BreachKind.ESCALATE):
        return f"{word} {('、' if lang == 'zh' else ', ').join(r.text for r in b.roles)}"
    if b.kind is BreachKind.GOTO:
        return f"{word} {b.target.name.text if b.target else ''}"
    return word


def end_kind_word(kind: EndKind, lang: str) -> str:
    """Return an end's kind ('成功' / 'success')."""
    return {EndKind.SUCCESS: ("成功", "success"),
            EndKind.FAILURE: ("失败", "failure")}[kind][0 if lang == "zh" else 1]


def join_text(kind: JoinKind, lang: str) -> str:
    """Return how a task waits for the branches that lead to it."""
    return {
        JoinKind.ALL: ("等所有已开始的分支都到达后才开始",
                       "starts only when every branch that was started has arrived"),
        JoinKind.EACH: ("每个分支到达时各办理一次", "is done once for every branch that arrives"),
        JoinKind.ANY: ("任一分支到达即开始，之后到达的分支不再重复开始",
                       "starts when the first branch arrives; later branches do not start it "
                       "again"),
    }[kind][0 if lang == "zh" else 1]


CHOICE_WORDS = ("审批人选定", "(approver's choice)")  # a return the approver aims, drawn


def rule_route_words(rule: str, lang: str) -> str:
    """Return the words for a route a decision table chooses ('按规则 R', 'by rule R')."""
    return f"按规则 {rule}" if lang == "zh" else f"by rule {rule}"


def split_text(split: Split, refs: list[str], lang: str, rule: str = "") -> str:
    """Return where a split sends the case ('同时开始A、B（并行办理）'); ONE: the one ref."""
    if split is Split.PARALLEL:
        return (f"同时开始{'、'.join(refs)}（并行办理）" if lang == "zh"
                else f"start {list_words(refs, lang)} at the same time")
    if split is Split.INTERLEAVED:
        return (f"按任意顺序逐一办理{'、'.join(refs)}（同一时间只办理一项）" if lang == "zh"
                else f"do {list_words(refs, lang)} in any order, one at a time")
    if split is Split.RULE:
        return (f"按规则 {rule} 确定转至{list_words(refs, lang, 'or')}" if lang == "zh"
                else f"go where rule {rule} decides: {list_words(refs, lang, 'or')}")
    if split is Split.CHOICE:
        return (f"退回至审批人选定的步骤：{list_words(refs, lang, 'or')}" if lang == "zh"
                else f"it goes back to the step the approver chooses: "
                     f"{list_words(refs, lang, 'or')}")
    return refs[0]


def acting_word(how: Acting, lang: str, *, mode: AssigneeMode | None = None,
                approval: bool = False, turn: int = 1, rule: str = "",
                whole_process: bool = False) -> str:
    """Return what a role does for a task drawn in another lane ('会签' / 'co-signs').

    ``mode`` and ``approval`` describe the task, ``turn`` is the role's place in an
    ``A then B`` chain (from 1), ``rule`` the rule an approval uses, ``whole_process``
    marks an escalation of the process's own time limit.
    """
    zh = lang == "zh"
    match how:
        case Acting.CO_APPROVES if mode is AssigneeMode.ALL:
            return "会签" if zh else "co-signs"
        case Acting.CO_APPROVES if mode is AssigneeMode.SEQUENCE:
            return f"依次审批（第 {turn} 位）" if zh else f"approves in turn (no. {turn})"
        case Acting.CO_APPROVES if approval:
            return "或签" if zh else "may decide"
        case Acting.CO_APPROVES:
            return "也可办理" if zh else "may do"
        case Acting.BY_RULE:
            return f"按规则 {rule} 审批" if zh else f"approves by rule {rule}"
        case Acting.ALSO_APPROVES:
            return "另需审批" if zh else "also approves"
        case Acting.TAKES_OVER if whole_process:
            return "流程超时后接手" if zh else "takes over when the case is overdue"
        case Acting.TAKES_OVER:
            return "超时后接手" if zh else "takes over when overdue"
        case Acting.IF_EMPTY:
            return "审批人为空时审批" if zh else "approves when no approver is found"
    return str(how.value)


_TYPES = {TypeKind.BOOL: ("是/否", "yes or no"), TypeKind.INT: ("整数", "whole number"),
          TypeKind.DECIMAL: ("数值", "number"), TypeKind.MONEY: ("金额", "money"),
          TypeKind.TEXT: ("文本", "text"), TypeKind.DATE: ("日期", "date")}


def type_text(t: m.DataType, lang: str) -> str:
    """Return a data type in words ('选项：低、中、高', 'list of text')."""
    zh = lang == "zh"
    if t.kind is TypeKind.ENUM:
        values = [v.text for v in t.values]
        return "选项：" + "、".join(values) if zh else "one of " + ", ".join(values)
    if t.kind is TypeKind.LIST and t.item is not None:
        item = type_text(t.item, lang)
        return f"列表（每项为{item}）" if zh else f"list of {item}"
    return _TYPES[t.kind][0 if zh else 1] if t.kind in _TYPES else t.kind.value


def field_limits(f: m.Field, lang: str) -> str:
    """Return what a field must hold beyond its type: 必填, 范围 (both ends included);
    "" when nothing ("必填；0 至 100 万" / "required; 0 to 1,000,000")."""
    zh = lang == "zh"
    parts = ["必填" if zh else "required"] if f.required else []
    if f.low is not None and f.high is not None:
        def say(b: m.Bound) -> str:
            if isinstance(b.value, (int, Decimal)):
                return number(b.value, lang)
            return b.value.isoformat() if isinstance(b.value, _dt.date) else str(b.value)
        parts.append(f"{say(f.low)} 至 {say(f.high)}" if zh
                     else f"{say(f.low)} to {say(f.high)}")
    return ("；" if zh else "; ").join(parts)


def field_type_text(f: m.Field, lang: str) -> str:
    """Return a field's type with its limits, as the manual's data table shows it
    ("金额（必填；0 至 100 万）" / "money (required; 0 to 1,000,000)")."""
    limits = field_limits(f, lang)
    if not limits:
        return type_text(f.type, lang)
    return (f"{type_text(f.type, lang)}（{limits}）" if lang == "zh"
            else f"{type_text(f.type, lang)} ({limits})")


def approver_caption(task: m.Task, lang: str) -> str | None:
    """Return the compact line a diagram shows under an org-relative approval: a chain's
    levels, what happens when nobody is found, what approvers may do ('逐级审批：直属主管 →
    … → 总监；审批人为空时自动通过；可转交、可加签'); None when there is nothing to add."""
    zh = lang == "zh"
    a = task.assignee
    parts: list[str] = []
    if a is not None and a.mode is AssigneeMode.MANAGER_CHAIN:
        top = a.roles[0].text if a.roles else (f"第 {a.level or 1} 级" if zh
                                                else ordinal(a.level or 1) + " level")
        parts.append(f"逐级审批：直属主管 → … → {top}" if zh
                     else f"in turn: manager → … → {top}")
    if a is not None and a.mode is AssigneeMode.PICK:
        parts.append("发起人自选审批人" if zh else "the requester chooses the approvers")
    if task.on_empty is not None:
        role = task.on_empty.role.text if task.on_empty.role is not None else None
        parts.append(empty_text(task.on_empty.kind, role, lang))
    if task.dedupe:
        parts.append("去重" if zh else "dedupe")
    if task.permissions:
        parts.append(permissions_text(task.permissions, lang))
    if task.to_returner:
        parts.append("重新提交后直达退回人" if zh else "resubmitted: back to the returner")
    return ("；" if zh else "; ").join(parts) or None


def approval_text(task: m.Task, lang: str, roles: list[str] | None = None) -> str:
    """Return how an approval is decided, as an office says it: the mode, or who the
    org-relative approver is, then what happens when nobody is found, de-duplication and
    what approvers may do ('发起人的直属主管审批；审批人为空时自动通过；可转交、可加签');
    ``roles`` words the roles of ``allow ... to R`` (role names when None)."""
    zh = lang == "zh"
    a = task.assignee
    if a is None:
        return ""
    if a.mode.org or a.mode is AssigneeMode.PICK:
        who = approver_words(a, lang)
        parts = [f"{who}审批" if zh else f"approved by {who}"]
    else:
        parts = [mode_text(a, lang)]
    if task.on_empty is not None:
        role = task.on_empty.role.text if task.on_empty.role is not None else None
        parts.append(empty_text(task.on_empty.kind, role, lang))
    if task.dedupe:
        parts.append(DEDUPE_TEXT[0 if zh else 1])
    for allow in task.allows:
        named = roles if roles is not None else [r.text for r in allow.roles]
        parts.append(permissions_text(allow.permissions, lang, named if allow.roles else None))
    if task.to_returner:
        parts.append(TO_RETURNER_TEXT[0 if zh else 1])
    return ("；" if zh else "; ").join(parts)
