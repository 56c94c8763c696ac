"""Property test: a compiled guard means what the model's condition means.

Random condition trees over two int fields and a bool field are compiled by the Python
emitter and compared with a direct reading of the model; this holds the emitter's
parenthesisation (only where Python's operator precedence needs it) to account.
"""

from __future__ import annotations

import operator
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl import model as m
from procdsl.compiler import check_text
from procdsl.emitters.python import Guards
from procdsl.source import Span

SPAN = Span("x.proc", 1, 1, 1, 1, 0, 0)
SPEC = check_text("x.proc", b"""process p
  lang en
roles
  r
data
  a: int
  b: int
  f: bool
step s
  by r
  when a > b or f -> end e
  otherwise -> end e
end e success
""").spec
ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}
COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge}


def field(name: str) -> m.FieldRef:
    return m.FieldRef(name=m.Name(text=name, span=SPAN), span=SPAN)


numbers = st.recursive(
    st.one_of(st.sampled_from([field("a"), field("b")]),
              st.integers(-3, 3).map(lambda n: m.Literal(value=n, kind=m.LiteralKind.INT, span=SPAN))),
    lambda inner: st.one_of(
        st.builds(lambda op, x, y: m.Arith(op=op, left=x, right=y, span=SPAN), st.sampled_from(list(ARITH)),
                  inner, inner),
        inner.map(lambda x: m.Negative(operand=x, span=SPAN))),
    max_leaves=6)

conditions = st.recursive(
    st.one_of(
        st.just(field("f")),
        st.builds(lambda op, x, y: m.Compare(op=op, left=x, right=y, span=SPAN), st.sampled_from(list(COMPARE)),
                  numbers, numbers),
        st.builds(lambda x, items, neg: m.Member(operand=x, items=tuple(items), negated=neg, span=SPAN), numbers,
                  st.lists(numbers, min_size=1, max_size=3), st.booleans())),
    lambda inner: st.one_of(
        inner.map(lambda x: m.Not(operand=x, span=SPAN)),
        st.builds(lambda op, xs: m.BoolOp(op=op, operands=tuple(xs), span=SPAN), st.sampled_from(["and", "or"]),
                  st.lists(inner, min_size=2, max_size=3))),
    max_leaves=8)


def meaning(e: m.Expr, d: Any) -> Any:
    """Return the value of a condition read straight from the model."""
    match e:
        case m.Literal():
            return e.value
        case m.FieldRef():
            return getattr(d, e.name.text)
        case m.Not():
            return not meaning(e.operand, d)
        case m.BoolOp() if e.op == "and":
            return all(meaning(x, d) for x in e.operands)
        case m.BoolOp():
            return any(meaning(x, d) for x in e.operands)
        case m.Compare():
            return COMPARE[e.op](meaning(e.left, d), meaning(e.right, d))
        case m.Member():
            found = meaning(e.operand, d) in [meaning(x, d) for x in e.items]
            return not found if e.negated else found
        case m.Arith():
            return ARITH[e.op](meaning(e.left, d), meaning(e.right, d))
        case m.Negative():
            return -meaning(e.operand, d)
    raise TypeError(type(e).__name__)


@settings(max_examples=300, deadline=None)
@given(conditions, st.integers(-5, 5), st.integers(-5, 5), st.booleans())
def test_compiled_guard_agrees_with_the_model(e: m.Expr, a: int, b: int, f: bool) -> None:
    assert SPEC is not None
    source = Guards(SPEC, {"a": "a", "b": "b", "f": "f"}, "x.proc").expr(e, top=True)
    # The emitter's own output (built from model nodes, not spec text) is evaluated here
    # to compare it with the model's meaning.
    compiled = eval(compile(source, "<guard>", "eval"), {}, {"d": SimpleNamespace(a=a, b=b, f=f)})
    assert compiled == bool(meaning(e, SimpleNamespace(a=a, b=b, f=f))), source
