"""Checks: every name used refers to something declared (with "did you mean ...")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .. import model as m
from ..diagnostics import Diagnostic, Text, diagnostic
from .context import Check, CheckContext
from .suggest import did_you_mean
from .walk import conditions, role_refs, subexpressions, targets

# Whole messages for each kind of missing thing: (message, label) in English, then Chinese.
_MISSING: dict[str, tuple[str, str, str, str]] = {
    "step": ("the step '{0}' does not exist", "no step named {0}",
             "步骤“{0}”不存在", "没有名为 {0} 的步骤"),
    "end": ("the end '{0}' does not exist", "no end named {0}",
            "结束节点“{0}”不存在", "没有名为 {0} 的结束节点"),
    "role": ("the role '{0}' does not exist", "no role named {0}",
             "角色“{0}”不存在", "没有名为 {0} 的角色"),
    "field": ("the field '{0}' does not exist", "no field named {0}",
              "字段“{0}”不存在", "没有名为 {0} 的字段"),
    "rule": ("the rule '{0}' does not exist", "no rule named {0}",
             "规则“{0}”不存在", "没有名为 {0} 的规则"),
    "calendar": ("the calendar '{0}' does not exist", "no calendar named {0}",
                 "日历“{0}”不存在", "没有名为 {0} 的日历"),
    "process": ("the process '{0}' does not exist", "no process named {0}",
                "流程“{0}”不存在", "没有名为 {0} 的流程"),
}


def _missing(code: str, name: m.Name, kind: str, candidates: Iterable[m.Name],
             declare: Text) -> Diagnostic:
    hint = did_you_mean(name.text, candidates) or declare
    en, en_label, zh, zh_label = _MISSING[kind]
    return diagnostic(code, name.span, Text(en.format(name.text), zh.format(name.text)),
                      label=Text(en_label.format(name.text), zh_label.format(name.text)),
                      hint=hint)


def check_targets(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Route targets name a task or an end (``end X`` names an end)."""
    spec = ctx.spec
    task_names = [t.name for t in spec.tasks]
    end_names = [e.name for e in spec.ends]
    for target in targets(spec):
        if target.kind is not m.TargetKind.UNKNOWN or target.name.text in ctx.broken_names:
            continue
        if target.explicit_end:
            yield _missing("PD207", target.name, "end", end_names, Text(
                f"declare it: end {target.name.text} \"Title\" success",
                f"请声明：结束 {target.name.text} \"标题\" 成功"))
        else:
            yield _missing("PD201", target.name, "step",
                           task_names + end_names, Text(
                               f"declare a step {target.name.text}, or write 'end "
                               f"{target.name.text}' and declare that end",
                               f"请声明步骤 {target.name.text}，或写“结束 {target.name.text}”并声明该结束节点"))


