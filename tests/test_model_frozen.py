"""Model nodes are frozen, slotted, keyword-only values: equal by content, hashable."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from procdsl import model as m
from procdsl.source import Span

SPAN = Span("t.proc", 1, 1, 1, 2, 0, 1)
NODES = sorted((value for value in vars(m).values()
                if isinstance(value, type) and dataclasses.is_dataclass(value)
                and value.__module__ == m.__name__ and value is not m.Spec),
               key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", NODES, ids=[cls.__name__ for cls in NODES])
def test_every_node_is_a_frozen_slotted_keyword_only_dataclass(cls: type) -> None:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen and params.eq
    assert cls.__slots__ == tuple(f.name for f in dataclasses.fields(cls))
    assert all(f.kw_only for f in dataclasses.fields(cls))


def test_nodes_are_values() -> None:
    name = m.Name(text="x", span=SPAN)
    same = m.Name(text="x", span=SPAN)
    assert name == same and hash(name) == hash(same) and {name: 1}[same] == 1
    assert name != m.Name(text="y", span=SPAN)
    assert repr(name) == f"Name(text='x', span={SPAN!r})"
    with pytest.raises(dataclasses.FrozenInstanceError):
        name.text = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.Name("x", SPAN)  # type: ignore[misc]  # keywords only
    assert dataclasses.replace(name, text="y") == m.Name(text="y", span=SPAN)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(name, protocol)) == name
    assert copy.deepcopy(name) == name


def test_nodes_nest_and_match_by_keyword() -> None:
    ref = m.FieldRef(name=m.Name(text="amount", span=SPAN), span=SPAN)
    match m.Not(operand=ref, span=SPAN):
        case m.Not(operand=m.FieldRef(name=m.Name(text=text))):
            assert text == "amount"
        case _:
            pytest.fail("no match")


def test_an_assignee_refuses_impossible_states() -> None:
    from procdsl.kinds import AssigneeMode

    nowhere = Span("t.proc", 1, 1, 1, 1, 0, 0)
    role = m.Name(text="r", span=nowhere)
    ok = m.Assignee(mode=AssigneeMode.COUNT, roles=(role,), count=2, rule=None, span=nowhere)
    assert ok.count == 2
    with pytest.raises(ValueError, match="needs count"):
        m.Assignee(mode=AssigneeMode.COUNT, roles=(role,), count=None, rule=None, span=nowhere)
    with pytest.raises(ValueError, match="takes no count"):
        m.Assignee(mode=AssigneeMode.ALL, roles=(role,), count=2, rule=None, span=nowhere)
    with pytest.raises(ValueError, match="needs a rule"):
        m.Assignee(mode=AssigneeMode.RULE, roles=(role,), count=None, rule=role, span=nowhere)
    with pytest.raises(ValueError, match="takes no rule"):
        m.Assignee(mode=AssigneeMode.ONE, roles=(role,), count=None, rule=role, span=nowhere)
