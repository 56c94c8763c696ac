"""Checks: every task is reachable, every path can finish, splits meet their joins."""

from __future__ import annotations

from collections.abc import Iterator

from .. import model as m
from ..diagnostics import Diagnostic, Severity, Text, diagnostic
from ..flow import parallel_blocks, transitions
from . import Check, CheckContext


def _graph(spec: m.Spec) -> dict[str, list[str]]:
    """Return successors over tasks and ends, in declaration order."""
    graph: dict[str, list[str]] = {t.name.text: [] for t in spec.tasks}
    graph.update({e.name.text: [] for e in spec.ends})
    for t in transitions(spec):
        if t.target_kind is not m.TargetKind.UNKNOWN and t.target not in graph[t.source]:
            graph[t.source].append(t.target)
    return graph


def _reachable(graph: dict[str, list[str]], starts: list[str]) -> set[str]:
    seen = set(starts)
    stack = list(starts)
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _sccs(graph: dict[str, list[str]]) -> list[list[str]]:
    """Return strongly connected components (Tarjan, iterative, deterministic order).

    Successors that are not keys of ``graph`` are ignored.
    """
    graph = {n: [x for x in outs if x in graph] for n, outs in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = graph[node]
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                result.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _complete(ctx: CheckContext) -> bool:
    """Return True when whole-graph checks can speak: no syntax errors, no unknown targets.

    A misspelt target already gets its own error; reporting everything behind it as
    unreachable would bury that one message under many.
    """
    from .walk import targets

    return ctx.syntax_ok and all(t.kind is not m.TargetKind.UNKNOWN for t in targets(ctx.spec))


def _finishing(spec: m.Spec, graph: dict[str, list[str]]) -> set[str]:
    reverse: dict[str, list[str]] = {n: [] for n in graph}
    for src, outs in graph.items():
        for dst in outs:
            reverse[dst].append(src)
    return _reachable(reverse, [e.name.text for e in spec.ends])


def check_ends_exist(ctx: CheckContext) -> Iterator[Diagnostic]:
    """A process needs at least one end."""
    if not ctx.spec.ends and ctx.spec.tasks:
        yield diagnostic("PD307", ctx.spec.process.name.span, Text(
            "the process has no end: declare at least one", "流程没有结束节点：请至少声明一个"),
            hint=Text("add: end 完成 \"Done\" success", "添加：结束 完成 \"完成\" 成功"))


def check_reachable(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every task and end can be reached from the start."""
    spec = ctx.spec
    start = spec.start_task
    if start is None or not _complete(ctx):
        return
    seen = _reachable(_graph(spec), [start.name.text])
    for task in spec.tasks:
        if task.name.text not in seen:
            yield diagnostic("PD301", task.name.span, Text(
                f"nothing leads to {task.name.text}: no route from the start "
                f"({start.name.text}) reaches it",
                f"没有任何路径到达 {task.name.text}（从起点 {start.name.text} 出发）"),
                label=Text("unreachable", "无法到达"),
                hint=Text(f"route to it from another task ('then {task.name.text}'), or remove it",
                          f"在其他任务中路由到它（“然后 {task.name.text}”），或删除它"))
    special = {t.name.text for t in _special_targets(spec)}
    for end in spec.ends:
        if end.name.text not in seen and end.name.text not in special:
            yield diagnostic("PD308", end.name.span, Text(
                f"no route reaches the end {end.name.text}",
                f"没有路径到达结束节点 {end.name.text}"), severity=Severity.WARNING,
                hint=Text("route to it, or remove it", "请路由到它，或删除它"))


def _special_targets(spec: m.Spec) -> Iterator[m.Target]:
    if spec.process.withdraw is not None:
        yield spec.process.withdraw.target
    for cancel in spec.process.cancels:
        yield cancel.target
    if spec.process.sla is not None:
        for b in spec.process.sla.breaches:
            if b.target is not None:
                yield b.target


def check_way_onward(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Each task has somewhere to go; approvals route both approve and reject."""
    for task in ctx.spec.tasks:
        if not task.routes:
            yield diagnostic("PD305", task.name.span, Text(
                f"{task.name.text} has no way onward: add 'then NEXT'",
                f"{task.name.text} 没有后续去向：请添加“然后 下一步”"),
                label=Text("dead end", "死路"),
                hint=Text("every task goes on to another task or to an end, e.g. 'then end 完成'",
                          "每个任务都要转到另一任务或结束，例如“然后 结束 完成”"))
            continue
        if task.kind is m.TaskKind.APPROVAL:
            yield from _approval_outcomes(task)
        yield from _unconditional_fallback(task)


def _approval_outcomes(task: m.Task) -> Iterator[Diagnostic]:
    """An approval routes 'approve', and 'reject' unless it can only send work back."""
    routed = {r.action for r in task.routes}
    missing = [(m.APPROVE, "通过")] if m.APPROVE not in routed else []
    if m.REJECT not in routed and m.RETURN not in routed:
        missing.append((m.REJECT, "驳回"))
    for outcome, zh in missing:
        yield diagnostic("PD303", task.name.span, Text(
            f"the approval {task.name.text} does not say where '{outcome}' goes",
            f"审批 {task.name.text} 没有指定“{zh}”后的去向"),
            label=Text(f"no '{outcome} ->' line", f"缺少“{zh} ->”"),
            hint=Text(f"add '{outcome} -> NEXT' (or '{outcome} -> end NAME')",
                      f"添加“{zh} -> 下一步”（或“{zh} -> 结束 名称”）"))


def _unconditional_fallback(task: m.Task) -> Iterator[Diagnostic]:
    for action in task.actions:
        routes = [r for r in task.routes if r.action == action]
        if routes and all(r.condition is not None for r in routes) and \
                not any(r.inclusive for r in routes):
            code = "PD303" if action != m.COMPLETE else "PD305"
            yield diagnostic(code, routes[-1].span, Text(
                f"when none of these conditions holds, {task.name.text} cannot go on "
                f"and the action is refused", f"当这些条件都不成立时，{task.name.text} 无法继续，操作会被拒绝"),
                severity=Severity.WARNING,
                hint=Text("add an 'otherwise -> ...' line (or a route without 'when')",
                          "添加一行“否则 -> …”（或一条不带条件的路由）"))


def check_can_finish(ctx: CheckContext) -> Iterator[Diagnostic]:
    """No loop traps a case forever: from every loop some end is reachable."""
    spec = ctx.spec
    if not _complete(ctx):
        return
    graph = _graph(spec)
    finishing = _finishing(spec, graph)
    stuck = {t.name.text: [n for n in graph[t.name.text] if n not in finishing]
             for t in spec.tasks if t.name.text not in finishing and t.routes}
    for comp in _sccs(stuck):
        if len(comp) == 1 and comp[0] not in stuck[comp[0]]:
            continue
        order = [t.name.text for t in spec.tasks if t.name.text in comp]
        first = spec.task(order[0])
        assert first is not None
        loop = " → ".join(order + [order[0]])
        yield diagnostic("PD302", first.name.span, Text(
            f"a case that enters {first.name.text} can never finish: the loop {loop} "
            "reaches no end", f"进入 {first.name.text} 的案例永远无法结束：循环 {loop} 到达不了任何结束节点"),
            hint=Text("give one of these tasks a route out of the loop (e.g. 'reject -> end 终止')",
                      "为其中某个任务添加跳出循环的路由（例如“驳回 -> 结束 终止”）"))


def check_loop_caps(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Warn about loops (returns, rework) that nothing caps with 'at most N times'."""
    spec = ctx.spec
    order = {t.name.text: i for i, t in enumerate(spec.tasks)}
    graph: dict[str, list[str]] = {name: [] for name in order}
    for x in transitions(spec):  # one pass: scanning all transitions per task was O(n²)
        if x.target in order:
            graph[x.source].append(x.target)
    finishing = _finishing(spec, _graph(spec))
    for comp in _sccs(graph):
        members = set(comp)
        if len(comp) == 1 and comp[0] not in graph[comp[0]]:
            continue
        if not members & finishing:
            continue  # PD302 already says this loop can never finish
        routes = [(spec.task(n), r) for n in sorted(members, key=order.__getitem__)
                  for r in spec.task(n).routes]  # type: ignore[union-attr]
        inside = [(t, r) for t, r in routes if any(x.name.text in members for x in r.targets)]
        if any(r.cap is not None for _, r in inside):
            continue
        back = [(t, r) for t, r in inside if t is not None and any(
            x.name.text in members and order[x.name.text] <= order[t.name.text]
            for x in r.targets)]
        if not (back or inside):
            continue  # the loop runs through a cap's exit or an SLA goto, not a route
        task, route = min(back or inside, key=lambda p: (p[1].action != m.RETURN,
                                                          p[1].span.start))
        yield diagnostic("PD306", route.span, Text(
            "this route goes back, and nothing limits how often: a case could loop forever",
            "这条路由会返回之前的步骤，但没有次数上限：案例可能无限循环"),
            severity=Severity.WARNING,
            hint=Text("add a cap, e.g. '... at most 3 times, then -> end 终止'",
                      "添加上限，例如“… 最多 3 次, 然后 -> 结束 终止”"))


def check_parallel(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Branches that meet again meet at a task that waits for them; every wait has a split."""
    spec = ctx.spec
    if not _complete(ctx):
        return
    blocks = parallel_blocks(spec)
    joined = {b.join for b in blocks if b.join is not None}
    for block in blocks:
        if block.join is not None:
            continue
        counts: dict[str, int] = {}
        for branch in block.branches:
            for name in _reachable(_graph(spec), [branch]):
                if spec.task(name) is not None:
                    counts[name] = counts.get(name, 0) + 1
        meet = [t.name.text for t in spec.tasks if counts.get(t.name.text, 0) > 1]
        if meet:
            yield diagnostic("PD304", block.route.span, Text(
                f"these branches meet again at {meet[0]}, which does not wait for them: it "
                "would run once per branch", f"这些分支在 {meet[0]} 汇合，但它没有等待：每个分支都会各执行一次"),
                label=Text("parallel split", "并行分支"),
                hint=Text(f"add 'wait for all' (or 'wait for any') under {meet[0]}",
                          f"在 {meet[0]} 下添加“等待 全部”（或“等待 任一”）"))
    for task in spec.tasks:
        if task.join is not None and task.name.text not in joined:
            yield diagnostic("PD309", task.join.span, Text(
                f"{task.name.text} waits for parallel branches, but no split starts any "
                "that meet here", f"{task.name.text} 在等待并行分支，但没有并行分支在此汇合"),
                hint=Text("remove the 'wait' line, or start branches with 'then all of A, B'",
                          "删除“等待”行，或用“然后 全部 A, B”开始并行分支"))


CHECKS: tuple[Check, ...] = (check_ends_exist, check_reachable, check_way_onward,
                             check_can_finish, check_loop_caps, check_parallel)
