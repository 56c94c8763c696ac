"""Checks: declarations are unique, tasks are well formed, declared things are used."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator

from .. import model as m
from ..diagnostics import Diagnostic, Severity, Text, diagnostic
from ..source import Span
from .context import Check, CheckContext
from .walk import conditions, role_refs, subexpressions

_KINDS = {
    "task": ("step", "步骤"), "end": ("end", "结束节点"), "role": ("role", "角色"),
    "field": ("field", "字段"), "rule": ("rule", "规则"), "calendar": ("calendar", "日历"),
}


def _duplicates(names: Iterable[tuple[str, m.Name]]) -> Iterator[Diagnostic]:
    seen: dict[str, m.Name] = {}
    for kind, name in names:
        first = seen.get(name.text)
        if first is None:
            seen[name.text] = name
            continue
        en, zh = _KINDS[kind]
        yield diagnostic("PD101", name.span, Text(
            f"'{name.text}' is already declared on line {first.span.line}",
            f"“{name.text}”已在第 {first.span.line} 行定义过"),
            label=Text(f"second {en} named {name.text}", f"重复的{zh}"),
            hint=Text("give each one its own name", "请为它们分别命名"))


def check_unique_names(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Tasks and ends share one namespace (routes name either); the rest have their own."""
    spec = ctx.spec
    yield from _duplicates([("task", t.name) for t in spec.tasks] +
                           [("end", e.name) for e in spec.ends])
    yield from _duplicates(("role", r.name) for r in spec.roles)
    yield from _duplicates(("field", f.name) for f in spec.fields)
    yield from _duplicates(("rule", r.name) for r in spec.rules)
    yield from _duplicates(("calendar", c.name) for c in spec.calendars)
    for f in spec.fields:
        seen: set[str] = set()
        for v in f.type.values:
            if v.text in seen:
                yield diagnostic("PD101", v.span, Text(
                    f"the value '{v.text}' is listed twice in {f.name.text}",
                    f"取值“{v.text}”在 {f.name.text} 中重复"),
                    hint=Text("list each value once", "每个取值只写一次"))
            seen.add(v.text)


def check_lang(ctx: CheckContext) -> Iterator[Diagnostic]:
    """The header's ``lang`` must be zh or en."""
    process = ctx.spec.process
    if process.lang not in ("zh", "en"):
        yield diagnostic("PD105", process.span, Text(
            f"unknown language '{process.lang}': procdsl writes zh or en",
            f"未知的语言“{process.lang}”：procdsl 支持 zh 或 en"),
            hint=Text("write 'lang zh' for Chinese or 'lang en' for English",
                      "中文写“语言 zh”，英文写“语言 en”"))


_STEP_MODES = (m.AssigneeMode.ONE, m.AssigneeMode.LIST, m.AssigneeMode.ANY,
               m.AssigneeMode.REQUESTER)


def _misplaced(span: Span, en: str, zh: str, hint: Text) -> Diagnostic:
    return diagnostic("PD106", span, Text(en, zh), hint=hint)


def _check_step_items(task: m.Task) -> Iterator[Diagnostic]:
    for route in task.routes:
        if route.action in m.STANDARD_OUTCOMES:
            yield _misplaced(route.span, f"a step cannot '{route.action}': only approvals decide",
                             f"普通步骤不能“{route.action}”：只有审批才有通过/驳回/退回",
                             Text(f"make {task.name.text} an approval, or use 'then' / 'when'",
                                  f"把 {task.name.text} 改为审批，或使用“然后”/“如果”"))
    for extra in task.extra_approvers:
        yield _misplaced(extra.span, "'also by' adds approvers, so it belongs in an approval",
                         "“同时 由”用于追加审批人，只能用在审批中",
                         Text(f"make {task.name.text} an approval", f"把 {task.name.text} 改为审批"))
    a = task.assignee
    if a is not None and a.mode not in _STEP_MODES:
        yield _misplaced(a.span, f"a step is done by one role (or any of several); "
                         f"'{a.mode.value}' approvals need an approval",
                         "普通步骤只能由一个角色（或其中任一角色）办理；会签、依次等方式只适用于审批",
                         Text(f"write 'by R' or 'by A, B', or make {task.name.text} an approval",
                              f"写“由 R”或“由 A, B”，或把 {task.name.text} 改为审批"))


