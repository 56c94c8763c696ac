"""The model's quick frozen classes equal what ``@dataclass(frozen=True, slots=True)`` makes.

``model._frozen_311`` compiles only ``__init__``; this builds a second copy of the model
with the real decorator and compares every class and instance behaviour with it.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from procdsl import model as m

SOURCE = Path(m.__file__).read_text(encoding="utf-8")
FAST_ONLY = pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                               reason="other Pythons use the real decorator")


def _reference() -> types.ModuleType:
    """Return the model built with ``@dataclass(frozen=True, slots=True)`` itself."""
    text = SOURCE.replace("_QUICK = sys.version_info[:2] == (3, 11)", "_QUICK = False")
    assert text != SOURCE
    module = types.ModuleType("procdsl._model_reference")
    module.__package__ = "procdsl"
    sys.modules[module.__name__] = module
    exec(compile(text, m.__file__, "exec"), module.__dict__)  # noqa: S102 - our own source
    return module


REF = _reference()
CLASSES = sorted(name for name, value in vars(m).items()
                 if isinstance(value, type) and dataclasses.is_dataclass(value)
                 and value.__module__ == m.__name__)


def _values(cls: type, tag: str = "v") -> list[Any]:
    return [f"{tag}{i}" for i, _ in enumerate(dataclasses.fields(cls))]


def test_every_model_class_is_compared() -> None:
    assert len(CLASSES) >= 40


@FAST_ONLY
def test_fast_path_is_used() -> None:
    assert m._QUICK and not REF._QUICK


@pytest.mark.parametrize("name", CLASSES)
def test_class_matches_dataclass(name: str) -> None:
    fast, ref = getattr(m, name), getattr(REF, name)
    assert fast.__doc__ == ref.__doc__
    assert fast.__qualname__ == ref.__qualname__
    assert repr(fast.__dataclass_params__) == repr(ref.__dataclass_params__)
    assert [repr(f) for f in dataclasses.fields(fast)] == [
        repr(f) for f in dataclasses.fields(ref)]
    assert fast.__match_args__ == ref.__match_args__
    assert getattr(fast, "__slots__", None) == getattr(ref, "__slots__", None)
    assert str(inspect.signature(fast)) == str(inspect.signature(ref))
    assert sorted(vars(fast)) == sorted(vars(ref))
    for method in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        mine, theirs = getattr(fast, method), getattr(ref, method)
        assert mine.__qualname__ == theirs.__qualname__
        assert mine.__name__ == theirs.__name__
    assert fast.__init__.__annotations__ == ref.__init__.__annotations__


def _outcome(action: Any) -> Any:
    try:
        return ("ok", action())
    except Exception as err:  # noqa: BLE001 - the exception is what is compared
        return (type(err).__name__, str(err))


@pytest.mark.parametrize("name", CLASSES)
def test_instances_match_dataclass(name: str) -> None:
    fast, ref = getattr(m, name), getattr(REF, name)
    a, b = fast(*_values(fast)), ref(*_values(ref))
    assert repr(a) == repr(b)
    assert hash(a) == hash(b)
    assert a == fast(*_values(fast))
    assert not a != fast(*_values(fast))  # noqa: SIM202 - __ne__ comes from __eq__
    assert a != fast(*_values(fast, "w"))
    assert (a == b) is False  # another class, as for two real dataclasses
    assert a.__eq__(1) is NotImplemented
    assert dataclasses.astuple(a) == dataclasses.astuple(b)
    first = dataclasses.fields(fast)[0].name
    for obj in (a, b):
        assert dataclasses.replace(obj, **{first: "x"}) == type(obj)(
            *["x", *_values(fast)[1:]])
    for attr in (first, "not_a_field"):
        assert _outcome(lambda: setattr(a, attr, 1)) == _outcome(  # noqa: B023
            lambda: setattr(b, attr, 1))  # noqa: B023
        assert _outcome(lambda: delattr(a, attr)) == _outcome(  # noqa: B023
            lambda: delattr(b, attr))  # noqa: B023
    assert _outcome(lambda: fast())[0] == _outcome(lambda: ref())[0]
    assert _outcome(lambda: fast(**{first: 1})) == _outcome(lambda: ref(**{first: 1}))
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(a, protocol)) == a
    assert copy.deepcopy(a) == a and copy.copy(a) == a
    assert a.__getstate__() == b.__getstate__()


def test_match_and_nesting() -> None:
    span = object()
    name = m.Name("x", span)  # type: ignore[arg-type]
    match name:
        case m.Name(text, where):
            assert (text, where) == ("x", span)
        case _:
            pytest.fail("no match")
    assert {name: 1}[m.Name("x", span)] == 1  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        name.text = "y"  # type: ignore[misc]


def test_a_python_whose_private_dataclass_helpers_differ_gets_real_dataclasses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def changed(*args: object) -> None:
        raise TypeError("another 3.11 release")

    monkeypatch.setattr(m, "_methods", changed)

    @m._frozen
    class Probe:
        """A probe."""

        a: int
        b: str = "x"

    probe = Probe(1)  # type: ignore[call-arg]
    assert probe == Probe(1, "x") and hash(probe) == hash(Probe(1))  # type: ignore[call-arg]
    assert Probe.__doc__ == "A probe." and Probe.__slots__ == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        probe.a = 2  # type: ignore[misc]
