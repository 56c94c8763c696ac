"""Plain sentences for the manual: the facts about one task (who, time limits,
separation of duties, for-each, joins, notifications, calendar days)."""

from __future__ import annotations

from collections.abc import Mapping

from .. import model as m
from .. import vocabulary as v
from ..keywords import WEEKDAYS
from ..kinds import AssigneeMode, BreachKind, ExclusionKind, NotifyWhen, Split, TaskKind
from ..vocabulary import condition as condition_sentence
from ..vocabulary import duration as format_duration
from ..vocabulary import join_zh, list_words, quote, role_words
from .sentences import go_clause, task_ref

_DAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
         "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}


def who_text(a: m.Assignee | None, spec: m.Spec, lang: str, approval: bool = False) -> str:
    """Return who does or approves a task ('复核组、审核员'); approvals say the mode apart."""
    zh = lang == "zh"
    roles = role_words(spec, a.roles, lang) if a is not None else []
    match a.mode if a is not None else None:
        case None:
            return "未指定" if zh else "not assigned"
        case AssigneeMode.LIST if not approval:
            return f"{'、'.join(roles)}（任一人办理）" if zh else (
                f"{list_words(roles, lang, 'or')} (any one of them)")
        case AssigneeMode.LIST | AssigneeMode.ANY:
            return list_words(roles, lang, "or")
        case AssigneeMode.SEQUENCE:
            return " → ".join(roles)
        case AssigneeMode.COUNT:
            n = a.count if a is not None else 0
            return f"{roles[0]}（{n} 人）" if zh else f"{n} people from {roles[0]}"
        case AssigneeMode.RULE:
            rule = v.rule_word(spec, a.rule.text) if a is not None and a.rule else ""
            return (f"按审批权限表{quote(rule, lang)}确定" if zh
                    else f"chosen by the rule {quote(rule, lang)}")
        case AssigneeMode.REQUESTER:
            return "发起人" if zh else "the requester"
        case _ if a is not None and (a.mode.org or a.mode is AssigneeMode.PICK):
            return v.approver_words(a, lang, roles)
    return list_words(roles, lang)


def approval_text(task: m.Task, spec: m.Spec, lang: str) -> str:
    """Return how an approval is decided ('发起人的直属主管审批；审批人为空时自动通过；可转交、可加签')."""
    roles = [r for allow in task.allows for r in role_words(spec, allow.roles, lang)]
    return v.approval_text(task, lang, roles if lang != "zh" else None)


mode_text = v.mode_text  # '会签（须全部同意）': the one wording, in the vocabulary


def _reminder(r: m.Reminder, lang: str) -> str:
    if r.percent is not None:
        pct = v.percent(r.percent, lang)
        return f"时限过去 {pct} 时提醒" if lang == "zh" else f"remind at {pct} of the time limit"
    assert r.before is not None
    before = format_duration(r.before, lang)
    return f"截止前 {before}提醒" if lang == "zh" else f"remind {before} before the deadline"


def reminders_text(sla: m.Sla, lang: str) -> str:
    """Return an SLA's reminders ('时限过去 75% 时提醒'), or '' when there are none."""
    return ("；" if lang == "zh" else "; ").join(_reminder(r, lang) for r in sla.reminders)


def breach_text(b: m.Breach, spec: m.Spec, numbers: Mapping[str, str], lang: str) -> str:
    """Return what happens when a deadline passes ('升级至 主管（转交其办理）')."""
    zh = lang == "zh"
    roles = list_words(role_words(spec, b.roles, lang), lang)
    match b.kind:
        case BreachKind.NOTIFY:
            return join_zh(["通知", roles]) if zh else f"notify {roles}"
        case BreachKind.ESCALATE:
            return join_zh(["升级至", roles, "（转交其办理）"]) if zh else (
                f"escalate to {roles} (who takes the task over)")
        case BreachKind.AUTO_APPROVE:
            return "自动通过" if zh else "approve automatically"
        case BreachKind.AUTO_REJECT:
            return "自动驳回" if zh else "reject automatically"
    assert b.target is not None
    return go_clause((b.target,), Split.ONE, "timeout", spec, numbers, lang)