def _check_approval_items(task: m.Task) -> Iterator[Diagnostic]:
    for route in task.routes:
        if route.kind is not m.RouteKind.OUTCOME:
            yield _misplaced(route.span, "an approval routes by its outcomes, not by "
                             f"'{route.kind.value}'", "审批按结果路由（通过/驳回/退回），不能用“然后/如果/否则”",
                             Text("write 'approve -> X', 'reject -> Y' (or 'approve when COND -> X')",
                                  "写“通过 -> X”、“驳回 -> Y”（或“通过 如果 条件 -> X”）"))
    if task.call is not None:
        yield _misplaced(task.call.span, "an approval cannot run a subprocess",
                         "审批不能调用子流程",
                         Text("run the subprocess in a step before or after the approval",
                              "请在审批前后的步骤中调用子流程"))
    a = task.assignee
    if a is not None and a.mode is m.AssigneeMode.LIST:
        names = ", ".join(r.text for r in a.roles)
        yield diagnostic("PD108", a.span, Text(
            f"several approvers without saying how they decide: by {names}",
            f"多个审批人，但未说明审批方式：由 {names}"),
            hint=Text(f"write 'by all of {names}' (countersign, 会签) or "
                      f"'by any of {names}' (或签) or 'by {' then '.join(r.text for r in a.roles)}'",
                      f"写“由 全部 {names}”（会签）、“由 任一 {names}”（或签）或用“然后”连接（依次审批）"))


