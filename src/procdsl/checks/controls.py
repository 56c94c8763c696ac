"""Checks: control defects an auditor finds in a process that runs (PD701-PD703).

None of these stops a case from running; each is a control that does not do what it
seems to: an escalation to someone who already decides, a separation-of-duties bar that
can leave nobody to approve, a deadline that approves by itself and tells nobody.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, Text, diagnostic
from ..model import (
    AssigneeMode,
    BreachKind,
    ExclusionKind,
    Indicator,
    ResultKind,
    Spec,
    Task,
    TaskKind,
)
from ..provenance import has_provenance
from ..source import Span
from .context import Check, CheckContext


def deciders(spec: Spec, task: Task) -> list[str]:
    """Return the roles that do or decide task on every case: its assignee's roles, and
    those every row of its rule names (not a conditional approver: it decides only some)."""
    a = task.assignee
    if a is None or a.mode.org:
        return []
    if a.mode is AssigneeMode.RULE and a.rule is not None:
        rule = spec.rule(a.rule.text)
        rows = [{n.text for n in row.result.names} for row in (rule.rows if rule else ())
                if row.result.kind is ResultKind.ROLES]
        return sorted(set.intersection(*rows)) if rows else []
    return list(dict.fromkeys(r.text for r in a.roles))


def check_escalation_to_approver(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Warn when an overdue task is escalated to a role that already does or decides it (PD701)."""
    spec = ctx.spec
    for task in spec.tasks:
        if task.sla is None:
            continue
        already = deciders(spec, task)
        for breach in task.sla.breaches:
            if breach.kind is not BreachKind.ESCALATE or not breach.roles:
                continue
            role = breach.roles[0]
            if role.text not in already:
                continue
            alone = already == [role.text]
            doing = "审批" if task.kind is TaskKind.APPROVAL else "办理"
            doing_en = "approves" if task.kind is TaskKind.APPROVAL else "does"
            yield diagnostic(
                "PD701", role.span,
                Text(f"{task.name.text} is escalated to {role.text} when overdue, but "
                     f"{role.text} already {doing_en} it" + (
                         ": the task is handed to the people who let it run late" if alone
                         else ", so nobody new looks at it"),
                     f"{task.name.text} 超时后升级至 {role.text}，但 {role.text} 本来就{doing}此任务"
                     + ("：任务又交回给造成超时的人" if alone else "，超时后没有新的人介入")),
                label=Text(f"{role.text} already {doing_en} {task.name.text}",
                           f"{role.text} 已是此任务的{doing}人"),
                hint=Text("escalate to a role above the approvers (their manager), or notify "
                          "instead: on breach notify R",
                          "请升级至审批人的上级角色，或改为超时通知：超时 抄送 某角色"))


def _performers(spec: Spec, name: str) -> set[str] | None:
    task = spec.task(name)
    if task is None or task.assignee is None or task.assignee.mode.org:
        return None
    if task.assignee.mode is AssigneeMode.REQUESTER:
        return None
    return {r.text for r in task.assignee.roles}


