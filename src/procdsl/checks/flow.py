"""Checks: every task is reachable, every path can finish, splits meet their joins."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .. import model as m
from ..diagnostics import Diagnostic, Severity, Text, diagnostic
from ..flow import parallel_blocks, per_spec, successors, transitions
from .context import Check, CheckContext


@dataclass(frozen=True, slots=True)
class _Graph:
    """The flow graph with integer node ids: tasks first, then ends (a repeated name keeps
    its first id), so node ``i`` is a task name exactly when ``i < tasks``.

    ``succ`` lists each node's distinct successors over known targets, in declaration
    order; ``task_succ`` each task's successor tasks, repeats kept; ``finishing`` marks
    the nodes from which some end can be reached.  Built once per spec and shared by the
    checks: whole-graph passes over name-keyed dicts were what made big specs slower per
    step.
    """

    names: tuple[str, ...]
    index: dict[str, int]
    tasks: int
    task_ids: tuple[int, ...]
    succ: tuple[list[int], ...]
    task_succ: tuple[list[int], ...]
    finishing: bytearray


@per_spec
def _flow_graph(spec: m.Spec) -> _Graph:
    """Return the spec's flow graph (see ``_Graph``)."""
    task_names = [t.name.text for t in spec.tasks]
    index = dict.fromkeys(task_names, 0)
    tasks = len(index)
    index.update(dict.fromkeys([e.name.text for e in spec.ends], 0))
    names = tuple(index)
    for i, name in enumerate(names):
        index[name] = i
    succ: tuple[list[int], ...] = tuple([] for _ in names)
    task_succ: tuple[list[int], ...] = tuple([] for _ in range(tasks))
    unknown = m.TargetKind.UNKNOWN
    for t in transitions(spec):
        source, target = index[t.source], index.get(t.target, -1)
        if 0 <= target < tasks:
            task_succ[source].append(target)
        if t.target_kind is not unknown and target not in (outs := succ[source]):
            outs.append(target)
    reverse: tuple[list[int], ...] = tuple([] for _ in names)
    for src, outs in enumerate(succ):
        for dst in outs:
            reverse[dst].append(src)
    finishing, _ = _reach(reverse, [index[e.name.text] for e in spec.ends], len(names))
    return _Graph(names, index, tasks, tuple(index[n] for n in task_names), succ, task_succ,
                  finishing)


def _reach(succ: Sequence[list[int]], starts: list[int], size: int) -> tuple[bytearray, list[int]]:
    """Return a flag per node (1 when some start reaches it, the starts included) and the
    nodes reached, each once."""
    seen = bytearray(size)
    reached = []
    for s in starts:
        if not seen[s]:
            seen[s] = 1
            reached.append(s)
    stack = list(reached)
    while stack:
        for nxt in succ[stack.pop()]:
            if not seen[nxt]:
                seen[nxt] = 1
                stack.append(nxt)
                reached.append(nxt)
    return seen, reached


def _sccs(nodes: Iterable[int], succ: Mapping[int, list[int]] | Sequence[list[int]],
          size: int) -> list[list[int]]:
    """Return strongly connected components (Tarjan, iterative, deterministic order).

    Roots are taken in the order of ``nodes`` (ids below ``size``); ``succ[i]`` lists
    node i's successors, and successors that are not among ``nodes`` are ignored.
    """
    nodes = list(nodes)
    member = bytearray(size)
    for n in nodes:
        member[n] = 1
    index = [-1] * size
    low = [0] * size
    on_stack = bytearray(size)
    stack: list[int] = []
    result: list[list[int]] = []
    counter = 0
    for root in nodes:
        if index[root] >= 0:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = 1
            outs = succ[node]
            if i < len(outs):
                work.append((node, i + 1))
                nxt = outs[i]
                if not member[nxt]:
                    continue
                if index[nxt] < 0:
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack[top] = 0
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
    return ctx.syntax_ok and _targets_known(ctx.spec)


@per_spec
def _targets_known(spec: m.Spec) -> bool:
    """Return True when every target in the spec names a task or an end."""
    from .walk import targets

    return all(t.kind is not m.TargetKind.UNKNOWN for t in targets(spec))