def check_tasks(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Each task has a performer and only the items its kind allows."""
    for task in ctx.spec.tasks:
        if task.assignee is None and task.call is None:
            yield diagnostic("PD107", task.name.span, Text(
                f"nobody does {task.name.text}: it has no 'by' line",
                f"{task.name.text} 没有指定由谁办理"),
                label=Text("no performer", "缺少办理角色"),
                hint=Text("add a line '  by ROLE' under it", "在其下方加一行“  由 角色”"))
        if task.kind is m.TaskKind.STEP:
            yield from _check_step_items(task)
        else:
            yield from _check_approval_items(task)


def check_counts(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Counts (N of role, at most N times, until N done) are at least 1."""
    for task in ctx.spec.tasks:
        spans: list[tuple[int | None, Span, str]] = []
        if task.assignee is not None and task.assignee.mode is m.AssigneeMode.COUNT:
            spans.append((task.assignee.count, task.assignee.span, "approvers"))
        for route in task.routes:
            if route.cap is not None:
                spans.append((route.cap.times, route.cap.span, "times"))
        if task.for_each is not None and task.for_each.until_count is not None:
            spans.append((task.for_each.until_count, task.for_each.span, "done"))
        for value, span, what in spans:
            if value is not None and value < 1:
                yield diagnostic("PD113", span, Text(
                    f"{value} {what} can never happen: the number must be at least 1",
                    f"数量 {value} 不合理：至少为 1"))


def _routing_conflicts(task: m.Task) -> Iterator[Diagnostic]:
    complete = [r for r in task.routes if r.action == m.COMPLETE]
    kinds = {r.kind for r in complete}
    if m.RouteKind.THEN in kinds and len(complete) > 1:
        extra = next(r for r in complete if r is not complete[0]) if complete[0].kind is \
            m.RouteKind.THEN else next(r for r in complete if r.kind is m.RouteKind.THEN)
        yield diagnostic("PD109", extra.span, Text(
            f"{task.name.text} has 'then' and other routes: 'then' already says where it goes",
            f"{task.name.text} 既有“然后”又有其他路由：“然后”已经指定了去向"),
            hint=Text("keep one 'then', or use 'when ... ->' lines with an 'otherwise ->'",
                      "只保留一个“然后”，或改用“如果 … ->”加“否则 ->”"))
        return
    whens = [r for r in complete if r.kind is m.RouteKind.WHEN]
    if whens and len({r.inclusive for r in whens}) > 1:
        yield diagnostic("PD109", whens[-1].span, Text(
            "'when' and 'also when' mixed in one task: choose one way of branching",
            "同一任务中混用了“如果”和“同时 如果”"),
            hint=Text("'when' takes the first route that holds; 'also when' takes every one",
                      "“如果”只走第一个成立的分支；“同时 如果”走所有成立的分支"))
    others = [r for r in complete if r.kind is m.RouteKind.OTHERWISE]
    for r in others[1:]:
        yield diagnostic("PD109", r.span, Text("a second 'otherwise'", "第二个“否则”"),
                         hint=Text("keep one 'otherwise'", "只保留一个“否则”"))
    if others and complete[-1] is not others[0]:
        yield diagnostic("PD109", others[0].span, Text(
            "'otherwise' must come after every 'when'", "“否则”必须写在所有“如果”之后"),
            hint=Text("move it to the end of the routes", "把它移到路由的最后"))


def check_routing(ctx: CheckContext) -> Iterator[Diagnostic]:
    """A task's routes do not contradict each other."""
    for task in ctx.spec.tasks:
        yield from _routing_conflicts(task)
        seen: dict[str, m.Route] = {}
        for route in task.routes:
            if route.kind is not m.RouteKind.OUTCOME or route.condition is not None:
                continue
            first = seen.get(route.action)
            if first is not None:
                yield diagnostic("PD110", route.span, Text(
                    f"'{route.action}' is already routed on line {first.span.line}",
                    f"“{route.action}”已在第 {first.span.line} 行指定了去向"),
                    hint=Text("keep one route per outcome (add 'when' to route by a condition)",
                              "每个结果只保留一条路由（可用“如果”按条件区分）"))
            else:
                seen[route.action] = route


def _used_names(spec: m.Spec) -> tuple[set[str], set[str]]:
    roles = {n.text for n in role_refs(spec)}
    fields: set[str] = set()
    for cond in conditions(spec):
        fields.update(e.name.text for e in subexpressions(cond) if isinstance(e, m.FieldRef))
    for task in spec.tasks:
        if task.for_each is not None:
            fields.add(task.for_each.list_field.text)
        if task.assignee is not None and task.assignee.field is not None:
            fields.add(task.assignee.field.text)
    return roles, fields


def check_unused(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Warn about roles nobody plays and fields nothing reads."""
    if not ctx.syntax_ok:
        return  # the uses may be in a block that failed to parse
    roles, fields = _used_names(ctx.spec)
    # Rules are not listed: a rule may document a decision without driving approvers.
    groups: tuple[tuple[tuple[m.Role, ...] | tuple[m.Field, ...], set[str], str, str], ...] = (
        (ctx.spec.roles, roles, "role", "角色"), (ctx.spec.fields, fields, "field", "字段"))
    for items, used, en, zh in groups:
        for item in items:
            if item.name.text not in used:
                yield diagnostic("PD112", item.name.span, Text(
                    f"the {en} {item.name.text} is declared but never used",
                    f"{zh} {item.name.text} 已声明但从未使用"),
                    hint=Text("remove it, or use it in the flow", "删除它，或在流程中使用它"),
                    severity=Severity.WARNING)


def check_outcome_spelling(ctx: CheckContext) -> Iterator[Diagnostic]:
    """A custom outcome spelt almost like approve/reject/return (or 通过...) is a typo."""
    import difflib

    from ..keywords import BY_TERMINAL

    words = {s: t for t in ("APPROVE", "REJECT", "RETURN", "OTHERWISE", "THEN")
             for s in BY_TERMINAL[t].spellings}
    for task in ctx.spec.tasks:
        for route in task.routes:
            if route.kind is not m.RouteKind.OUTCOME or route.action in m.STANDARD_OUTCOMES:
                continue
            close = difflib.get_close_matches(route.action.lower(), list(words), n=1,
                                              cutoff=0.75)
            if close:
                yield diagnostic("PD114", route.span, Text(
                    f"'{route.action}' is read as a custom outcome; did you mean '{close[0]}'?",
                    f"“{route.action}”被当作自定义结果；是否应为“{close[0]}”？"),
                    hint=Text(f"write '{close[0]}'", f"请改为“{close[0]}”"))


def check_role_keyword_names(ctx: CheckContext) -> Iterator[Diagnostic]:
    """A role called 申请人 or requester cannot follow 'by': that word means the requester."""
    from ..keywords import BY_TERMINAL

    spellings = {s.lower() for s in BY_TERMINAL["REQUESTER"].spellings}
    for role in ctx.spec.roles:
        if role.name.text.lower() in spellings:
            yield diagnostic("PD115", role.name.span, Text(
                f"'by {role.name.text}' will mean the person who started the case, not this role",
                f"“由 {role.name.text}”表示发起本案例的人，而不是这个角色"),
                hint=Text(f"rename the role, e.g. {role.name.text}部门 or 员工",
                          f"请给角色换个名字，例如 {role.name.text}部门 或 员工"))


def _python_misfit(text: str) -> str | None:
    """Return the first character that keeps text from being a Python identifier (after
    NFKC, as Python reads source), or None when text can be one."""
    if unicodedata.normalize("NFKC", text).isidentifier():
        return None
    for i, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char)
        if not (folded if i == 0 else "a" + folded).isidentifier():
            return char
    return text[0] if text else None


def _python_names(spec: m.Spec) -> Iterator[tuple[str, str, m.Name | m.Route]]:
    """Yield (what, name, where) for every name the generated module makes a Python name:
    data fields (attributes), tasks (Step members), ends (End members), custom outcomes
    (Action members)."""
    for f in spec.fields:
        yield "field", f.name.text, f.name
    for task in spec.tasks:
        yield "step", task.name.text, task.name
    for end in spec.ends:
        yield "end", end.name.text, end.name
    seen: set[str] = set()
    for task in spec.tasks:
        for route in task.routes:
            if (route.kind is m.RouteKind.OUTCOME and route.action not in m.STANDARD_OUTCOMES
                    and route.action not in seen):
                seen.add(route.action)
                yield "outcome", route.action, route


_NAME_WORDS = {"field": ("data field", "字段"), "step": ("task", "任务"), "end": ("end", "结束节点"),
               "outcome": ("outcome", "审批结果")}


def _name_span(where: m.Name | m.Route, text: str) -> Span:
    span = where.span
    if isinstance(where, m.Name) or span.end_line != span.line:
        return span
    # a custom outcome: the route line starts with its name
    return Span(span.file, span.line, span.column, span.line, span.column + len(text),
                span.start, span.start + len(text))


def check_python_names(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Names that become Python names in the generated module follow Python's rules.

    The grammar takes any letter, digit or mark as a name character (``\\w``); Python takes
    fewer (``str.isidentifier`` after NFKC): ``a৴`` (U+09F4, a Bengali currency numerator)
    is a name to the grammar, but a module that says ``n_a৴: int = 0`` does not compile.
    Keywords and names Python would fold (``ｘ``, ``ﬁ``) are mapped safely by the code
    generator, so only characters no identifier can hold are reported.
    """
    for what, text, where in _python_names(ctx.spec):
        char = _python_misfit(text)
        if char is None:
            continue
        en, zh = _NAME_WORDS[what]
        code = f"U+{ord(char):04X}"
        fixed = "".join(c if ("a" + unicodedata.normalize("NFKC", c)).isidentifier() else "_"
                        for c in text).strip("_") or "name"
        yield diagnostic("PD118", _name_span(where, text), Text(
            f"the {en} name '{text}' cannot become a Python name: {code} ({char}) is not "
            "allowed in one",
            f"{zh}名“{text}”无法用作 Python 标识符：其中的 {code}（{char}）不能出现在标识符中"),
            label=Text(f"{code} cannot be part of a Python name", f"{code} 不能用于 Python 标识符"),
            hint=Text(f"rename it with letters, digits and _ only, e.g. {fixed}",
                      f"请只用字母、数字和下划线命名，例如 {fixed}"))


CHECKS: tuple[Check, ...] = (check_role_keyword_names, check_outcome_spelling, check_unique_names,
                             check_lang, check_tasks, check_counts, check_routing, check_unused,
                             check_python_names)
