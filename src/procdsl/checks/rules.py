"""Checks: rule tables have no gaps or overlaps and give one kind of result (PD501-PD504)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction

from ..diagnostics import Diagnostic, Text, diagnostic
from ..model import AssigneeMode, Expr, LiteralKind, ResultKind, Rule, RuleResult, RuleRow, Spec
from ..vocabulary import boolean, literal, number_as_written
from .context import Check, CheckContext
from .intervals import Analysis, Cell, Domain, Value, analyse, runs

# ------------------------------------------------------------------ values in words


def value_text(domain: Domain, value: Value, lang: str) -> str:
    """Return a field value as a spec would write it."""
    if isinstance(value, bool):
        return boolean(value, lang)
    if isinstance(value, str):
        return value
    if domain.kind == "date" and 1 <= value <= _dt.date.max.toordinal():
        return _dt.date.fromordinal(int(value)).isoformat()
    if value.denominator == 1:
        return str(value.numerator)
    return number_as_written(Decimal(value.numerator) / Decimal(value.denominator))


def _lowest_integer(cell: Cell) -> Fraction | None:
    if cell.is_point or cell.low is None:
        return cell.low
    return Fraction(cell.low.numerator // cell.low.denominator + 1)


def _highest_integer(cell: Cell) -> Fraction | None:
    if cell.is_point or cell.high is None:
        return cell.high
    return Fraction(-((-cell.high.numerator) // cell.high.denominator) - 1)


def _bounds(domain: Domain, run: Sequence[Cell]) -> tuple[Value | None, str, Value | None, str]:
    """Return (low, op, high, op) of a run of numeric cells; ops are '<' or '<='."""
    first, last = run[0], run[-1]
    if domain.integral:
        return _lowest_integer(first), "<=", _highest_integer(last), "<="
    low_op = "<=" if first.is_point else "<"
    high_op = "<=" if last.is_point else "<"
    return first.low, low_op, last.high, high_op


def run_text(domain: Domain, run: Sequence[Cell], lang: str) -> str:
    """Return a run of adjacent numeric cells in words ('10000 <= 金额 < 50000')."""
    name = domain.field
    low, low_op, high, high_op = _bounds(domain, run)

    def v(x: Value | None) -> str:
        return value_text(domain, x, lang) if x is not None else ""

    if low is not None and low == high:
        return f"{name} = {v(low)}"
    if low is None and high is None:
        return f"任何 {name}" if lang == "zh" else f"any {name}"
    if low is None:
        return f"{name} {high_op} {v(high)}"
    if high is None:
        return f"{name} {'>=' if low_op == '<=' else '>'} {v(low)}"
    return f"{v(low)} {low_op} {name} {high_op} {v(high)}"


def region_text(analysis: Analysis, combos: Sequence[tuple[Cell, ...]], lang: str) -> str:
    """Return the values of some combinations in words: ranges for one field, else an example."""
    sep = " 或 " if lang == "zh" else " or "
    if not analysis.domains:
        return "任何情况" if lang == "zh" else "every case"
    if len(analysis.domains) == 1:
        domain, cells = analysis.domains[0], [c[0] for c in combos]
        if domain.kind in ("enum", "bool"):
            return f"{domain.field} = " + sep.join(value_text(domain, c.witness(), lang)
                                                   for c in cells)
        groups = runs(analysis.positions[0], cells)
        return sep.join(run_text(domain, g, lang) for g in groups)
    comma = "，" if lang == "zh" else ", "
    return comma.join(_example_parts(analysis, combos, lang))


def _example_parts(analysis: Analysis, combos: Sequence[tuple[Cell, ...]],
                   lang: str) -> Iterator[str]:
    """Yield 'field = value' for the fields that matter in the first combination; the
    first number field among them is widened to the whole range around its value."""
    first, present = combos[0], set(combos)
    env = analysis.env(first)
    widened = False
    for i in sorted(_relevant(analysis, combos)):
        d = analysis.domains[i]
        if widened or d.kind in ("enum", "bool"):
            yield f"{d.field} = {value_text(d, env[d.field], lang)}"
            continue
        same = [c for c in analysis.cells[i] if (*first[:i], c, *first[i + 1:]) in present]
        run = next(g for g in runs(analysis.positions[i], same) if first[i] in g)
        yield run_text(d, run, lang)
        widened = True


def _relevant(analysis: Analysis, combos: Sequence[tuple[Cell, ...]]) -> set[int]:
    """Return the fields of the first combination that matter: a field whose every value
    (with the other fields as they are) is in combos too is left out of the example."""
    present, first = set(combos), combos[0]
    free: list[int] = []
    for i in range(len(analysis.domains)):
        trial = [*free, i]
        variants = [first]
        for j in trial:
            variants = [(*v[:j], cell, *v[j + 1:]) for v in variants for cell in analysis.cells[j]]
        if all(v in present for v in variants):
            free.append(i)
    keep = set(range(len(analysis.domains))) - set(free)
    return keep or {0}


def _example(analysis: Analysis, combos: Sequence[tuple[Cell, ...]]) -> Text | None:
    """Return a note with one concrete value when the region is a range of one field."""
    if len(analysis.domains) != 1 or analysis.domains[0].kind in ("enum", "bool"):
        return None
    d = analysis.domains[0]
    if all(c[0].is_point for c in combos):
        return None
    cell = next(c[0] for c in combos if not c[0].is_point)
    v = cell.witness()
    return Text(f"for example {d.field} = {value_text(d, v, 'en')}",
                f"例如 {d.field} = {value_text(d, v, 'zh')}")


# ------------------------------------------------------------------ gaps and overlaps


def _table(spec: Spec, rule: Rule) -> tuple[list[int], Analysis | None]:
    """Return the row numbers (1-based) of the rows with conditions, and their analysis."""
    numbers = [i + 1 for i, row in enumerate(rule.rows) if row.condition is not None]
    conditions: list[Expr] = [row.condition for row in rule.rows if row.condition is not None]
    return numbers, analyse(spec, conditions) if conditions else None


def _gap(rule: Rule, analysis: Analysis) -> Diagnostic | None:
    if any(row.condition is None for row in rule.rows) or analysis.skipped:
        return None
    uncovered = [combo for combo, rows in analysis.combos if not rows]
    if not uncovered:
        return None
    en, zh = region_text(analysis, uncovered, "en"), region_text(analysis, uncovered, "zh")
    name = rule.name.text
    example = _example(analysis, uncovered)
    return diagnostic(
        "PD501", rule.name.span,
        Text(f"{en} matches no row of rule {name}", f"{zh} 时，规则 {name} 没有任何一行匹配"),
        label=Text("this table has a gap", "规则表有遗漏"),
        hint=Text("add a row for these values, or an 'otherwise' row",
                  "请为这些取值增加一行，或增加“否则”行"),
        notes=(example,) if example else ())


def _overlaps(rule: Rule, numbers: list[int], analysis: Analysis) -> Iterator[Diagnostic]:
    """Yield one PD502 per row that shares values with an earlier row (the first such row)."""
    first: dict[int, int] = {}
    for _, matches in analysis.combos:
        if len(matches) > 1:
            low = min(matches)
            for j in matches - {low}:
                first[j] = min(first.get(j, low), low)
    for j in sorted(first):
        i = first[j]
        shared = [c for c, m in analysis.combos if i in m and j in m]
        shadowed = all(min(m) < j for _, m in analysis.combos if j in m)
        yield _overlap(rule, numbers[i], numbers[j], analysis, shared, shadowed)


def _overlap(rule: Rule, first: int, second: int, analysis: Analysis,
             shared: list[tuple[Cell, ...]], shadowed: bool) -> Diagnostic:
    en, zh = region_text(analysis, shared, "en"), region_text(analysis, shared, "zh")
    name, row = rule.name.text, rule.rows[second - 1]
    notes = [n for n in (_example(analysis, shared),) if n]
    if shadowed:
        notes.append(Text(f"row {second} never applies: earlier rows take every value it matches",
                          f"第 {second} 行永远不会生效：它匹配的取值都已被前面的行匹配"))
    return diagnostic(
        "PD502", row.condition.span if row.condition is not None else row.span,
        Text(f"{en} matches rows {first} and {second} of rule {name}; only row {first} applies",
             f"{zh} 时同时匹配规则 {name} 的第 {first} 行和第 {second} 行，只有第 {first} 行生效"),
        label=Text(f"overlaps row {first}", f"与第 {first} 行重叠"),
        hint=_overlap_hint(analysis),
        notes=notes)


def _overlap_hint(analysis: Analysis) -> Text:
    if any(d.kind not in ("enum", "bool") for d in analysis.domains):
        return Text("make the rows exclusive, e.g. '<' in one row and '>=' in the next",
                    "请让各行条件互不重叠，例如一行用 <，下一行用 >=")
    return Text("make the rows exclusive, or merge them", "请让各行条件互不重叠，或合并这几行")


def _after_otherwise(rule: Rule) -> Iterator[Diagnostic]:
    """Yield a PD502 warning for each row written after the 'otherwise' row."""
    first = next((i for i, row in enumerate(rule.rows) if row.condition is None), None)
    if first is None:
        return
    for number, row in enumerate(rule.rows[first + 1:], start=first + 2):
        yield diagnostic(
            "PD502", row.span,
            Text(f"row {number} of rule {rule.name.text} comes after 'otherwise' "
                 f"(row {first + 1}) and never applies",
                 f"规则 {rule.name.text} 的第 {number} 行在“否则”（第 {first + 1} 行）之后，"
                 "永远不会生效"),
            label=Text("never applies", "永远不会生效"),
            hint=Text("move 'otherwise' to the end of the rule", "请把“否则”行移到规则最后"))


def check_coverage(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report values no row of a rule matches (PD501) and rows that overlap (PD502)."""
    for rule in ctx.spec.rules:
        yield from _after_otherwise(rule)
        numbers, analysis = _table(ctx.spec, rule)
        if analysis is None:
            continue
        gap = _gap(rule, analysis)
        if gap is not None:
            yield gap
        yield from _overlaps(rule, numbers, analysis)


