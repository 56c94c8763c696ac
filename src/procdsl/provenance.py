"""Where a spec's rules come from: the 依据 / 补充 marks, gathered once for checks and manuals."""

from __future__ import annotations

from collections.abc import Iterator

from . import model as m


def provenances(spec: m.Spec) -> Iterator[m.Provenance | None]:
    """Yield the mark (or None) of every line of spec that can carry one."""
    p = spec.process
    yield p.withdraw.provenance if p.withdraw else None
    yield from (c.provenance for c in p.cancels)
    yield from (t.provenance for t in p.terms)
    if p.sla is not None:
        yield p.sla.provenance
        yield from (b.provenance for b in p.sla.breaches)
    for task in spec.tasks:
        yield task.assignee.provenance if task.assignee else None
        yield from (r.provenance for r in task.routes)
        yield from (e.provenance for e in task.exclusions)
        yield from (x.provenance for x in task.extra_approvers)
        yield from (x.provenance for x in task.sets)
        if task.sla is not None:
            yield task.sla.provenance
            yield from (b.provenance for b in task.sla.breaches)
    for rule in spec.rules:
        yield from (row.provenance for row in rule.rows)


def has_provenance(spec: m.Spec) -> bool:
    """Return True when any rule of spec says where it comes from (依据 / 补充)."""
    return any(found is not None for found in provenances(spec))