def check_exclusion_can_bar_everyone(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Warn when a separation-of-duties bar can exclude every holder of an approving role (PD702)."""
    spec = ctx.spec
    for task in spec.tasks:
        a = task.assignee
        if a is None or a.mode.org or a.mode in (AssigneeMode.RULE, AssigneeMode.REQUESTER):
            continue
        roles = [r.text for r in a.roles]
        for e in task.exclusions:
            if e.kind is not ExclusionKind.STEP or e.step is None:
                continue
            did = _performers(spec, e.step.text)
            if not did:
                continue
            if a.mode is AssigneeMode.ANY or (a.mode is AssigneeMode.LIST
                                              and task.kind is not TaskKind.APPROVAL):
                shared = roles if set(roles) <= did else []
            else:  # every listed role must act: one shared role is enough to block
                shared = [r for r in roles if r in did]
            if not shared:
                continue
            who = "、".join(shared)
            count = f"{a.count} 个" if a.mode is AssigneeMode.COUNT and a.count else "一个"
            count_en = f"only {a.count}" if a.mode is AssigneeMode.COUNT and a.count else "only one"
            yield diagnostic(
                "PD702", e.span,
                Text(f"{task.name.text} may not be done by whoever did {e.step.text}, and "
                     f"{', '.join(shared)} does both: when {count_en} person holds "
                     f"{', '.join(shared)}, nobody can approve {task.name.text}",
                     f"{task.name.text} 不得由办理 {e.step.text} 的人办理，而 {who} 两项都办理："
                     f"若 {who} 只有{count}人，{task.name.text} 将无人可以审批"),
                label=Text(f"can exclude every holder of {', '.join(shared)}",
                           f"可能排除 {who} 的所有人"),
                hint=Text(f"have {e.step.text} done by another role, add an approver role "
                          f"(by any of {', '.join(shared)}, R), or say who takes over: "
                          "when no approver: transfer to R",
                          f"请让其他角色办理 {e.step.text}，或增加可审批的角色"
                          f"（由 任一 {who}, 某角色），或规定审批人为空时转交某角色"),
                notes=(Text(f"{e.step.text} is done by {', '.join(sorted(did))}",
                            f"{e.step.text} 由 {'、'.join(sorted(did))} 办理"),))


def check_silent_auto_approve(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Warn when an approval approves itself when overdue and nobody is told (PD703)."""
    for task in ctx.spec.tasks:
        if task.sla is None or task.kind is not TaskKind.APPROVAL:
            continue  # auto approve on a step is PD608
        kinds = {b.kind for b in task.sla.breaches}
        told = BreachKind.NOTIFY in kinds or bool(task.notifies)
        for breach in task.sla.breaches:
            if breach.kind is not BreachKind.AUTO_APPROVE or told:
                continue
            yield diagnostic(
                "PD703", breach.span,
                Text(f"{task.name.text} is approved automatically when overdue, and nobody is "
                     "told: a case can pass this control without anyone looking at it",
                     f"{task.name.text} 超时后自动通过，且无人被告知：案件可能未经任何人审查就通过此关"),
                label=Text("approves silently", "静默自动通过"),
                hint=Text("notify someone on breach as well (on breach notify R), or escalate "
                          "instead of approving",
                          "请同时增加超时通知（超时 抄送 某角色），或改为超时升级"))


def check_set_fields(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report a task that decides a field the spec does not declare (PD704)."""
    spec = ctx.spec
    known = [f.name.text for f in spec.fields]
    for task in spec.tasks:
        for x in task.sets:
            name = x.field.text
            if name in known:
                continue
            yield diagnostic(
                "PD704", x.field.span,
                Text(f"{task.name.text} decides the field {name}, but no field {name} is declared",
                     f"{task.name.text} 设定字段 {name}，但没有声明名为 {name} 的字段"),
                label=Text("no such field", "没有这个字段"),
                hint=Text(f"declare it under data ({name}: TYPE), or name one of: "
                          + (", ".join(known) or "(no fields)"),
                          f"请在“数据”中声明它（{name}: 类型），或改为已有字段："
                          + ("、".join(known) or "（无字段）")))


def check_targets(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report a KPI target that names no indicator the manual knows (PD706)."""
    names = "超时率, 一次通过率, 平均周期 (late_rate, first_pass_rate, cycle_time)"
    for t in ctx.spec.process.targets:
        wrong = None
        if t.indicator is None:
            wrong = Text(f"{t.name.text} is not an indicator procdsl measures",
                         f"{t.name.text} 不是 procdsl 能统计的指标")
        elif (t.indicator is Indicator.CYCLE_TIME) != (t.duration is not None):
            wrong = Text(f"the target of {t.name.text} needs "
                         + ("a duration" if t.indicator is Indicator.CYCLE_TIME else "a percentage"),
                         f"{t.name.text} 的目标值应为"
                         + ("时长" if t.indicator is Indicator.CYCLE_TIME else "百分比"))
        if wrong is None:
            continue
        yield diagnostic(
            "PD706", t.name.span, wrong,
            label=Text("unknown indicator" if t.indicator is None else "wrong kind of value",
                       "未知指标" if t.indicator is None else "目标值类型不对"),
            hint=Text(f"use one of {names}: target late_rate 5%, target cycle_time 10 workdays",
                      f"请使用 {names} 之一：目标 超时率 5%，目标 平均周期 10 工作日"))


def _unmarked(spec: Spec) -> Iterator[tuple[Span, Text]]:
    """Yield every approval, time limit and cap that says nowhere where it comes from."""
    p = spec.process
    if p.sla is not None and p.sla.provenance is None:
        yield p.sla.duration.span, Text("the process time limit", "流程时限")
    for task in spec.tasks:
        a = task.assignee
        if task.kind is TaskKind.APPROVAL and a is not None and a.provenance is None:
            yield a.span, Text(f"the approvers of {task.name.text}", f"{task.name.text} 的审批人")
        for x in task.extra_approvers:
            if x.provenance is None:
                yield x.span, Text(f"the extra approvers of {task.name.text}",
                                   f"{task.name.text} 的附加审批人")
        if task.sla is not None and task.sla.provenance is None:
            yield task.sla.duration.span, Text(f"the time limit of {task.name.text}",
                                               f"{task.name.text} 的时限")
        for route in task.routes:
            if route.cap is not None and route.provenance is None:
                yield route.cap.span, Text(f"a rework limit of {task.name.text}",
                                           f"{task.name.text} 的次数限制")
    for rule in spec.rules:
        for row in rule.rows:
            if row.provenance is None:
                yield row.span, Text(f"a row of the rule {rule.name.text}",
                                     f"规则 {rule.name.text} 的一行")


def check_provenance(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Once a spec marks where some rules come from (依据 / 补充), warn about every
    approval, time limit and cap that is not marked (PD705; an error under --strict)."""
    spec = ctx.spec
    if not _marks_any(spec):
        return
    for span, what in _unmarked(spec):
        yield diagnostic(
            "PD705", span,
            Text(f"{what.en} does not say where it comes from, though this spec marks its rules",
                 f"{what.zh}未注明出处，而本规格已为其他规则注明出处"),
            label=Text("source or added?", "出自原文还是补充？"),
            hint=Text('end the line with source "where in the source" or added "who added it, why"',
                      '请在行末写 依据 "原文出处"，或 补充 "补充人及理由"'))


def _marks_any(spec: Spec) -> bool:
    return has_provenance(spec)


CHECKS: tuple[Check, ...] = (check_escalation_to_approver, check_exclusion_can_bar_everyone,
                             check_silent_auto_approve, check_set_fields, check_targets,
                             check_provenance)