def check_roles(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every role named anywhere is declared under ``roles``."""
    declared = {r.name.text for r in ctx.spec.roles}
    names = [r.name for r in ctx.spec.roles]
    for ref in role_refs(ctx.spec):
        if ref.text not in declared and ref.text not in ctx.broken_names:
            yield _missing("PD202", ref, "role", names, Text(
                f"declare it under 'roles': {ref.text}", f"请在“角色”中声明：{ref.text}"))
    for rule in ctx.spec.rules:
        for row in rule.rows:
            if row.result.kind is m.ResultKind.UNKNOWN:
                for name in row.result.names:
                    if name.text not in declared and ctx.spec.task(name.text) is None:
                        yield _missing("PD202", name, "role", names, Text(
                            "a rule result names roles (an approver chain), a step, or a "
                            "value in quotes", "规则结果应为角色（审批链）、步骤或带引号的值"))


def _enum_partners(expr: m.Expr, spec: m.Spec) -> set[int]:
    """Return ids of EnumValue nodes that stand against an enum field (their meaning)."""
    ok: set[int] = set()
    for e in subexpressions(expr):
        pairs: list[tuple[m.Expr, tuple[m.Expr, ...]]] = []
        if isinstance(e, m.Compare):
            pairs = [(e.left, (e.right,)), (e.right, (e.left,))]
        elif isinstance(e, m.Member):
            pairs = [(e.operand, e.items)]
        for side, others in pairs:
            if isinstance(side, m.FieldRef):
                f = spec.field(side.name.text)
                if f is not None and f.type.kind in (m.TypeKind.ENUM, m.TypeKind.TEXT):
                    ok.update(id(o) for o in others if isinstance(o, m.EnumValue))
    return ok


def check_fields(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Names in conditions are fields, or enum values compared with an enum field."""
    spec = ctx.spec
    names = [f.name for f in spec.fields]
    for cond in conditions(spec):
        partners = _enum_partners(cond, spec)
        for e in subexpressions(cond):
            if isinstance(e, m.EnumValue) and id(e) not in partners:
                yield _missing("PD203", e.name, "field", names, Text(
                    f"declare it under 'data', e.g. {e.name.text}: int",
                    f"请在“数据”中声明，例如 {e.name.text}: 整数"))
    for task in spec.tasks:
        person = task.assignee.field if task.assignee is not None else None
        if person is not None and spec.field(person.text) is None:
            yield _missing("PD203", person, "field", names, Text(
                f"declare it under 'data' as text holding a person's id, e.g. {person.text}: text",
                f"请在“数据”中声明为文本（填写人员编号），例如 {person.text}: 文本"))
        if task.for_each is not None and spec.field(task.for_each.list_field.text) is None:
            yield _missing("PD203", task.for_each.list_field, "field", names,
                           Text("declare it under 'data' as a list, e.g. "
                                f"{task.for_each.list_field.text}: list of text",
                                f"请在“数据”中声明为列表，例如 {task.for_each.list_field.text}: 列表 文本"))


def _step_names(spec: m.Spec) -> Iterator[m.Name]:
    if spec.process.start is not None:
        yield spec.process.start
    if spec.process.withdraw is not None:
        yield from spec.process.withdraw.steps
    for action in spec.process.actions:
        yield from action.steps
    for task in spec.tasks:
        for ex in task.exclusions:
            if ex.step is not None:
                yield ex.step


def check_step_names(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Steps named outside routes (start, withdraw, milestones, 'whoever did') exist."""
    names = [t.name for t in ctx.spec.tasks]
    for name in _step_names(ctx.spec):
        if ctx.spec.task(name.text) is None and name.text not in ctx.broken_names:
            yield _missing("PD208", name, "step", names,
                           Text("name a step declared in this spec", "请引用本规格中声明的步骤"))


def check_rules_calendars_processes(ctx: CheckContext) -> Iterator[Diagnostic]:
    """``by rule``, the header's calendar and ``run`` name things that exist."""
    spec = ctx.spec
    for task in spec.tasks:
        rule = task.assignee.rule if task.assignee is not None else None
        if rule is not None and spec.rule(rule.text) is None and rule.text not in ctx.broken_names:
            yield _missing("PD204", rule, "rule", [r.name for r in spec.rules],
                           Text(f"declare it: rule {rule.text}", f"请声明：规则 {rule.text}"))
        for route in task.routes:  # then by rule R
            used = route.rule
            if used is not None and spec.rule(used.text) is None and \
                    used.text not in ctx.broken_names:
                yield _missing("PD204", used, "rule", [r.name for r in spec.rules],
                               Text(f"declare it: rule {used.text}", f"请声明：规则 {used.text}"))
        if task.call is not None and task.call.text not in ctx.processes:
            known = [m.Name(text=p, span=task.call.span) for p in sorted(ctx.processes)]
            yield _missing("PD206", task.call, "process", known, Text(
                "put its spec in the same folder and check them together",
                "请把子流程的规格文件放在同一文件夹中一起检查"))
    cal = spec.process.calendar
    if cal is not None and spec.calendar(cal.text) is None and cal.text not in ctx.broken_names:
        yield _missing("PD205", cal, "calendar",
                       [c.name for c in spec.calendars],
                       Text(f"declare it: calendar {cal.text}", f"请声明：日历 {cal.text}"))


CHECKS: tuple[Check, ...] = (check_targets, check_roles, check_fields, check_step_names,
                             check_rules_calendars_processes)
