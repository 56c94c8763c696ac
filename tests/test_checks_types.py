"""Type checks of conditions against data (PD401-PD405)."""

from __future__ import annotations

from procdsl.compiler import check_text
from procdsl.diagnostics import Diagnostic

DATA = """\
data
  amount: money
  count: int
  rate: decimal
  kind: enum(goods, service, other)
  urgent: bool
  note: text
  due: date
  offers: list of text
"""


def spec(ask: str, extra: str = "", lang: str = "en") -> str:
    """Return a small spec whose step 'ask' has the given indented lines."""
    return (f"process buy \"Buying\"\n  lang {lang}\n\nroles\n  clerk\n  boss\n\n{DATA}\n"
            f"step ask\n  by clerk\n{ask}\n\napproval decide\n  by boss\n"
            f"  approve -> end done\n  reject -> end done\n{extra}\nend done success\n")


def found(text: str, family: str = "PD4") -> list[Diagnostic]:
    unit = check_text("t.proc", text.encode())
    return [d for d in unit.diagnostics if d.code.startswith(family)]


def where(text: str, needle: str) -> tuple[int, int]:
    """Return the 1-based line and column of the first occurrence of needle."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def only(text: str, code: str) -> Diagnostic:
    diags = found(text)
    assert [d.code for d in diags] == [code], [d.message.en for d in diags]
    return diags[0]


def test_number_against_text() -> None:
    text = spec('  when amount > "abc" -> decide\n  otherwise -> decide')
    d = only(text, "PD401")
    assert (d.span.line, d.span.column) == where(text, '"abc"')
    assert "amount is a number" in d.message.en and '"abc" is text' in d.message.en
    assert d.hint is not None and "compare amount with a number" in d.hint.en


def test_quoted_number_hint() -> None:
    text = spec('  when amount > "100" -> decide\n  otherwise -> decide')
    d = only(text, "PD401")
    assert d.hint is not None and "without quotes: 100" in d.hint.en


def test_enum_against_quoted_value() -> None:
    text = spec('  when kind == "goods" -> decide\n  otherwise -> decide')
    d = only(text, "PD401")
    assert "one of goods, service, other" in d.message.en
    assert d.hint is not None and d.hint.en == "write goods without quotes"


def test_literal_on_the_left_is_the_culprit() -> None:
    text = spec("  when 2026-01-01 == amount -> decide\n  otherwise -> decide")
    d = only(text, "PD401")
    assert (d.span.line, d.span.column) == where(text, "2026-01-01")
    assert "amount is a number but 2026-01-01 is a date" in d.message.en


def test_numbers_of_every_kind_compare() -> None:
    text = spec("  when amount > count and rate <= 1.5 and count * 2 >= amount - 1 -> decide\n"
                "  when due < 2026-01-01 and urgent and note == \"x\" -> decide\n"
                "  otherwise -> decide")
    assert found(text) == []


def test_unknown_enum_value_with_suggestion() -> None:
    text = spec("  when kind == servise -> decide\n  otherwise -> decide")
    d = only(text, "PD402")
    assert (d.span.line, d.span.column) == where(text, "servise")
    assert d.message.en == "servise is not one of the values of kind (goods, service, other)"
    assert d.hint is not None and d.hint.en.startswith("did you mean service (line ")


def test_unknown_enum_value_in_list() -> None:
    text = spec("  when kind in (goods, stuff) -> decide\n  otherwise -> decide")
    d = only(text, "PD402")
    assert (d.span.line, d.span.column) == where(text, "stuff")
    assert d.hint is not None and "goods, service, other" in d.hint.en


def test_enum_value_on_the_left() -> None:
    text = spec("  when goods == kind or servise == kind -> decide\n  otherwise -> decide")
    d = only(text, "PD402")
    assert (d.span.line, d.span.column) == where(text, "servise")


def test_bare_name_beside_a_number_is_left_to_references() -> None:
    text = spec("  when amount == goods -> decide\n  otherwise -> decide")
    assert found(text) == []
    assert "PD203" in [d.code for d in check_text("t.proc", text.encode()).diagnostics]


def test_list_item_of_wrong_type() -> None:
    text = spec('  when count in (1, "two", 3) -> decide\n  otherwise -> decide')
    d = only(text, "PD401")
    assert (d.span.line, d.span.column) == where(text, '"two"')


def test_condition_that_is_a_number() -> None:
    text = spec("  when amount -> decide\n  otherwise -> decide")
    d = only(text, "PD403")
    assert (d.span.line, d.span.column) == where(text, "amount ->")
    assert d.message.en == "the condition amount is a number, not a yes-or-no test"
    assert d.hint is not None and "amount > 0" in d.hint.en


def test_and_of_an_enum() -> None:
    text = spec("  when urgent and kind -> decide\n  otherwise -> decide")
    d = only(text, "PD403")
    assert (d.span.line, d.span.column) == where(text, "kind ->")
    assert d.hint is not None and "kind == goods" in d.hint.en


def test_list_as_a_condition() -> None:
    text = spec("  when offers -> decide\n  otherwise -> decide")
    d = only(text, "PD403")
    assert d.message.en == "the condition offers is a list, not a yes-or-no test"
    assert d.hint is not None and "for each" in d.hint.en


def test_arithmetic_on_text() -> None:
    text = spec("  when note + 1 > 3 -> decide\n  otherwise -> decide")
    d = only(text, "PD404")
    assert (d.span.line, d.span.column) == where(text, "note +")
    assert "note is text, not a number" in d.message.en and "'+'" in d.message.en


def test_negative_date() -> None:
    text = spec("  when -due > 3 -> decide\n  otherwise -> decide")
    d = only(text, "PD404")
    assert (d.span.line, d.span.column) == where(text, "due >")


def test_ordering_an_enum() -> None:
    text = spec("  when kind < service -> decide\n  otherwise -> decide")
    d = only(text, "PD401")
    assert "has no order" in d.message.en
    assert d.hint is not None and "==" in d.hint.en


def test_also_by_and_until_are_checked() -> None:
    text = spec("  for each offer in offers until amount\n  then decide")
    text = text.replace("  by boss\n", "  by boss\n  when kind == goodz -> also by clerk\n")
    codes = sorted(d.code for d in found(text))
    assert codes == ["PD402", "PD403"]


def test_rule_rows_are_checked() -> None:
    text = spec("  then decide", extra="\nrule limits\n  when amount > \"x\" -> boss\n"
                "  otherwise -> clerk\n")
    d = only(text, "PD401")
    assert d.span.line == where(text, '"x"')[0]


def test_for_each_over_text() -> None:
    text = spec("  for each item in note\n  then decide")
    d = only(text, "PD405")
    line, column = where(text, "in note")
    assert (d.span.line, d.span.column) == (line, column + 3)
    assert d.message.en == "'for each' needs a list, but note is text"


def test_for_each_over_list_is_fine() -> None:
    assert found(spec("  for each item in offers\n  then decide")) == []


def test_chinese_message() -> None:
    text = spec("  when amount -> decide\n  otherwise -> decide", lang="zh")
    d = only(text, "PD403")
    assert d.message.zh == "条件 amount 是数字，不是“是/否”判断"
