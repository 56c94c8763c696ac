"""Bilingual words every emitter shares: outcomes, approval modes, units, conditions.

The Chinese words follow ``shared/design/GLOSSARY.md`` so readers see their office's
own vocabulary (通过 / 驳回 / 退回, 会签 / 或签 / 依次审批, 工作日 ...).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from .. import model as m

ACTION_WORDS: dict[str, tuple[str, str]] = {
    m.COMPLETE: ("done", "完成"),
    m.APPROVE: ("approve", "通过"),
    m.REJECT: ("reject", "驳回"),
    m.RETURN: ("return", "退回"),
    "otherwise": ("otherwise", "否则"),
    "timeout": ("overdue", "超时"),
}

MODE_WORDS: dict[m.AssigneeMode, tuple[str, str]] = {
    m.AssigneeMode.ONE: ("one approver", "单人审批"),
    m.AssigneeMode.LIST: ("any of", "或签"),
    m.AssigneeMode.ALL: ("all of (countersign)", "会签"),
    m.AssigneeMode.ANY: ("any of", "或签"),
    m.AssigneeMode.SEQUENCE: ("in order", "依次审批"),
    m.AssigneeMode.COUNT: ("{n} of", "{n} 人审批"),
    m.AssigneeMode.RULE: ("by rule {rule}", "按规则 {rule}"),
    m.AssigneeMode.REQUESTER: ("requester", "发起人"),
}

UNIT_WORDS: dict[m.TimeUnit, tuple[str, str, str]] = {
    # (English singular, English plural, Chinese)
    m.TimeUnit.MINUTES: ("minute", "minutes", "分钟"),
    m.TimeUnit.HOURS: ("hour", "hours", "小时"),
    m.TimeUnit.WORK_HOURS: ("work hour", "work hours", "工作小时"),
    m.TimeUnit.DAYS: ("day", "days", "天"),
    m.TimeUnit.WORKDAYS: ("workday", "workdays", "工作日"),
    m.TimeUnit.WEEKS: ("week", "weeks", "周"),
}

BREACH_WORDS: dict[m.BreachKind, tuple[str, str]] = {
    m.BreachKind.NOTIFY: ("notify {roles}", "通知 {roles}"),
    m.BreachKind.ESCALATE: ("escalate to {roles}", "升级至 {roles}"),
    m.BreachKind.AUTO_APPROVE: ("auto approve", "自动通过"),
    m.BreachKind.AUTO_REJECT: ("auto reject", "自动驳回"),
    m.BreachKind.GOTO: ("go to {target}", "转到 {target}"),
}

_OPS_ZH = {"and": "且", "or": "或"}


def action_word(action: str, lang: str) -> str:
    """Return the word for an action (custom outcomes keep their own name)."""
    pair = ACTION_WORDS.get(action)
    if pair is None:
        return action
    return pair[1] if lang == "zh" else pair[0]


def mode_word(assignee: m.Assignee, lang: str) -> str:
    """Return the approval mode in words (会签 / all of, 依次审批 / in order, ...)."""
    en, zh = MODE_WORDS[assignee.mode]
    word = zh if lang == "zh" else en
    rule = assignee.rule.text if assignee.rule else ""
    return word.format(n=assignee.count or "", rule=rule)


def format_number(value: int | Decimal) -> str:
    """Return a number as written in specs (no exponent, no trailing zeros after '.')."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    return str(value)


def format_duration(d: m.Duration, lang: str) -> str:
    """Return '2 工作日' or '2 workdays'."""
    one, many, zh = UNIT_WORDS[d.unit]
    amount = format_number(d.amount)
    if lang == "zh":
        return f"{amount} {zh}"
    return f"{amount} {one if d.amount == 1 else many}"


def format_breach(b: m.Breach, lang: str) -> str:
    """Return what happens on breach in words ('升级至 主管', 'auto approve')."""
    en, zh = BREACH_WORDS[b.kind]
    roles = ("、" if lang == "zh" else ", ").join(r.text for r in b.roles)
    target = b.target.name.text if b.target else ""
    return (zh if lang == "zh" else en).format(roles=roles, target=target)


def format_literal(lit: m.Literal, lang: str) -> str:
    """Return a literal as a reader would write it."""
    value = lit.value
    if lit.kind is m.LiteralKind.BOOL:
        return ("是" if value else "否") if lang == "zh" else ("true" if value else "false")
    if lit.kind is m.LiteralKind.TEXT:
        return f"\"{value}\""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


def format_condition(expr: m.Expr, lang: str) -> str:
    """Return a compact condition ('金额 >= 50000 且 类别 == 设备') for diagram labels."""
    def fmt(e: m.Expr, parent: int) -> str:
        match e:
            case m.Literal():
                return format_literal(e, lang)
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
        raise TypeError(type(e).__name__)
    return fmt(expr, 0)
