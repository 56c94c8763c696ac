"""The generated tables name the kinds the compiler and runtime share (procdsl.kinds):
a kind the runtime does not know fails when the module is imported, not later."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from procdsl import kinds
from procdsl import runtime as rt

ROOT = Path(__file__).resolve().parents[1]


def test_generated_modules_name_enum_members_not_strings() -> None:
    text = (ROOT / "generated" / "请假流程.py").read_text(encoding="utf-8")
    assert "_rt.BreachDef(_rt.BreachKind.ESCALATE" in text
    assert "_rt.Approvers(_rt.AssigneeMode.ONE" in text
    assert "_rt.TimeUnit.WORKDAYS" in text
    assert "BreachDef('escalate'" not in text


@pytest.mark.parametrize(("make", "word"), [
    (lambda: rt.BreachDef("escalte", ("boss",)), "BreachKind"),
    (lambda: rt.Approvers("evry", ("a",)), "AssigneeMode"),
    (lambda: rt.Span(Decimal(1), "workday"), "TimeUnit"),
    (lambda: rt.RouteDef("approve", (rt.step("x"),), split="paralel"), "Split"),
    (lambda: rt.TaskDef("t", "stepp", ()), "TaskKind"),
])
def test_an_unknown_kind_is_refused_when_the_table_is_made(make: object, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        make()  # type: ignore[operator]


def test_a_misspelt_member_fails_at_import() -> None:
    with pytest.raises(AttributeError):
        getattr(rt.BreachKind, "ESCALTE")  # noqa: B009 - what a hand-edited module would do


def test_members_and_their_values_make_the_same_tables() -> None:
    assert rt.BreachDef(rt.BreachKind.GOTO) == rt.BreachDef("goto")
    assert rt.Span(Decimal(2), rt.TimeUnit.HOURS).unit == "hours"
    assert rt.BreachKind is kinds.BreachKind and rt.Split is kinds.Split
