"""Plain sentences for the manual: conditions and routes in Chinese or English.

Every function returns plain text (no Markdown); the manual's templates escape it.
Each route sentence names its targets the same way (``第 4 步「复核」`` / ``step 4,
“Review”``), so a reader can follow them and a test can read them back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .. import model as m
from ..kinds import RouteKind, Split, TargetKind
from ..vocabulary import (
    action_clause,
    action_word,
    cap_limit,
    condition,
    join_zh,
    list_words,
    literal,
    ordinal,
    quote,
    split_text,
)

__all__ = ["action_clause", "breach_sentence", "cap_sentence", "condition_sentence",
           "go_clause", "join_zh", "list_words", "literal_text", "quote", "route_sentence",
           "target_ref", "task_ref", "task_title", "task_route_sentences"]


def literal_text(lit: m.Literal, lang: str) -> str:
    """Return a literal as a reader writes it (是/否, yes/no, 50,000, “text”)."""
    return literal(lit, lang, prose=True)


def condition_sentence(expr: m.Expr, spec: m.Spec, lang: str) -> str:
    """Return a condition as words ('金额大于 5 万且类别为设备')."""
    return condition(expr, spec, lang)


# ------------------------------------------------------------------ routes


def target_ref(target: m.Target, spec: m.Spec, numbers: Mapping[str, str], lang: str) -> str:
    """Return how a sentence names a target: '第 4 步「复核」' or 'end “Done”'."""
    name = target.name.text
    if target.kind is TargetKind.STEP and spec.task(name) is not None:
        return task_ref(name, spec, numbers, lang)
    end = spec.end(name) if target.kind is TargetKind.END else None
    label = end.label if end is not None else name
    return f"结束{quote(label, lang)}" if lang == "zh" else f"end {quote(label, lang)}"


def go_clause(targets: tuple[m.Target, ...], split: Split, action: str, spec: m.Spec,
        numbers: Mapping[str, str], lang: str, rule: str = "") -> str:
    """Return where a route goes, as the end of a sentence ('转至第 4 步「复核」')."""
    refs = [target_ref(t, spec, numbers, lang) for t in targets]
    zh = lang == "zh"
    if split is not Split.ONE:
        return split_text(split, refs, lang, rule)
    ref = refs[0]
    end = spec.end(targets[0].name.text) if targets[0].kind is TargetKind.END else None
    if end is not None:
        return (f"流程结束，结果为{quote(end.label, lang)}" if zh
                else f"the process ends with {quote(end.label, lang)}")
    if action == m.RETURN:
        return f"回到{ref}重新办理" if zh else f"it goes back to {ref} for rework"
    return f"转至{ref}" if zh else f"go to {ref}"


def route_sentence(route: m.Route, spec: m.Spec, numbers: Mapping[str, str], lang: str,
                   fallback: bool = False) -> str:
    """Return one route as a sentence ('完成后，金额大于 50000 时，转至第 5 步「总经理审批」。').

    ``fallback`` marks an unconditional route that follows conditional ones for the
    same action, so the sentence says 'otherwise'.
    """
    zh = lang == "zh"
    opening = action_clause(route.action, lang)
    go = go_clause(route.targets, route.split, route.action, spec, numbers, lang,
                   route.rule.text if route.rule is not None else "")
    if route.condition is not None:
        cond = condition_sentence(route.condition, spec, lang)
        if zh:
            text = f"{opening}，{join_zh([cond, '时'])}，{go}"
        elif route.action == m.COMPLETE:
            text = f"{opening}, if {cond}, {go}"
        else:
            text = f"{opening} and {cond}, {go}"
    elif zh and (fallback or route.kind is RouteKind.OTHERWISE):
        text = f"{opening}，其他情况下{go}"
    elif fallback or route.kind is RouteKind.OTHERWISE:
        joint = ", otherwise" if route.action == m.COMPLETE else " in any other case,"
        text = f"{opening}{joint} {go}"
    else:
        text = f"{opening}，{go}" if zh else f"{opening}, {go}"
    if route.cap is not None:
        times = cap_limit(route.cap.times, lang)
        text += f"（{times}）" if zh else f", {times}"
    return text + ("。" if zh else ".")


def cap_sentence(route: m.Route, spec: m.Spec, numbers: Mapping[str, str], lang: str,
                 fallback: bool = False) -> str:
    """Return where a capped route goes once its cap is used up.

    The runtime counts the times this route is taken (its action, and its condition when
    it has one); once it has been taken ``times`` times, every later time it would be
    taken goes to ``cap.then`` instead.  So the sentence keeps the route's condition:
    '完成后，检验结论为返工时，自第 3 次起改为转至第 13 步「报废处理」。', and without one
    '自第 3 次退回起，改为流程结束，结果为「驳回」。' (never '第 3 次完成时', which reads as
    the 3rd completion whatever its result).  ``fallback`` as for route_sentence.
    """
    assert route.cap is not None and route.cap.then is not None
    go = go_clause((route.cap.then,), Split.ONE, "", spec, numbers, lang)
    nth = route.cap.times + 1
    opening = action_clause(route.action, lang)
    otherwise = fallback or route.kind is RouteKind.OTHERWISE
    if lang == "zh":
        if route.condition is not None:
            cond = condition(route.condition, spec, lang)
            return f"{opening}，{join_zh([cond, '时'])}，自第 {nth} 次起改为{go}。"
        if otherwise:
            return f"{opening}，其他情况下，自第 {nth} 次起改为{go}。"
        return join_zh([f"自第 {nth} 次", action_word(route.action, lang), "起"]) + f"，改为{go}。"
    if route.condition is not None:
        cond = condition(route.condition, spec, lang)
        scope = f", if {cond}" if route.action == m.COMPLETE else f" and {cond}"
    elif otherwise:
        scope = ", otherwise" if route.action == m.COMPLETE else " in any other case"
    else:
        scope = ""
    return f"{opening}{scope}, from the {ordinal(nth)} time on, {go} instead."


def breach_sentence(target: m.Target, spec: m.Spec, numbers: Mapping[str, str],
                    lang: str) -> str:
    """Return where a task goes when its deadline passes ('超时后，转至第 6 步「X」。')."""
    go = go_clause((target,), Split.ONE, "timeout", spec, numbers, lang)
    return f"{action_clause('timeout', lang)}，{go}。" if lang == "zh" else (
        f"{action_clause('timeout', lang)}, {go}.")


def task_route_sentences(task: m.Task, spec: m.Spec, numbers: Mapping[str, str],
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
            out.append(cap_sentence(route, spec, numbers, lang, fallback))
    if task.sla is not None:
        for breach in task.sla.breaches:
            if breach.target is not None:
                out.append(breach_sentence(breach.target, spec, numbers, lang))
    return tuple(out)

# A title that numbers itself ("5. 制定实施计划", "（三）复核", "Step 2: Review"): the
# manual numbers steps itself, so the title's own number is left out ("8. 5. ..." read twice).
_OWN_NUMBER = re.compile(
    r"^\s*(?:(?:step|第)\s*)?[(（]?(?:\d+|[一二三四五六七八九十百]+)[)）]?"
    r"\s*(?:步)?\s*[.、．:：)）]\s*(?=[^\d\s])", re.I)


def task_title(task: m.Task) -> str:
    """Return how the manual titles a task: its label without a number of its own."""
    label = task.label
    stripped = _OWN_NUMBER.sub("", label, count=1)
    return stripped or label


def task_ref(name: str, spec: m.Spec, numbers: Mapping[str, str], lang: str) -> str:
    """Return how the manual names a task by its name ('第 4 步「复核」', '第 E1 步「告知原因」')."""
    task = spec.task(name)
    if task is None or name not in numbers:
        return quote(name, lang)
    if lang == "zh":
        return f"第 {numbers[name]} 步{quote(task_title(task), lang)}"
    return f"{quote(task_title(task), lang)} (step {numbers[name]})"
