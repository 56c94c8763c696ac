"""Rule table checks: gaps, overlaps, result kinds (PD501-PD504), and the interval analysis."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.checks.intervals import analyse
from procdsl.compiler import check_text
from procdsl.diagnostics import Diagnostic, Severity
from procdsl.model import (
    BoolOp,
    Compare,
    EnumValue,
    Expr,
    FieldRef,
    Literal,
    LiteralKind,
    Member,
    Name,
    Not,
    Spec,
)
from procdsl.parser import parse_source, read_source
from procdsl.source import NO_SPAN


def spec(rules: str, lang: str = "en", approver: str = "boss") -> str:
    """Return a spec with the given rule blocks; approval 'decide' is done by approver."""
    return (f"process buy \"Buying\"\n  lang {lang}\n\nroles\n  clerk\n  boss\n  chief\n\n"
            "data\n  amount: money\n  count: int\n  kind: enum(goods, service, other)\n"
            "  urgent: bool\n\n"
            f"step ask\n  by clerk\n  then decide\n\napproval decide\n  by {approver}\n"
            f"  approve -> end done\n  reject -> end done\n\n{rules}\nend done success\n")


def found(text: str, family: str = "PD5") -> list[Diagnostic]:
    unit = check_text("t.proc", text.encode())
    return [d for d in unit.diagnostics if d.code.startswith(family)]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def only(text: str, code: str) -> Diagnostic:
    diags = found(text)
    assert [d.code for d in diags] == [code], [d.message.en for d in diags]
    return diags[0]


def test_gap_at_one_amount() -> None:
    text = spec("rule limits\n  when amount < 10000 -> boss\n  when amount > 10000 -> chief\n")
    d = only(text, "PD501")
    assert (d.span.line, d.span.column) == (line_of(text, "rule limits"), 6)
    assert d.message.en == "amount = 10000 matches no row of rule limits"
    assert d.severity is Severity.ERROR


def test_gap_in_chinese() -> None:
    text = spec("rule limits\n  when amount < 10000 -> boss\n  when amount > 10000 -> chief\n",
                lang="zh")
    assert only(text, "PD501").message.zh == "amount = 10000 时，规则 limits 没有任何一行匹配"


def test_gap_ranges_of_a_whole_number() -> None:
    text = spec("rule sizes\n  when count < 5 -> boss\n  when count >= 7 and count < 9 -> chief\n")
    d = only(text, "PD501")
    assert d.message.en == "5 <= count <= 6 or count >= 9 matches no row of rule sizes"


def test_gap_range_of_money_has_an_example() -> None:
    text = spec("rule limits\n  when amount <= 100 -> boss\n  when amount >= 200 -> chief\n")
    d = only(text, "PD501")
    assert d.message.en.startswith("100 < amount < 200 matches no row")
    assert [n.en for n in d.notes] == ["for example amount = 101"]


def test_no_gap_with_otherwise() -> None:
    text = spec("rule limits\n  when amount < 10000 -> boss\n  otherwise -> chief\n")
    assert found(text) == []


def test_enum_gap_lists_the_values() -> None:
    text = spec("rule kinds\n  when kind == goods -> boss\n")
    assert only(text, "PD501").message.en == "kind = service or other matches no row of rule kinds"


def test_several_fields_give_one_example() -> None:
    text = spec("rule mixed\n  when kind == goods and urgent -> boss\n  when not urgent -> chief\n")
    d = only(text, "PD501")
    assert d.message.en == "kind = service, urgent = true matches no row of rule mixed"


def test_example_leaves_out_fields_that_do_not_matter() -> None:
    text = spec("rule mixed\n  when amount < 10 and kind == goods -> boss\n"
                "  when amount < 10 and kind != goods -> chief\n  when amount > 10 -> chief\n")
    assert only(text, "PD501").message.en == "amount = 10 matches no row of rule mixed"


def test_example_widens_the_number_field() -> None:
    text = spec("rule mixed\n  when urgent -> boss\n  when not urgent and amount < 0.5 -> chief\n")
    assert only(text, "PD501").message.en == ("urgent = false, amount >= 0.5 matches no row "
                                              "of rule mixed")


def test_gap_over_dates() -> None:
    text = spec("rule dates\n  when due < 2026-01-01 -> boss\n  when due > 2026-01-01 -> chief\n")
    text = text.replace("  urgent: bool\n", "  urgent: bool\n  due: date\n")
    assert only(text, "PD501").message.en == "due = 2026-01-01 matches no row of rule dates"


def test_bare_number_field_is_not_analysed() -> None:
    text = spec("rule odd\n  when count -> boss\n  when count > 3 -> chief\n")
    assert [d.code for d in found(text, "PD4") + found(text, "PD5")] == ["PD403"]


def test_table_that_never_matches() -> None:
    text = spec("rule never\n  when false -> boss\n")
    assert only(text, "PD501").message.en == "every case matches no row of rule never"


def test_no_gap_claimed_when_a_row_cannot_be_analysed() -> None:
    text = spec("rule limits\n  when amount * 2 < 10000 -> boss\n  when amount > 10000 -> chief\n")
    assert found(text) == []


def test_overlap_at_one_value() -> None:
    text = spec("rule limits\n  when amount < 10000 -> boss\n"
                "  when amount >= 10000 and amount <= 50000 -> chief\n"
                "  when amount >= 50000 -> chief\n")
    d = only(text, "PD502")
    assert d.severity is Severity.WARNING
    assert (d.span.line, d.span.column) == (line_of(text, "when amount >= 50000"), 8)
    assert d.message.en == ("amount = 50000 matches rows 2 and 3 of rule limits; "
                            "only row 2 applies")
    assert d.label is not None and d.label.en == "overlaps row 2"


def test_overlap_in_chinese_and_shadowed_row() -> None:
    text = spec("rule kinds\n  when kind in (goods, service) -> boss\n"
                "  when kind == goods -> chief\n  otherwise -> boss\n", lang="zh")
    d = only(text, "PD502")
    assert d.message.zh == "kind = goods 时同时匹配规则 kinds 的第 1 行和第 2 行，只有第 1 行生效"
    assert [n.zh for n in d.notes] == ["第 2 行永远不会生效：它匹配的取值都已被前面的行匹配"]


def test_overlap_still_reported_beside_unanalysable_row() -> None:
    text = spec("rule limits\n  when amount * 2 < 10 -> boss\n  when amount > 5 -> chief\n"
                "  when amount > 7 -> chief\n")
    d = only(text, "PD502")
    assert d.message.en.startswith("amount > 7 matches rows 2 and 3")


def test_row_after_otherwise() -> None:
    text = spec("rule limits\n  when amount < 10 -> boss\n  otherwise -> chief\n"
                "  when amount > 100 -> boss\n")
    d = only(text, "PD502")
    assert (d.span.line, d.span.column) == (line_of(text, "when amount > 100"), 3)
    assert d.message.en == ("row 3 of rule limits comes after 'otherwise' (row 2) "
                            "and never applies")


def test_mixed_results() -> None:
    text = spec("rule limits\n  when amount < 10 -> boss\n  otherwise -> \"big\"\n")
    d = only(text, "PD503")
    assert (d.span.line, d.span.column) == (line_of(text, '"big"'), 16)
    assert d.message.en == ("row 2 of rule limits gives text (\"big\"), "
                            "but row 1 gives approvers (roles)")


def test_approver_rule_that_gives_a_step() -> None:
    text = spec("rule who\n  when amount < 10 -> boss\n  otherwise -> ask\n",
                approver="rule who")
    codes = [d.code for d in found(text)]
    assert codes == ["PD503", "PD504"]
    d = found(text)[1]
    assert (d.span.line, d.span.column) == (line_of(text, "otherwise -> ask"), 16)
    assert d.message.en == ("rule who chooses who does decide, but row 2 gives a step (ask), "
                            "not roles")


def test_approver_rule_of_roles_is_fine() -> None:
    text = spec("rule who\n  when amount < 10 -> boss\n  otherwise -> boss then chief\n",
                approver="rule who")
    assert found(text) == []


# ------------------------------------------------------------------ the analysis itself

N = FieldRef(name=Name(text="n", span=NO_SPAN), span=NO_SPAN)
OPS = ("==", "!=", "<", "<=", ">", ">=")


def _number(value: int) -> Literal:
    return Literal(value=value, kind=LiteralKind.INT, span=NO_SPAN)


def _spec_with_n() -> Spec:
    source, _ = read_source("n.proc", b"process p\ndata\n  n: int\n  k: enum(a, b, c)\n"
                                      b"step s by r, then end e\nend e success\nroles\n  r\n")
    parsed = parse_source(source)
    assert parsed.spec is not None
    return parsed.spec


SPEC = _spec_with_n()

atoms = st.one_of(
    st.builds(lambda op, c: Compare(op=op, left=N, right=_number(c), span=NO_SPAN), st.sampled_from(OPS),
              st.integers(-5, 5)),
    st.builds(lambda op, c: Compare(op=op, left=_number(c), right=N, span=NO_SPAN), st.sampled_from(OPS),
              st.integers(-5, 5)),
    st.builds(lambda items, neg: Member(operand=N, items=tuple(_number(i) for i in items), negated=neg, span=NO_SPAN),
              st.lists(st.integers(-5, 5), min_size=1, max_size=3), st.booleans()),
)
conditions = st.recursive(atoms, lambda inner: st.one_of(
    st.builds(lambda e: Not(operand=e, span=NO_SPAN), inner),
    st.builds(lambda op, xs: BoolOp(op=op, operands=tuple(xs), span=NO_SPAN), st.sampled_from(("and", "or")),
              st.lists(inner, min_size=2, max_size=3))), max_leaves=5)


def _int(expr: Expr, x: int) -> int:
    """Return n's value x for the field, or the literal's integer."""
    if isinstance(expr, FieldRef):
        return x
    assert isinstance(expr, Literal) and isinstance(expr.value, int)
    return expr.value


def brute(expr: Expr, x: int) -> bool:
    """Evaluate a condition over n = x the obvious way."""
    if isinstance(expr, Not):
        return not brute(expr.operand, x)
    if isinstance(expr, BoolOp):
        values = [brute(e, x) for e in expr.operands]
        return all(values) if expr.op == "and" else any(values)
    if isinstance(expr, Member):
        return (x in [_int(i, x) for i in expr.items]) != expr.negated
    assert isinstance(expr, Compare)
    left, right = _int(expr.left, x), _int(expr.right, x)
    return {"==": left == right, "!=": left != right, "<": left < right,
            "<=": left <= right, ">": left > right, ">=": left >= right}[expr.op]


@settings(max_examples=300, deadline=None)
@given(st.lists(conditions, min_size=1, max_size=4))
def test_analysis_agrees_with_brute_force(rows: list[Expr]) -> None:
    analysis = analyse(SPEC, rows)
    assert analysis is not None and analysis.skipped == ()
    by_cell = {combo[0]: matches for combo, matches in analysis.combos}
    for x in range(-10, 11):
        holding = [c for c in by_cell if c.contains(Fraction(x))]
        assert len(holding) == 1, x
        expected = frozenset(i for i, row in enumerate(rows) if brute(row, x))
        assert by_cell[holding[0]] == expected, x
    for cell in by_cell:
        w = cell.witness()
        assert isinstance(w, Fraction) and w.denominator == 1 and cell.contains(w)
    gap = any(not m for m in by_cell.values())
    assert gap == any(not any(brute(r, x) for r in rows) for x in range(-10, 11))


K = FieldRef(name=Name(text="k", span=NO_SPAN), span=NO_SPAN)
LETTERS = ("a", "b", "c")


def _letter(value: str) -> EnumValue:
    return EnumValue(name=Name(text=value, span=NO_SPAN), span=NO_SPAN)


enum_atoms = st.one_of(
    st.builds(lambda op, v: Compare(op=op, left=K, right=_letter(v), span=NO_SPAN), st.sampled_from(("==", "!=")),
              st.sampled_from(LETTERS)),
    st.builds(lambda vs, neg: Member(operand=K, items=tuple(_letter(v) for v in vs), negated=neg, span=NO_SPAN),
              st.lists(st.sampled_from(LETTERS), min_size=1, max_size=2), st.booleans()),
)
mixed = st.recursive(st.one_of(atoms, enum_atoms), lambda inner: st.builds(
    lambda op, xs: BoolOp(op=op, operands=tuple(xs), span=NO_SPAN), st.sampled_from(("and", "or")),
    st.lists(inner, min_size=2, max_size=3)), max_leaves=4)


def brute2(expr: Expr, x: int, letter: str) -> bool:
    """Evaluate a condition over n = x and k = letter the obvious way."""
    if isinstance(expr, BoolOp):
        values = [brute2(e, x, letter) for e in expr.operands]
        return all(values) if expr.op == "and" else any(values)
    if isinstance(expr, Not):
        return not brute2(expr.operand, x, letter)
    uses_k = (expr.operand if isinstance(expr, Member) else expr.left) == K  # type: ignore[union-attr]
    if not uses_k:
        return brute(expr, x)
    if isinstance(expr, Member):
        names = [i.name.text for i in expr.items if isinstance(i, EnumValue)]
        return (letter in names) != expr.negated
    assert isinstance(expr, Compare) and isinstance(expr.right, EnumValue)
    return (letter == expr.right.name.text) == (expr.op == "==")


@settings(max_examples=200, deadline=None)
@given(st.lists(mixed, min_size=1, max_size=3))
def test_two_field_analysis_agrees_with_brute_force(rows: list[Expr]) -> None:
    analysis = analyse(SPEC, rows)
    assert analysis is not None and analysis.skipped == ()
    for combo, matches in analysis.combos:
        env = analysis.env(combo)
        letter = env.get("k")
        for x in range(-10, 11):
            if "n" in env and not combo[[d.field for d in analysis.domains].index("n")].contains(
                    Fraction(x)):
                continue
            for k in LETTERS if letter is None else (letter,):
                assert isinstance(k, str)
                expected = frozenset(i for i, r in enumerate(rows) if brute2(r, x, k))
                assert matches == expected, (x, k)
