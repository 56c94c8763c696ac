"""Walking the model: every condition, role reference and step reference, with spans."""

from __future__ import annotations

from collections.abc import Iterator

from .. import model as m


def conditions(spec: m.Spec) -> Iterator[m.Expr]:
    """Yield every top-level condition in the spec (routes, also-by, until, rule rows)."""
    for task in spec.tasks:
        for route in task.routes:
            if route.condition is not None:
                yield route.condition
        for extra in task.extra_approvers:
            yield extra.condition
        if task.for_each is not None and task.for_each.until is not None:
            yield task.for_each.until
    for rule in spec.rules:
        for row in rule.rows:
            if row.condition is not None:
                yield row.condition


def subexpressions(expr: m.Expr) -> Iterator[m.Expr]:
    """Yield expr and every expression inside it, parents first."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        match e:
            case m.Not() | m.Negative():
                stack.append(e.operand)
            case m.BoolOp():
                stack.extend(reversed(e.operands))
            case m.Compare() | m.Arith():
                stack.extend((e.right, e.left))
            case m.Member():
                stack.extend(reversed(e.items))
                stack.append(e.operand)


def role_refs(spec: m.Spec) -> Iterator[m.Name]:
    """Yield every place a role is named (assignees, also-by, notify, breach, cancel)."""
    def sla_roles(sla: m.Sla | None) -> Iterator[m.Name]:
        if sla is not None:
            for breach in sla.breaches:
                yield from breach.roles
    for task in spec.tasks:
        if task.assignee is not None:
            yield from task.assignee.roles
        for extra in task.extra_approvers:
            yield from extra.roles
        for notify in task.notifies:
            yield from notify.roles
        if task.on_empty is not None and task.on_empty.role is not None:
            yield task.on_empty.role
        for allow in task.allows:
            yield from allow.roles
        yield from sla_roles(task.sla)
    yield from sla_roles(spec.process.sla)
    for cancel in spec.process.cancels:
        yield from cancel.roles
    for action in spec.process.actions:
        yield from action.assignee.roles
    for rule in spec.rules:
        for row in rule.rows:
            if row.result.kind is m.ResultKind.ROLES:
                yield from row.result.names


def targets(spec: m.Spec) -> Iterator[m.Target]:
    """Yield every route target (routes, caps, breach goto, withdraw, cancel)."""
    def sla_targets(sla: m.Sla | None) -> Iterator[m.Target]:
        if sla is not None:
            for breach in sla.breaches:
                if breach.target is not None:
                    yield breach.target
    for task in spec.tasks:
        for route in task.routes:
            yield from route.targets
            if route.cap is not None and route.cap.then is not None:
                yield route.cap.then
        yield from sla_targets(task.sla)
    yield from sla_targets(spec.process.sla)
    if spec.process.withdraw is not None:
        yield spec.process.withdraw.target
    for cancel in spec.process.cancels:
        yield cancel.target
