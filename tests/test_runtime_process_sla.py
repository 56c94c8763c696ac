"""The case's own SLA: ``on breach escalate to R`` hands every open work item to R.

Issue 13: the checker accepted it and the manual printed it, but ``tick`` only reported
``process_breach``.  A process-level escalation now does for every open item what a
task's own escalation does for its item: only holders of R may act, one decision
decides; an ``escalated`` event per item and one audit record (by ``@clock``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from procdsl.compiler import check_text
from procdsl.emitters.python import emit_python
from procdsl.runtime import Refused

from .test_runtime_helpers import _OUT, at, import_path, who

SPEC = """\
process escalating "A claim the boss takes over when it is late"
  version 1
  lang en
  sla 2 days
    on breach escalate to boss

roles
  clerk
  approver
  boss

step submit
  by clerk
  then review

approval review
  by all of approver, clerk
  approve -> end approved
  reject -> end rejected

end approved success
end rejected failure
"""

T = at("2026-03-02 10:00", "UTC")
CLERK, APPROVER, BOSS = who("c", "clerk"), who("a", "approver"), who("b", "boss")


def _workflow() -> object:
    unit = check_text("escalating.proc", SPEC.encode())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    path = _OUT / "gen_escalating.py"
    path.write_text(emit_python(unit.spec, lang=unit.spec.lang), encoding="utf-8")
    return import_path(path, "gen_escalating").WORKFLOW


def test_the_generated_tables_carry_the_process_breach_target() -> None:
    wf = _workflow()
    sla = wf.definition.sla  # type: ignore[attr-defined]
    assert [(b.kind, b.roles) for b in sla.breaches] == [("escalate", ("boss",))]


def test_process_breach_hands_every_open_item_to_the_escalation_role() -> None:
    wf = _workflow()
    case = wf.start(CLERK, None, T)  # type: ignore[attr-defined]
    case.act("submit", "complete", CLERK, T)
    case.act("review", "approve", APPROVER, T)  # one of two co-approvals
    assert case.tick(T + dt.timedelta(days=1)) == ()
    events = case.tick(T + dt.timedelta(days=2))
    assert [(e.kind, e.step, e.roles, e.detail) for e in events] == [
        ("process_breach", None, (), ""), ("escalated", "review", ("boss",), "process")]
    record = case.history[-1]
    assert (record.actor, record.step, record.action) == ("@clock", None, "escalate")
    assert record.before == record.after == ("review",)
    assert [i.escalated for i in case.items.values()] == ["boss"]
    # Only the boss may act now, and one decision decides (the clerk's co-approval is moot).
    with pytest.raises(Refused, match="needs the role boss"):
        case.act("review", "approve", CLERK, T + dt.timedelta(days=2))
    assert [a.action for a in case.allowed_actions(BOSS)] == ["approve", "reject"]
    case.act("review", "approve", BOSS, T + dt.timedelta(days=2))
    assert case.outcome == "approved"
    assert case.tick(T + dt.timedelta(days=9)) == ()


def test_a_process_escalation_survives_a_snapshot() -> None:
    wf = _workflow()
    case = wf.start(CLERK, None, T)  # type: ignore[attr-defined]
    case.tick(T + dt.timedelta(days=3))
    back = wf.from_json(case.to_json())  # type: ignore[attr-defined]
    assert back.to_json() == case.to_json()
    assert [i.escalated for i in back.items.values()] == ["boss"]
    with pytest.raises(Refused, match="needs the role boss"):
        back.act("submit", "complete", CLERK, T + dt.timedelta(days=3))
    back.act("submit", "complete", BOSS, T + dt.timedelta(days=3))
    assert back.marking == ("review",)