def check_tasks_exist(ctx: CheckContext) -> Iterator[Diagnostic]:
    """A process needs at least one task: a case starts at one (its module would not load)."""
    if ctx.spec.tasks or not ctx.syntax_ok or ctx.broken_names:
        return  # a task that failed to parse is reported where it is written
    name = ctx.spec.process.name
    yield diagnostic("PD310", name.span, Text(
        f"the process {name.text} has no task: a case would have nowhere to start",
        f"流程 {name.text} 中没有任何步骤：案例无从开始"),
        label=Text("no step or approval", "没有步骤或审批"),
        hint=Text("add a task: step submit \"Submit\", with '  by ROLE' and "
                  "'  then end done' under it",
                  "请添加步骤：步骤 提交 \"提交申请\"，其下写“  由 角色”和“  然后 结束 完成”"))


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
    graph = _flow_graph(spec)
    seen, _ = _reach(graph.succ, [graph.index[start.name.text]], len(graph.names))
    # Task ids are 0..tasks-1: when all are reached (the usual case) no task is visited.
    unseen = [] if seen.find(0, 0, graph.tasks) < 0 else \
        [task for task, i in zip(spec.tasks, graph.task_ids, strict=True) if not seen[i]]
    for task in unseen:
        yield diagnostic("PD301", task.name.span, Text(
            f"nothing leads to {task.name.text}: no route from the start "
            f"({start.name.text}) reaches it",
            f"没有任何路径到达 {task.name.text}（从起点 {start.name.text} 出发）"),
            label=Text("unreachable", "无法到达"),
            hint=Text(f"route to it from another task ('then {task.name.text}'), or remove it",
                      f"在其他任务中路由到它（“然后 {task.name.text}”），或删除它"))
    special = {t.name.text for t in _special_targets(spec)}
    for end in spec.ends:
        if not seen[graph.index[end.name.text]] and end.name.text not in special:
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
    graph = _flow_graph(spec)
    finishing = graph.finishing
    if finishing.find(0, 0, graph.tasks) < 0:
        return  # every task can finish (the usual case): no task needs looking at
    stuck = {i: [n for n in graph.succ[i] if not finishing[n]]
             for t, i in zip(spec.tasks, graph.task_ids, strict=True) if not finishing[i] and t.routes}
    for comp in _sccs(stuck, stuck, len(graph.names)):
        if len(comp) == 1 and comp[0] not in stuck[comp[0]]:
            continue
        names = {graph.names[i] for i in comp}
        order = [t.name.text for t in spec.tasks if t.name.text in names]
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
    graph = _flow_graph(spec)
    order: dict[str, int] = {}  # each task name's last position, made when a loop needs it
    for comp in _sccs(range(graph.tasks), graph.task_succ, graph.tasks):
        if len(comp) == 1 and comp[0] not in graph.task_succ[comp[0]]:
            continue
        if not any(graph.finishing[i] for i in comp):
            continue  # PD302 already says this loop can never finish
        members = {graph.names[i] for i in comp}
        order = order or {t.name.text: i for i, t in enumerate(spec.tasks)}
        routes = [(spec.task(n), r) for n in sorted(members, key=order.__getitem__)
                  for r in spec.task(n).routes]  # type: ignore[union-attr]
        inside = [(t, r) for t, r in routes if any(x.name.text in members for x in r.targets)]
        if any(r.cap is not None or (r.action == m.RETURN and spec.process.return_cap)
               for _, r in inside):
            continue  # a route's cap, or the case's cap on returns (returns total at most)
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
        graph = _flow_graph(spec)
        counts: dict[int, int] = {}
        for branch in block.branches:
            for i in _reach(graph.succ, [graph.index[branch]], len(graph.names))[1]:
                if i < graph.tasks:
                    counts[i] = counts.get(i, 0) + 1
        meet = [t.name.text for t, i in zip(spec.tasks, graph.task_ids, strict=True)
                if counts.get(i, 0) > 1] if max(counts.values(), default=0) > 1 else []
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


def _leads_to(after: Mapping[str, tuple[str, ...]], start: str, goal: str) -> bool:
    """Return True when some path from start reaches goal (not going on from goal)."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt in after.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def check_chosen_returns(ctx: CheckContext) -> Iterator[Diagnostic]:
    """``return -> choice of A, B`` is a return, to steps before the approval (PD311)."""
    after = successors(ctx.spec)
    for task in ctx.spec.tasks:
        name = task.name.text
        for route in task.routes:
            if route.split is not m.Split.CHOICE:
                continue
            if route.action != m.RETURN:
                yield diagnostic("PD311", route.span, Text(
                    f"'choice of' lets the approver of {name} pick where a return goes; "
                    f"it cannot follow '{route.action}'",
                    f"“可选”用于由 {name} 的审批人选定退回到哪一步，不能用于“{route.action}”"),
                    label=Text("not a return", "不是退回"),
                    hint=Text("write it on the return line: return -> choice of A, B",
                              "请写在退回行上：退回 -> 可选 A, B"))
                continue
            for target in route.targets:
                if target.kind is m.TargetKind.STEP and target.name.text != name and \
                        _leads_to(after, target.name.text, name):
                    continue
                if target.kind is m.TargetKind.UNKNOWN:
                    continue  # reported as an unknown step
                yield diagnostic("PD311", target.span, Text(
                    f"{target.name.text} is not a step before {name}: a return goes back to "
                    "a step the case has passed",
                    f"{target.name.text} 不是 {name} 之前的步骤：退回只能回到案例已经办理过的步骤"),
                    label=Text("not an earlier step", "不是之前的步骤"),
                    hint=Text(f"name steps that lead to {name}",
                              f"请列出通向 {name} 的步骤"))


CHECKS: tuple[Check, ...] = (check_tasks_exist, check_ends_exist, check_reachable, check_way_onward,
                             check_can_finish, check_loop_caps, check_parallel,
                             check_chosen_returns)
