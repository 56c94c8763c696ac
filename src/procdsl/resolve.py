"""Settle names once every block is known: fields vs enum values, steps vs ends, and
what kind of thing each rule row gives.  Unknown names are left for the checks.

Only three kinds of node change (``EnumValue`` that names a field, ``Target``,
``RuleResult``); the walk visits exactly the fields that can hold them and returns a
node unchanged (the same object) when nothing under it changed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from . import model as m

_N = TypeVar("_N")


def _changed(node: _N, **values: Any) -> _N:
    """Return node with values, or node itself when every value is the one it holds."""
    if all(getattr(node, key) is value for key, value in values.items()):
        return node
    return replace(node, **values)  # type: ignore[type-var]


def _same(items: tuple[_N, ...], new: list[_N]) -> tuple[_N, ...]:
    """Return items itself when new holds the same objects, else new as a tuple."""
    return items if all(a is b for a, b in zip(items, new, strict=True)) else tuple(new)


class _Resolver:
    def __init__(self, spec: m.Spec) -> None:
        self.fields = {f.name.text for f in spec.fields}
        self.tasks = {t.name.text for t in spec.tasks}
        self.ends = {e.name.text for e in spec.ends}
        self.roles = {r.name.text for r in spec.roles}
        self.rules = {x.name.text: x for x in reversed(spec.rules)}  # the first one wins

    # ---------------------------------------------------------------- names
    def target(self, t: m.Target) -> m.Target:
        name = t.name.text
        if t.explicit_end:
            kind = m.TargetKind.END if name in self.ends else m.TargetKind.UNKNOWN
        elif name in self.tasks:
            kind = m.TargetKind.STEP
        elif name in self.ends:
            kind = m.TargetKind.END
        else:
            kind = m.TargetKind.UNKNOWN
        return t if kind is t.kind else replace(t, kind=kind)

    def maybe_target(self, t: m.Target | None) -> m.Target | None:
        return None if t is None else self.target(t)

    def result(self, r: m.RuleResult) -> m.RuleResult:
        if r.kind is m.ResultKind.VALUE:
            return r
        names = [n.text for n in r.names]
        if all(n in self.roles for n in names):
            kind = m.ResultKind.ROLES
        elif len(names) == 1 and (names[0] in self.tasks or names[0] in self.ends):
            kind = m.ResultKind.STEP
        else:
            kind = m.ResultKind.UNKNOWN
        return replace(r, kind=kind)

    # ---------------------------------------------------------------- conditions
    def expr(self, e: m.Expr) -> m.Expr:
        match e:
            case m.EnumValue() if e.name.text in self.fields:
                return m.FieldRef(name=e.name, span=e.span)
            case m.Not() | m.Negative():
                return _changed(e, operand=self.expr(e.operand))
            case m.BoolOp():
                return _changed(e, operands=self.exprs(e.operands))
            case m.Compare() | m.Arith():
                return _changed(e, left=self.expr(e.left), right=self.expr(e.right))
            case m.Member():
                return _changed(e, operand=self.expr(e.operand), items=self.exprs(e.items))
        return e  # a literal, a field reference or an enum value

    def exprs(self, items: tuple[m.Expr, ...]) -> tuple[m.Expr, ...]:
        return _same(items, [self.expr(x) for x in items])

    def maybe_expr(self, e: m.Expr | None) -> m.Expr | None:
        return None if e is None else self.expr(e)

    # ---------------------------------------------------------------- definitions
    def sla(self, sla: m.Sla | None) -> m.Sla | None:
        if sla is None:
            return None
        breaches = [_changed(b, target=self.maybe_target(b.target)) for b in sla.breaches]
        return _changed(sla, breaches=_same(sla.breaches, breaches))

    def route(self, r: m.Route) -> m.Route:
        cap = None if r.cap is None else _changed(r.cap, then=self.maybe_target(r.cap.then))
        targets = [self.target(t) for t in r.targets]
        if r.split is m.Split.RULE and r.rule is not None:
            targets = self.rule_targets(r.rule.text)
        return _changed(r, condition=self.maybe_expr(r.condition),
                        targets=_same(r.targets, targets) if len(targets) == len(r.targets)
                        else tuple(targets), cap=cap)

    def rule_targets(self, name: str) -> list[m.Target]:
        """Return the tasks and ends the rows of rule name give, in row order, each once
        (what ``then by rule R`` may route to); rows giving anything else are the checks'."""
        rule = self.rules.get(name)
        found: dict[str, m.Target] = {}
        for row in rule.rows if rule is not None else ():
            names = row.result.names
            if row.result.kind is m.ResultKind.VALUE or len(names) != 1:
                continue
            target = self.target(m.Target(name=names[0], kind=m.TargetKind.UNKNOWN,
                                          explicit_end=False, span=row.result.span))
            if target.kind is not m.TargetKind.UNKNOWN:
                found.setdefault(target.name.text, target)
        return list(found.values())

    def task(self, t: m.Task) -> m.Task:
        extra = [_changed(x, condition=self.expr(x.condition)) for x in t.extra_approvers]
        each = t.for_each
        return _changed(
            t, extra_approvers=_same(t.extra_approvers, extra), sla=self.sla(t.sla),
            routes=_same(t.routes, [self.route(r) for r in t.routes]),
            for_each=None if each is None else _changed(each, until=self.maybe_expr(each.until)))

    def rule(self, rule: m.Rule) -> m.Rule:
        rows = [_changed(row, condition=self.maybe_expr(row.condition),
                         result=self.result(row.result)) for row in rule.rows]
        return _changed(rule, rows=_same(rule.rows, rows))

    def process(self, p: m.Process) -> m.Process:
        withdraw = p.withdraw
        cancels = [_changed(c, target=self.target(c.target)) for c in p.cancels]
        return _changed(
            p, sla=self.sla(p.sla),
            withdraw=None if withdraw is None else _changed(
                withdraw, target=self.target(withdraw.target)),
            cancels=_same(p.cancels, cancels))


def resolve(spec: m.Spec) -> m.Spec:
    """Return the spec with field references, route targets and rule results settled."""
    r = _Resolver(spec)
    return m.Spec(
        path=spec.path, process=r.process(spec.process), calendars=spec.calendars,
        roles=spec.roles, fields=spec.fields, tasks=tuple(r.task(t) for t in spec.tasks),
        rules=tuple(r.rule(x) for x in spec.rules), ends=spec.ends)