# ------------------------------------------------------------------ results


_KIND_WORDS = {
    "roles": Text("approvers (roles)", "审批人（角色）"), "step": Text("a step", "步骤"),
    "number": Text("a number", "数字"), "text": Text("text", "文本"),
    "bool": Text("yes or no", "是/否"), "date": Text("a date", "日期"),
}


def result_kind(result: RuleResult) -> str | None:
    """Return what a row gives: roles, step, or the kind of value (None when unknown)."""
    if result.kind is ResultKind.ROLES:
        return "roles"
    if result.kind is ResultKind.STEP:
        return "step"
    if result.kind is ResultKind.VALUE and result.value is not None:
        kind = result.value.kind
        return "number" if kind in (LiteralKind.INT, LiteralKind.DECIMAL) else kind.value
    return None


def result_text(result: RuleResult, lang: str) -> str:
    """Return a row's result as written ('主管 then 财务总监', '"A"')."""
    if result.value is not None:
        return literal(result.value, lang, as_written=True)
    return (" 然后 " if lang == "zh" else " then ").join(n.text for n in result.names)


def check_result_kinds(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report rows whose result is of another kind than the rule's first row (PD503)."""
    for rule in ctx.spec.rules:
        known = [(i + 1, row, result_kind(row.result)) for i, row in enumerate(rule.rows)]
        known = [k for k in known if k[2] is not None]
        if not known:
            continue
        first_no, first_row, first_kind = known[0]
        for number, row, kind in known[1:]:
            if kind == first_kind:
                continue
            assert kind is not None and first_kind is not None
            mine, theirs = _KIND_WORDS[kind], _KIND_WORDS[first_kind]
            text = Text(result_text(row.result, "en"), result_text(row.result, "zh"))
            yield diagnostic(
                "PD503", row.result.span,
                Text(f"row {number} of rule {rule.name.text} gives {mine.en} ({text.en}), "
                     f"but row {first_no} gives {theirs.en}",
                     f"规则 {rule.name.text} 第 {number} 行给出的是{mine.zh}（{text.zh}），"
                     f"而第 {first_no} 行给出的是{theirs.zh}"),
                label=Text(f"not {theirs.en}", f"不是{theirs.zh}"),
                hint=Text("every row of a rule must give the same kind of result",
                          "同一规则的每一行应给出同一类结果"))


def _rule_users(spec: Spec) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    assignees = [(t.name.text, t.assignee) for t in spec.tasks]
    assignees += [(a.name.text, a.assignee) for a in spec.process.actions]
    for who, assignee in assignees:
        if assignee is not None and assignee.mode is AssigneeMode.RULE and assignee.rule:
            users.setdefault(assignee.rule.text, []).append(who)
    return users


def _roles_hint(spec: Spec) -> Text:
    names = [r.name.text for r in spec.roles[:2]] or ["ROLE"]
    return Text(f"give declared roles in every row, e.g. -> {' then '.join(names)}",
                f"每一行都应给出已声明的角色，例如 -> {' 然后 '.join(names)}")


def _other_results(spec: Spec, users: dict[str, str], want: str, first_only: bool
                   ) -> Iterator[tuple[str, str, int, RuleRow, Text, Text]]:
    """Yield (rule, its first user, row number, row, what the row gives, its result's
    text) for rows of the used rules that give another kind of result than ``want``."""
    for name, who in users.items():
        rule = spec.rule(name)
        rows = () if rule is None else rule.rows[:1] if first_only else rule.rows
        for number, row in enumerate(rows, start=1):
            kind = result_kind(row.result)
            if kind is None or kind == want:
                continue
            yield (name, who, number, row, _KIND_WORDS[kind],
                   Text(result_text(row.result, "en"), result_text(row.result, "zh")))


def check_approver_rules(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report rows of a rule used by ``by rule X`` that give something other than roles."""
    users = {name: who[0] for name, who in _rule_users(ctx.spec).items()}
    for name, who, number, row, words, text in _other_results(ctx.spec, users, "roles", False):
        yield diagnostic(
            "PD504", row.result.span,
            Text(f"rule {name} chooses who does {who}, but row {number} gives "
                 f"{words.en} ({text.en}), not roles",
                 f"规则 {name} 用于确定 {who} 的办理人，但第 {number} 行给出的是"
                 f"{words.zh}（{text.zh}），不是角色"),
            label=Text("not a role", "不是角色"),
            hint=_roles_hint(ctx.spec))


def check_routing_rules(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report a rule used by ``then by rule X`` whose rows give no task or end (PD505; a
    row of another kind than the first is PD503's, so only the first row is looked at)."""
    users: dict[str, str] = {}
    for task in ctx.spec.tasks:
        for route in task.routes:
            if route.rule is not None:
                users.setdefault(route.rule.text, task.name.text)
    example = _first_task(ctx.spec)
    for name, who, number, row, words, text in _other_results(ctx.spec, users, "step", True):
        yield diagnostic(
            "PD505", row.result.span,
            Text(f"rule {name} chooses where {who} goes next, but row {number} gives "
                 f"{words.en} ({text.en}), not a task or an end",
                 f"规则 {name} 用于确定 {who} 之后转至哪一步，但第 {number} 行给出的是"
                 f"{words.zh}（{text.zh}），不是步骤或结束"),
            label=Text("not a task", "不是步骤"),
            hint=Text(f"give a declared step, approval or end in every row, e.g. -> {example}",
                      f"每一行都应给出已声明的步骤、审批或结束，例如 -> {example}"))


def _first_task(spec: Spec) -> str:
    return spec.tasks[-1].name.text if spec.tasks else "STEP"


CHECKS: tuple[Check, ...] = (check_coverage, check_result_kinds, check_approver_rules,
                             check_routing_rules)