def sla_text(sla: m.Sla, spec: m.Spec, numbers: Mapping[str, str], lang: str) -> str:
    """Return a time limit with reminders and breach handling in one line."""
    parts = [format_duration(sla.duration, lang)]
    if sla.reminders:
        parts.append(reminders_text(sla, lang))
    for b in sla.breaches:
        what = breach_text(b, spec, numbers, lang)
        parts.append(f"超时：{what}" if lang == "zh" else f"when overdue: {what}")
    return ("；" if lang == "zh" else "; ").join(parts)


def exclusion_text(e: m.Exclusion, task: m.Task, spec: m.Spec, numbers: Mapping[str, str],
                   lang: str) -> str:
    """Return a separation-of-duties rule as a sentence."""
    zh = lang == "zh"
    who = ("审批人" if task.kind is TaskKind.APPROVAL else "办理人") if zh else (
        "the approver" if task.kind is TaskKind.APPROVAL else "the person doing it")
    if e.kind is ExclusionKind.REQUESTER or e.step is None:
        return f"{who}不得为发起人本人" if zh else f"{who} may not be the requester"
    ref = task_ref(e.step.text, spec, numbers, lang)
    return f"{who}不得为办理{ref}的人" if zh else f"{who} may not be whoever did {ref}"


def extra_text(x: m.ExtraApprovers, spec: m.Spec, lang: str) -> str:
    """Return a conditional extra approval ('风险等级为高时，另需 风险总监 审批')."""
    cond = condition_sentence(x.condition, spec, lang)
    roles = role_words(spec, x.roles, lang)
    if lang == "zh":
        return join_zh([cond, "时，另需", "、".join(roles), "审批"])
    return f"if {cond}, {list_words(roles, lang)} must also approve, after the others"


def for_each_text(f: m.ForEach, spec: m.Spec, lang: str) -> str:
    """Return a multiple-instance rule ('对「候选供应商」中的每一项……')."""
    zh = lang == "zh"
    items, item = quote(f.list_field.text, lang), quote(f.item.text, lang)
    how = ("逐个进行" if f.sequential else "同时进行") if zh else (
        "one at a time" if f.sequential else "all at the same time")
    if f.until_count is not None:
        done = f"完成 {f.until_count} 项后继续" if zh else f"once {f.until_count} are done"
    elif f.until is not None:
        cond = condition_sentence(f.until, spec, lang)
        done = join_zh([cond, "时继续"]) if zh else f"as soon as {cond}"
    else:
        done = "全部完成后继续" if zh else "when all are done"
    if zh:
        return f"对{items}中的每一项（记为{item}）各办理一次，{how}；{done}"
    return f"done once for each {item} in {items}, {how}; the process goes on {done}"


def join_text(j: m.Join, lang: str) -> str:
    """Return how a task waits for the branches that lead to it."""
    return v.join_text(j.kind, lang)


def call_text(name: str, lang: str) -> str:
    """Return a subprocess call ('调用子流程「X」，其结束后继续')."""
    return (f"调用子流程{quote(name, lang)}，其结束后继续" if lang == "zh"
            else f"runs the process {quote(name, lang)} and goes on when it ends")


def notify_text(notifies: tuple[m.Notify, ...], spec: m.Spec, lang: str) -> str:
    """Return who is told on entering or leaving a task."""
    parts = []
    for n in notifies:
        roles = role_words(spec, n.roles, lang)
        if lang == "zh":
            when = "开始时" if n.when is NotifyWhen.ENTER else "办结时"
            parts.append(join_zh([when, "通知", "、".join(roles)]))
        else:
            when = "when it starts" if n.when is NotifyWhen.ENTER else "when it is done"
            parts.append(f"{list_words(roles, lang)} {when}")
    return ("；" if lang == "zh" else "; ").join(parts)


def day_span_text(d: m.DaySpan, lang: str) -> str:
    """Return weekdays as words ('周一至周五' / 'Monday to Friday')."""
    def word(n: m.Name) -> str:
        number = WEEKDAYS.get(n.text.lower())
        return _DAYS[lang][number - 1] if number else n.text
    if d.last is None:
        return word(d.first)
    return f"{word(d.first)}至{word(d.last)}" if lang == "zh" else (
        f"{word(d.first)} to {word(d.last)}")


def route_target_text(target: m.Target, spec: m.Spec, numbers: Mapping[str, str],
                      lang: str) -> str:
    """Return where a case goes, as the end of a sentence ('流程结束，结果为「已撤回」')."""
    return go_clause((target,), Split.ONE, "", spec, numbers, lang)
